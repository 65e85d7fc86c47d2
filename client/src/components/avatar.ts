/** The placeholder shown instead of video: an initial on a colour that stays the same for a person. */

export function initialOf(name: string): string {
  // Array.from splits by code point, so a name starting with an emoji or CJK character stays whole.
  const first = Array.from(name.trim())[0];
  return first ? first.toLocaleUpperCase() : '?';
}

/** A calm hue picked from the id, so each participant keeps their colour across re-renders. */
export function avatarHue(id: string): number {
  let hash = 0;
  for (let index = 0; index < id.length; index++) hash = (hash * 31 + id.charCodeAt(index)) >>> 0;
  return hash % 360;
}
