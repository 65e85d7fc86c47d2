/**
 * Translating the UI: `t('key', { param })` for text shown now, `message('key', { param })` for text
 * kept in state and shown later with `translate()`. Both re-render when the language changes because
 * they read `locale.current`. See en.ts for how to add a string.
 */
import { render, type ArgsOf, type Message, type MessageKey } from './catalog.js';
import { locale } from './locale.svelte.js';
import { CATALOGS } from './locales.js';

export { locale } from './locale.svelte.js';
export { LOCALE_NAMES, type Locale } from './locales.js';
export type { Message, MessageKey, PlainKey } from './catalog.js';

/** The text of `key` in the current language. */
export function t<K extends MessageKey>(key: K, ...[params]: ArgsOf<K>): string {
  return translate({ key, params });
}

/** A message to translate when it is shown (errors and notices kept in state). */
export function message<K extends MessageKey>(key: K, ...[params]: ArgsOf<K>): Message {
  return params === undefined ? { key } : { key, params };
}

/** A kept message in the current language. */
export function translate(text: Message): string {
  return render(CATALOGS[locale.current], text);
}

/**
 * An Error that carries a translatable message: thrown where the cause is known (a refused camera),
 * shown by whoever catches it. `message` stays English for logs.
 */
export class LocalizedError extends Error {
  readonly text: Message;

  constructor(text: Message, options?: ErrorOptions) {
    super(render(CATALOGS.en, text), options);
    this.name = 'LocalizedError';
    this.text = text;
  }
}

/** What to show for any caught error: its own message if it has one, else a generic sentence. */
export function messageOf(error: unknown): Message {
  if (error instanceof LocalizedError) return error.text;
  return message('common.unexpectedError', { detail: error instanceof Error ? error.message : String(error) });
}
