/**
 * User text (names) cut or abbreviated without breaking a character: an emoji sequence, a flag or a
 * letter with combining marks is kept whole or dropped whole.
 */
import t from 'tap';
import { initialOf } from '../../client/src/components/avatar.js';
import { firstCharacter, truncateWhole } from '../../client/src/util/text.js';

const wellFormed = (text: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

t.test('truncateWhole keeps within the length and never splits a character', async (t) => {
  t.equal(truncateWhole('short', 64), 'short');
  const emojiAtTheEdge = `${'a'.repeat(63)}😀`; // 65 code units: the emoji straddles 64
  t.equal(truncateWhole(emojiAtTheEdge, 64), 'a'.repeat(63), 'the emoji is dropped whole, not halved');
  const family = '👩‍👩‍👧‍👦'; // 11 code units, one character
  t.equal(truncateWhole(`ab${family}`, 8), 'ab');
  t.equal(truncateWhole(`ab${family}`, 13), `ab${family}`);
  t.equal(truncateWhole('🇨🇳🇺🇸', 6), '🇨🇳', 'a flag is two code points; both stay together');
  t.equal(truncateWhole('שָׁלוֹם עולם', 3), 'שָׁ', 'a Hebrew letter keeps its points');
  for (let max = 0; max <= 20; max++) {
    const cut = truncateWhole(`王小明👩🏽‍💻Zoë`, max);
    if (cut.length > max || !wellFormed(cut)) t.fail(`max ${max}: ${JSON.stringify(cut)}`);
  }
  t.pass('every cut of a mixed name is well-formed and within bounds');
});

t.test('the avatar initial is one whole character', async (t) => {
  t.equal(initialOf('  ada'), 'A');
  t.equal(initialOf('王小明'), '王');
  t.equal(initialOf('👩🏽‍💻 Zoë'), '👩🏽‍💻', 'a ZWJ sequence with a skin tone');
  t.equal(initialOf('🇨🇳 Li'), '🇨🇳');
  t.equal(initialOf('سارة'), 'س');
  t.equal(initialOf('   '), '?');
  t.equal(firstCharacter('é'), 'é', 'e + combining acute stays one character');
});
