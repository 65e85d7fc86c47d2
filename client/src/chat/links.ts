/**
 * Splitting chat text into plain runs and links. Only `http:` and `https:` URLs become links, and the
 * UI renders each part as text (or as an <a> whose href is the parsed URL): message text is never
 * inserted as HTML, so markup in a message is just characters.
 */

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Stops at whitespace and at characters that cannot be in a URL unescaped and usually end one in prose.
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`{}|\\^]+/gi;
/** Punctuation that ends a sentence rather than a URL ("see https://x.org."). */
const TRAILING = /[.,;:!?*_~]+$/;

/** Drops a closing bracket the URL did not open ("(see https://x.org/a)"). */
function trimUnbalanced(url: string): string {
  let trimmed = url.replace(TRAILING, '');
  for (const [open, close] of [['(', ')'], ['[', ']']] as const) {
    while (trimmed.endsWith(close) && trimmed.split(close).length > trimmed.split(open).length) {
      trimmed = trimmed.slice(0, -1).replace(TRAILING, '');
    }
  }
  return trimmed;
}

/** A safe href for `candidate`, or null: it must parse, and stay http(s) after parsing. */
export function safeHref(candidate: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index;
    const candidate = trimUnbalanced(match[0]);
    const href = safeHref(candidate);
    if (!href) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
