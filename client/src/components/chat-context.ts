/**
 * The meeting's chat state, handed down by context: tiles show raised hands and reactions without
 * every layout passing them through.
 */
import { getContext, setContext } from 'svelte';
import type { ChatState } from '../state/chat-state.svelte.js';

const KEY = Symbol('chat');

/** `chat` is read when used, so a component keeps following the room it was given. */
export function provideChat(chat: () => ChatState): void {
  setContext(KEY, chat);
}

/**
 * A getter for the chat state (undefined outside a meeting, e.g. the pre-join preview). Call this
 * while the component initialises; call the getter wherever.
 */
export function chatContext(): () => ChatState | undefined {
  const get = getContext<(() => ChatState) | undefined>(KEY);
  return () => get?.();
}
