/** Chat text to links: only http(s), trailing punctuation left out, nothing else turned into markup. */
import t from 'tap';
import { linkify, safeHref } from '../../client/src/chat/links.js';

const links = (text: string) => linkify(text).filter((part) => part.kind === 'link');

t.test('http and https URLs become links; their text is what was typed', async (t) => {
  t.same(linkify('see https://example.org/a?b=1 now'), [
    { kind: 'text', text: 'see ' },
    { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
    { kind: 'text', text: ' now' },
  ]);
  t.same(links('docs: https://example.org/a?b=1&c=<x>. more'), [
    { kind: 'link', text: 'https://example.org/a?b=1&c=', href: 'https://example.org/a?b=1&c=' },
  ], 'a URL stops at < (it cannot be in a URL unescaped)');
  t.same(links('(see http://example.com/x)').map((l) => l.text), ['http://example.com/x'], 'an unopened bracket is not part of the URL');
  t.same(links('https://en.wikipedia.org/wiki/Foo_(bar)').map((l) => l.text), ['https://en.wikipedia.org/wiki/Foo_(bar)'], 'a balanced bracket is');
  t.same(links('end https://example.org.').map((l) => l.text), ['https://example.org'], 'the sentence dot is not');
  t.same(links('HTTPS://EXAMPLE.ORG/A').map((l) => l.href), ['https://example.org/A'], 'scheme and host are normalised in the href');
});

t.test('nothing but http(s) becomes a link', async (t) => {
  for (const text of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', 'ftp://x.org', '//evil.org', 'www.example.org', 'mailto:a@b.c']) {
    t.same(links(text), [], `${text} stays text`);
  }
  t.equal(safeHref('javascript:alert(1)'), null);
  t.equal(safeHref('https://'), null, 'a URL that does not parse is no link');
  t.same(links('http://x"onmouseover="alert(1)').map((l) => l.text), ['http://x'], 'a quote ends the URL');
});

t.test('the parts put back together are the text, whatever it is', async (t) => {
  for (const text of ['', 'plain', '<img src=x onerror=alert(1)>', 'a https://a.org b http://b.org/c?d#e c', '𝕏 https://例子.测试/路径 🎉']) {
    t.equal(linkify(text).map((part) => part.text).join(''), text, JSON.stringify(text));
  }
});
