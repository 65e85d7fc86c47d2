/** Room ids as people see them: in links, typed in the home page's field, made up for a new meeting. */
import { ROOM_ID_PATTERN } from '../../../protocol/limits.js';

// Lowercase letters only: easy to read aloud and to type on a phone.
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function randomLetters(count: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(count));
  // 256 % 26 leaves a tiny bias toward the first letters; irrelevant for a meeting name.
  return Array.from(bytes, (byte) => LETTERS[byte % LETTERS.length]).join('');
}

/** A fresh, readable room id like `abc-defg-hij` (26^10 possibilities, not guessable by chance). */
export function generateRoomId(): string {
  return `${randomLetters(3)}-${randomLetters(4)}-${randomLetters(3)}`;
}

export function isValidRoomId(roomId: string): boolean {
  return ROOM_ID_PATTERN.test(roomId);
}

/**
 * The room id in what someone typed or pasted: a bare name, or a whole invite link
 * (`https://host/r/abc-defg-hij`). Null if there is none.
 */
export function roomIdFromInput(input: string): string | null {
  const text = input.trim();
  if (text === '') return null;
  const fromLink = /\/r\/([^/?#]+)/.exec(text)?.[1];
  const candidate = fromLink === undefined ? text : safeDecode(fromLink);
  return isValidRoomId(candidate) ? candidate : null;
}

export function roomPath(roomId: string): string {
  return `/r/${encodeURIComponent(roomId)}`;
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
