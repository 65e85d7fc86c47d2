/**
 * Keyboard shortcuts of the meeting: M toggles the microphone, V the camera. They are ignored while the
 * person types (inputs, text areas, selects, editable text) and with modifier keys, so typing "m" in the
 * chat or pressing Ctrl+V never mutes anyone.
 */
export type ShortcutAction = 'toggleMic' | 'toggleCamera';

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Buttons and checkboxes take no text: a shortcut while one has focus is still a shortcut.
  const type = (target as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset', 'color', 'file', 'image'].includes(type);
}

export function shortcutFor(event: KeyboardEvent): ShortcutAction | null {
  if (event.defaultPrevented || event.isComposing || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return null;
  if (isTypingTarget(event.target)) return null;
  // `code` follows the physical key, so the shortcuts work with any keyboard layout or input method.
  if (event.code === 'KeyM') return 'toggleMic';
  if (event.code === 'KeyV') return 'toggleCamera';
  return null;
}
