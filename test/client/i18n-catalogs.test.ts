/**
 * The message catalogs stay complete: every language has every key, with the same placeholders, no
 * empty strings, and no key that no code uses. TypeScript already refuses a catalog missing a key
 * (zh-CN.ts is typed `Catalog`); this test also guards what the type cannot see.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { placeholdersIn, render, type Catalog, type MessageKey } from '../../client/src/i18n/catalog.js';
import { en } from '../../client/src/i18n/en.js';
import { CATALOGS, LOCALES, pickLocale } from '../../client/src/i18n/locales.js';

const clientSrc = fileURLToPath(new URL('../../client/src/', import.meta.url));
const englishKeys = Object.keys(en).sort() as MessageKey[];

t.test('every language has exactly the English keys', async (t) => {
  for (const locale of LOCALES) {
    const keys = Object.keys(CATALOGS[locale]).sort();
    const missing = englishKeys.filter((key) => !keys.includes(key));
    const extra = keys.filter((key) => !(key in en));
    t.same(missing, [], `${locale}: no key missing`);
    t.same(extra, [], `${locale}: no key English lacks`);
  }
});

t.test('every string is non-empty and has the same placeholders as English', async (t) => {
  for (const locale of LOCALES) {
    const catalog: Catalog = CATALOGS[locale];
    const problems: string[] = [];
    for (const key of englishKeys) {
      const text = catalog[key];
      if (typeof text !== 'string' || text.trim() === '') {
        problems.push(`${key}: empty`);
        continue;
      }
      const expected = placeholdersIn(en[key]).join(',');
      const actual = placeholdersIn(text).join(',');
      if (actual !== expected) problems.push(`${key}: placeholders {${actual}} instead of {${expected}}`);
    }
    t.same(problems, [], `${locale}: all strings complete`);
  }
});

t.test('Chinese is really translated: no English sentence left over', async (t) => {
  // Strings that are the same in both languages on purpose (none yet): list them here with a reason.
  const sameOnPurpose = new Set<MessageKey>([]);
  const untranslated = englishKeys.filter(
    (key) => !sameOnPurpose.has(key) && /[a-z]{3,} [a-z]{3,}/i.test(CATALOGS['zh-CN'][key].replace(/\{\w+\}/g, '')),
  );
  t.same(untranslated, [], 'zh-CN strings contain no English phrases');
});

/** Every .ts/.svelte file under client/src except the catalogs themselves. */
function clientSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return clientSources(full);
    return /\.(ts|svelte)$/.test(entry.name) ? [full] : [];
  });
}

t.test('every key is used by the client (no dead strings to translate)', async (t) => {
  const catalogFiles = new Set(LOCALES.map((locale) => path.join(clientSrc, 'i18n', locale === 'en' ? 'en.ts' : `${locale}.ts`)));
  const code = clientSources(clientSrc)
    .filter((file) => !catalogFiles.has(file))
    .map((file) => fs.readFileSync(file, 'utf8'))
    .join('\n');
  const unused = englishKeys.filter((key) => !code.includes(`'${key}'`) && !code.includes(`"${key}"`));
  t.same(unused, [], 'keys no client file mentions (remove them, or use them with a literal key)');
});

t.test('placeholders are filled, nested messages in the same language', async (t) => {
  const device = { key: 'device.camera' } as const;
  t.equal(render(CATALOGS.en, { key: 'media.error.denied', params: { device } }), 'Access to the camera was denied.');
  t.equal(render(CATALOGS['zh-CN'], { key: 'media.error.denied', params: { device } }), '访问摄像头的权限被拒绝。');
  t.equal(render(CATALOGS.en, { key: 'room.participants.label', params: { count: 3 } }), 'Participants: 3');
  // A value that itself looks like a placeholder is not expanded again (user text is data, not a template).
  t.equal(render(CATALOGS.en, { key: 'tile.you.label', params: { name: '{name} 守望 🙂' } }), '{name} 守望 🙂 (you)');
  t.equal(render(CATALOGS.en, { key: 'tile.you.label' }), '{name} (you)', 'a missing parameter stays visible');
});

t.test('the language is picked from the browser preferences, in order', async (t) => {
  t.equal(pickLocale(['zh-CN', 'en-US']), 'zh-CN');
  t.equal(pickLocale(['zh-TW']), 'zh-CN', 'any Chinese gets Simplified Chinese');
  t.equal(pickLocale(['zh-Hans-CN']), 'zh-CN');
  t.equal(pickLocale(['en-GB', 'zh-CN']), 'en');
  t.equal(pickLocale(['fr-FR', 'zh']), 'zh-CN', 'the first language we have wins');
  t.equal(pickLocale(['fr-FR', 'de']), 'en', 'English otherwise');
  t.equal(pickLocale([]), 'en');
});
