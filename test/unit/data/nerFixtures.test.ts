// The generated NER fixtures (scripts/fixtures/nerDatasets.ts): every layout encodes the same sentences, so each must
// load to the same tokens and IOB2 tags, and the pair train.conll / validation.conll must come back as splits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadNerDataset, loadNerSplits, type NerExample } from '../../../src/data/ner';
import { tagSentence, toBioes, tokenize } from '../../../scripts/fixtures/nerDatasets';

const NER = path.resolve(__dirname, '../../../../test/fixtures/generated/workspace/data/ner');
const LABELS = ['O', 'B-DURATION', 'I-DURATION', 'B-FOOD', 'I-FOOD', 'B-MEDIA', 'I-MEDIA', 'B-PRODUCT', 'I-PRODUCT'];

const content = (examples: readonly NerExample[]) => examples.map((e) => ({ tokens: e.tokens, tags: e.tags }));

test('the fixture rule: gazetteer phrases longest first, durations as quantity + unit, B- then I-', () => {
  const tokens = tokenize('My cell phone died after two weeks, the French fries took 10 minutes and a couple of days.');
  assert.deepEqual(tokens.slice(0, 4), ['My', 'cell', 'phone', 'died']);
  assert.deepEqual(tagSentence(tokens), [
    'O', 'B-PRODUCT', 'I-PRODUCT', 'O', 'O', 'B-DURATION', 'I-DURATION', 'O', 'O', 'B-FOOD', 'I-FOOD', 'O',
    'B-DURATION', 'I-DURATION', 'O', 'O', 'B-DURATION', 'I-DURATION', 'I-DURATION', 'O',
  ]);
  assert.deepEqual(toBioes(['B-FOOD', 'O', 'B-DURATION', 'I-DURATION', 'I-DURATION', 'B-MEDIA']),
    ['S-FOOD', 'O', 'B-DURATION', 'I-DURATION', 'E-DURATION', 'S-MEDIA']);
});

test('CoNLL pair, HF JSONL and Parquet with ids, BIOES JSONL and char spans all load to the same sentences', async () => {
  const train = await loadNerDataset(path.join(NER, 'train.conll'));
  const validation = await loadNerDataset(path.join(NER, 'validation.conll'));
  assert.equal(train.scheme, 'IOB2');
  assert.deepEqual(train.labels, LABELS);
  const expected = content([...train.examples, ...validation.examples]);
  assert.equal(expected.length, 825);

  const layouts = [
    { file: 'hf/ner.jsonl', format: 'tokens-tags', scheme: 'IOB2' },
    { file: 'hf/ner.parquet', format: 'tokens-tags', scheme: 'IOB2' },
    { file: 'ner_tags.jsonl', format: 'tokens-tags', scheme: 'BIOES' },
    { file: 'spans.jsonl', format: 'spans', scheme: 'IOB2' },
  ];
  for (const { file, format, scheme } of layouts) {
    const d = await loadNerDataset(path.join(NER, file));
    assert.equal(d.format, format, file);
    assert.equal(d.scheme, scheme, file);
    assert.deepEqual(d.labels, LABELS, file);
    assert.deepEqual(d.warnings, [], file);
    assert.deepEqual(content(d.examples), expected, file);
    assert.deepEqual(d.examples.slice(0, 3).map((e) => e.line), [1, 2, 3], file);
  }
});

test('fixture contents: 600 + 150 sentences with entities, some without, multi-word PRODUCT, FOOD and DURATION entities', async () => {
  const splits = await loadNerSplits(path.join(NER, 'train.conll'), { seed: 42 });
  const withEntity = (xs: readonly NerExample[]) => xs.filter((e) => e.tags.some((t) => t !== 'O')).length;
  assert.equal(splits.train.length, 660);
  assert.equal(withEntity(splits.train), 600);
  assert.equal(splits.validation.length, 165);
  assert.equal(withEntity(splits.validation), 150);
  const multiWord = new Set(splits.train.flatMap((e) => e.tags.filter((t) => t.startsWith('I-')).map((t) => t.slice(2))));
  // Deduplicated before splitting: no validation sentence is also a training sentence.
  const seen = new Set(splits.train.map((e) => e.tokens.join(' ').toLowerCase()));
  assert.equal(splits.validation.filter((e) => seen.has(e.tokens.join(' ').toLowerCase())).length, 0);
  assert.ok(multiWord.has('DURATION') && multiWord.has('FOOD') && multiWord.has('PRODUCT'), [...multiWord].join());
});
