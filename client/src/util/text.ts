/** Cutting user text (names, chat) to a length without breaking a character in two. */

const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/**
 * The longest prefix of `text` that is at most `maxLength` UTF-16 code units (how the protocol counts)
 * and ends between two user-perceived characters: an emoji, a flag or a letter with its accents is
 * kept whole or dropped whole, never split into a broken glyph.
 */
export function truncateWhole(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = 0;
  const pieces = segmenter ? Array.from(segmenter.segment(text), (part) => part.segment) : Array.from(text);
  for (const piece of pieces) {
    if (end + piece.length > maxLength) break;
    end += piece.length;
  }
  return text.slice(0, end);
}

/** The first user-perceived character: a whole emoji sequence, flag or accented letter. */
export function firstCharacter(text: string): string {
  if (segmenter) {
    for (const { segment } of segmenter.segment(text)) return segment;
    return '';
  }
  return Array.from(text)[0] ?? '';
}
