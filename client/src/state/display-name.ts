/**
 * The display name: where it is prefilled from and the checks the server applies, done here first so
 * the person sees the problem before a round trip.
 */
import { MAX_DISPLAY_NAME_LENGTH } from '../../../protocol/limits.js';
import { message, type Message } from '../i18n/index.js';
import { truncateWhole } from '../util/text.js';

const STORAGE_KEY = 'shouwang.displayName';
// The same characters protocol/requests.ts refuses.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `?name=` wins (invite links and tests), then the name used last time on this browser. */
export function initialDisplayName(search: string): string {
  const fromQuery = new URLSearchParams(search).get('name');
  if (fromQuery !== null && fromQuery.trim() !== '') return truncateWhole(fromQuery.trim(), MAX_DISPLAY_NAME_LENGTH);
  try {
    return localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return ''; // storage disabled (private mode, sandboxed iframe)
  }
}

export function rememberDisplayName(name: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, name);
  } catch {
    // Not remembering the name is harmless.
  }
}

/** Null when the name is acceptable, else what is wrong with it. */
export function displayNameProblem(name: string): Message | null {
  const trimmed = name.trim();
  if (trimmed === '') return message('name.error.empty');
  if (trimmed.length > MAX_DISPLAY_NAME_LENGTH) return message('name.error.tooLong', { max: MAX_DISPLAY_NAME_LENGTH });
  if (CONTROL_CHARACTERS.test(trimmed) || LONE_SURROGATE.test(trimmed)) return message('name.error.unprintable');
  return null;
}
