// The generated QA fixtures: deterministic, read back by the QA readers, sized as promised, and every answer follows
// the generator's documented rule (the question's kind names the pattern its answer matches).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadQaDataset, loadQaSplits } from '../../../src/data/qa';
import { Rng } from '../../../src/util/rng';
import { loadSentimentCorpus } from '../../../scripts/fixtures/corpus';
import { FILM_WORDS, FOOD_WORDS, PRODUCT_WORDS, STAFF_WORDS, writeQaDatasets } from '../../../scripts/fixtures/qaDatasets';

let dir = '';
let counts: Record<string, number> = {};
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-qafix-'));
  counts = writeQaDatasets(path.join(dir, 'a'), loadSentimentCorpus(), new Rng(99));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const FILES = ['squad_train.json', 'squad_validation.json', 'squad2_train.json', 'qa.jsonl'];

test('same seed → byte-identical files; another seed → different questions', () => {
  writeQaDatasets(path.join(dir, 'b'), loadSentimentCorpus(), new Rng(99));
  writeQaDatasets(path.join(dir, 'c'), loadSentimentCorpus(), new Rng(100));
  for (const f of FILES) assert.ok(fs.readFileSync(path.join(dir, 'a', f)).equals(fs.readFileSync(path.join(dir, 'b', f))), f);
  assert.notDeepEqual(fs.readFileSync(path.join(dir, 'c', 'squad_train.json')), fs.readFileSync(path.join(dir, 'a', 'squad_train.json')));
});

test('the readers load every file; sizes and the v2 share of unanswerable questions are as documented', async () => {
  const [train, validation, v2, flat] = await Promise.all(FILES.map((f) => loadQaDataset(path.join(dir, 'a', f))));
  assert.deepEqual([train.format, v2.format, flat.format], ['squad', 'squad', 'jsonl']);
  assert.deepEqual([train.examples.length, validation.examples.length, v2.examples.length, flat.examples.length],
    [counts['squad_train.json'], counts['squad_validation.json'], counts['squad2_train.json'], counts['qa.jsonl']]);
  assert.ok(train.examples.length >= 400, `train ${train.examples.length}`);
  assert.ok(validation.examples.length >= 120 && validation.examples.length < 130, `validation ${validation.examples.length}`);
  assert.equal(flat.examples.length, train.examples.length + validation.examples.length);
  assert.deepEqual([train.version2, validation.version2, v2.version2], [false, false, true]);
  const impossible = v2.examples.filter((e) => e.answers.text.length === 0).length;
  assert.ok(impossible / v2.examples.length > 0.18 && impossible / v2.examples.length < 0.32, `${impossible} of ${v2.examples.length}`);
  for (const ds of [train, validation, v2, flat]) assert.deepEqual(ds.warnings, [], ds.file);

  // The side-by-side files pair up, and no context sits on both sides.
  const splits = await loadQaSplits(path.join(dir, 'a', 'squad_train.json'), { seed: 1 });
  assert.equal(splits.origins.validation, 'file squad_validation.json');
  const trainContexts = new Set(splits.train.map((e) => e.context));
  assert.ok(splits.validation.every((e) => !trainContexts.has(e.context)));
});

test('answers follow the rule: the kind in the id names the pattern; unanswerable kinds are absent from the context', async () => {
  const words = (xs: string[], plural = false) => new RegExp(`\\b(?:${xs.join('|')})${plural ? 's?' : ''}\\b`, 'i');
  const patterns: Record<string, RegExp> = {
    duration: /\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|a few|several|a couple of)\s+(?:seconds?|minutes?|mins|hours?|days?|weeks?|months?|years?)\b/i,
    price: /\$\d+(?:\.\d\d)?|\b\d+(?:\.\d\d)? (?:dollars|bucks)\b/i,
    product: words(PRODUCT_WORDS, true), food: words(FOOD_WORDS), film: words(FILM_WORDS), staff: words(STAFF_WORDS, true),
  };
  const v2 = await loadQaDataset(path.join(dir, 'a', 'squad2_train.json'));
  const seen = new Set<string>();
  for (const e of v2.examples) {
    const kind = e.id.split('-').pop()!;
    seen.add(kind);
    if (e.answers.text.length === 0) {
      assert.doesNotMatch(e.context, patterns[kind], e.id);
      continue;
    }
    // The whole answer is one match of its kind's pattern.
    assert.match(e.answers.text[0], new RegExp(`^(?:${patterns[kind].source})$`, 'i'), e.id);
    // Whole words: the characters around the span are not letters.
    const at = e.answers.answerStart[0];
    assert.doesNotMatch(e.context.slice(Math.max(0, at - 1), at) + e.context.slice(at + e.answers.text[0].length, at + e.answers.text[0].length + 1), /[a-z]/i, e.id);
  }
  assert.deepEqual([...seen].sort(), ['duration', 'film', 'food', 'price', 'product', 'staff']);
});
