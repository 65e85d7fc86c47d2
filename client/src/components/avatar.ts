/** The placeholder shown instead of video: an initial on a colour that stays the same for a person. */
import { firstCharacter } from '../util/text.js';

export function initialOf(name: string): string {
  // By grapheme, not code unit or code point: 👩🏽‍💻 and 🇨🇳 are one character made of several.
  const first = firstCharacter(name.trim());
  return first ? first.toLocaleUpperCase() : '?';
}

/** A calm hue picked from the id, so each participant keeps their colour across re-renders. */
export function avatarHue(id: string): number {
  let hash = 0;
  for (let index = 0; index < id.length; index++) hash = (hash * 31 + id.charCodeAt(index)) >>> 0;
  return hash % 360;
}
