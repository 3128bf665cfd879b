// WordEncoder on the five tokenizer families of the fixtures, against the tokenizer itself: word-by-word ids joined
// equal the ids of the text, offsets slice out each token's own characters, single()/pair() equal the tokenizer's
// special-token layout. Sentences are the real ones of sentiment_train.csv (punctuation, digits, accents).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRows } from '../../../src/data/readers';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer, type TextTokenizer } from '../../../src/models/tokenizer';
import { splitWords, WordEncoder } from '../../../src/models/wordEncoding';
import { fixtureModel, fixtureWorkspace, tempDir } from './support';

type Family = 'wordpiece' | 'bytelevel' | 'sentencepiece';
const MODELS: [string, Family][] = [['tiny-bert', 'wordpiece'], ['tiny-roberta', 'bytelevel'], ['tiny-deberta', 'sentencepiece'], ['tiny-modernbert', 'bytelevel'], ['tiny-mpnet', 'wordpiece']];

async function sentences(): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readRows(path.join(fixtureWorkspace(), 'data', 'sentiment_train.csv'))) out.push(String(r.row.text));
  return out;
}

async function encoderOf(name: string): Promise<{ tok: TextTokenizer; enc: WordEncoder }> {
  const dir = fixtureModel(name);
  const tok = await loadTokenizer(dir, readModelSpec(dir));
  return { tok, enc: new WordEncoder(tok) };
}

const plain = (tok: TextTokenizer, text: string) => tok.inner.encode(text, { add_special_tokens: false });
/** BERT's uncased normalization, as the test's own statement of what "the same characters" means for it. */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * transformers.js' Unigram breaks ties between equal-score segmentations differently depending on the neighbouring
 * words ("soooo" is ▁so·o·oo in one sentence, ▁so·oo·o in another). A word encoded alone is what HF's
 * is_split_into_words does, so the only difference allowed is a tie: each word's pieces (split at '▁') spell the same
 * string with the same total score.
 */
function sameUpToUnigramTies(tok: TextTokenizer, got: number[], expected: number[], text: string): void {
  if (got.length === expected.length && got.every((x, i) => x === expected[i])) return;
  const vocab = (tok.files.tokenizerJson as { model: { vocab: [string, number][] } }).model.vocab;
  const byWord = (ids: number[]) => {
    const words: { text: string; score: number }[] = [];
    for (const id of ids) {
      const [piece, score] = vocab[id];
      if (piece.startsWith('▁') || !words.length) words.push({ text: '', score: 0 });
      words[words.length - 1].text += piece;
      words[words.length - 1].score += score;
    }
    return words;
  };
  const a = byWord(got);
  const b = byWord(expected);
  assert.deepEqual(a.map((w) => w.text), b.map((w) => w.text), `same pieces per word: ${JSON.stringify(text)}`);
  a.forEach((w, i) => assert.ok(Math.abs(w.score - b[i].score) < 1e-6, `"${w.text}": a tie (${w.score} vs ${b[i].score})`));
}

test('splitWords: whitespace-separated words with their char spans', () => {
  const text = '  Hi,  there\tWorld!\n';
  const words = splitWords(text);
  assert.deepEqual(words, [{ text: 'Hi,', start: 2, end: 5 }, { text: 'there', start: 7, end: 12 }, { text: 'World!', start: 13, end: 19 }]);
  for (const w of words) assert.equal(text.slice(w.start, w.end), w.text);
  assert.deepEqual(splitWords(' \t '), []);
});

for (const [name, family] of MODELS) {
  test(`${name} (${family}): words encoded one by one give the ids of the text, word ids in order`, async () => {
    const { tok, enc } = await encoderOf(name);
    const texts = await sentences();
    assert.ok(texts.length > 500);
    for (const text of texts) {
      const got = enc.encodeText(text);
      const joined = got.words.map((w) => w.text).join(' ');
      // Byte-level BPE as HF's add_prefix_space=True: every word, the first included, is " word".
      const expected = plain(tok, family === 'bytelevel' ? ' ' + joined : joined);
      if (family === 'sentencepiece') sameUpToUnigramTies(tok, got.ids, expected, text);
      else assert.deepEqual(got.ids, expected, `${name}: ${JSON.stringify(text)}`);
      assert.equal(got.wordIds.length, got.ids.length);
      for (let k = 1; k < got.wordIds.length; k++) assert.ok(got.wordIds[k] >= got.wordIds[k - 1], 'word ids never go back');
      if (family === 'wordpiece') assert.deepEqual(got.ids, plain(tok, text), 'WordPiece ignores the spacing entirely');
    }
  });

  test(`${name} (${family}): offsets slice out each token's characters; words with [UNK] get their whole span`, async () => {
    const { tok, enc } = await encoderOf(name);
    const idToToken: string[] = [];
    for (const [t, id] of tok.vocab) idToToken[id] = t;
    const unk = tok.inner.unk_token_id;
    let exactWords = 0;
    let words = 0;
    const seen = new Set<string>();
    for (const text of await sentences()) {
      const got = enc.encodeText(text);
      got.words.forEach((w, i) => {
        const ks = got.wordIds.flatMap((wi, k) => (wi === i ? [k] : []));
        // A word of characters the normalizer deletes (BERT drops C1 controls such as U+0096) has no tokens.
        if (!ks.length) return assert.deepEqual(plain(tok, w.text), []);
        words++;
        if (ks.some((k) => got.ids[k] === unk)) {
          for (const k of ks) assert.deepEqual(got.offsets[k], [w.start, w.end], `an [UNK] in "${w.text}" gives the word's span`);
          return;
        }
        // Spans cover the word in order, without gaps or overlaps.
        let at = w.start;
        for (const k of ks) {
          const [s, e] = got.offsets[k];
          assert.ok(s === at || (s < at && e <= at + 2 && family !== 'wordpiece'), `${name} "${w.text}": token ${k} starts at ${s}, expected ${at}`);
          at = Math.max(at, e);
        }
        assert.equal(at, w.end, `${name} "${w.text}": spans end at ${at}, the word at ${w.end}`);
        for (const k of ks) {
          const slice = text.slice(...got.offsets[k]);
          const token = idToToken[got.ids[k]];
          if (family === 'wordpiece') assert.equal(fold(slice), fold(token.replace(/^##(?=.)/u, '')), `${name} "${w.text}" token ${token}`);
          else if (family === 'sentencepiece') assert.equal(slice, token.replace(/^▁/u, ''), `${name} "${w.text}" token ${token}`);
          else {
            const decoded = tok.inner.decode([got.ids[k]], { clean_up_tokenization_spaces: false }).replace(/^ /u, '');
            // A token holding part of a multi-byte char decodes to U+FFFD; its span is that whole char.
            if (decoded.includes('\uFFFD')) assert.ok(slice.length >= 1 && /\P{ASCII}/u.test(slice), `${name} "${w.text}": partial-byte token covers "${slice}"`);
            else assert.equal(slice, decoded, `${name} "${w.text}" token ${token}`);
          }
          if (/[0-9]/u.test(slice)) seen.add('digit');
          if (/\P{ASCII}/u.test(slice)) seen.add('accent');
          if (/^[^\p{L}\p{N}]+$/u.test(slice)) seen.add('punctuation');
        }
        exactWords++;
      });
    }
    assert.deepEqual([...seen].sort(), ['accent', 'digit', 'punctuation'], 'the sentences exercise digits, accents and punctuation');
    assert.ok(exactWords / words > 0.5, `${name}: ${exactWords} of ${words} words have exact token spans`);
  });

  test(`${name} (${family}): single() and pair() lay out specials and token types as the tokenizer does`, async () => {
    const { tok, enc } = await encoderOf(name);
    const cases: [string, string][] = [['Great phone.', 'It is good.'], ['The battery died after 2 days!', 'Terrible, really.'], ['Café au lait', 'naïve']];
    for (const [a, b] of cases) {
      const ia = plain(tok, a);
      const ib = plain(tok, b);
      const one = tok.inner._call(a, { return_tensor: false, return_token_type_ids: true });
      const two = tok.inner._call(a, { text_pair: b, return_tensor: false, return_token_type_ids: true });
      const s = enc.single(ia);
      assert.deepEqual(s.ids, one.input_ids);
      assert.deepEqual(s.typeIds, one.token_type_ids);
      assert.deepEqual(s.ids.slice(s.contentStart, s.contentStart + ia.length), ia);
      assert.equal(enc.singleSpecials, (one.input_ids as number[]).length - ia.length);
      const p = enc.pair(ia, ib);
      assert.deepEqual(p.ids, two.input_ids);
      assert.deepEqual(p.typeIds, two.token_type_ids);
      assert.deepEqual(p.ids.slice(p.aStart, p.aStart + ia.length), ia);
      assert.deepEqual(p.ids.slice(p.bStart, p.bStart + ib.length), ib);
      assert.equal(enc.pairSpecials, (two.input_ids as number[]).length - ia.length - ib.length);
    }
    assert.equal(enc.clsIndex, 0);
    assert.ok(tok.inner.all_special_ids.includes(enc.single([]).ids[enc.clsIndex]), 'position clsIndex holds a special token');
    assert.equal(enc.padId, tok.padTokenId);
  });
}

test('plain-string words are laid out joined by single spaces; WordSpans keep their own offsets', async () => {
  const { enc } = await encoderOf('tiny-bert');
  const a = enc.encodeWords(['New', 'York', 'rocks']);
  assert.deepEqual(a.offsets.map((o) => 'New York rocks'.slice(...o)).join(''), 'NewYorkrocks');
  const text = 'xx New  York';
  const b = enc.encodeWords([{ text: 'New', start: 3, end: 6 }, { text: 'York', start: 8, end: 12 }]);
  assert.deepEqual(b.ids, a.ids.slice(0, b.ids.length));
  assert.equal(b.offsets.map((o) => text.slice(...o)).join('|').replace(/\|/gu, ''), 'NewYork');
  assert.deepEqual(b.offsets[0][0], 3);
  assert.deepEqual(b.offsets.at(-1)?.[1], 12);
});

test('byte-level BPE whose tokenizer adds the prefix space itself: no doubled space, exact spans', async () => {
  const src = fixtureModel('tiny-roberta');
  const dir = tempDir('wordenc-aps');
  for (const f of fs.readdirSync(src)) if (fs.statSync(path.join(src, f)).isFile()) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as { pre_tokenizer: { add_prefix_space: boolean } };
  json.pre_tokenizer.add_prefix_space = true;
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tok = await loadTokenizer(dir);
  const enc = new WordEncoder(tok);
  const text = 'Hello wörld, 42!';
  const got = enc.encodeText(text);
  assert.deepEqual(got.ids, plain(tok, 'Hello wörld, 42!'), 'the tokenizer already writes Ġ before the first word');
  // ö is two UTF-8 bytes split over two tokens here: both cover the one char.
  assert.deepEqual(got.offsets.map((o) => text.slice(...o)), ['H', 'ell', 'o', 'w', 'ö', 'ö', 'r', 'ld', ',', '4', '2', '!']);
  assert.deepEqual(got.wordIds, [0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
});
