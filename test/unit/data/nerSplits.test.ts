// Train / validation / test for token classification: side-by-side files, a seeded random slice otherwise, and the
// checks that keep evaluation meaningful (eval tags must be training tags; training needs some entity).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetError } from '../../../src/data/errors';
import { findNerSplitFiles, loadNerSplits } from '../../../src/data/ner';

let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-nersplit-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** n one-token sentences "w<i> B-PER" (every third one O), so each sentence is identifiable by its token. */
function conll(n: number, type = 'PER', from = 0): string {
  return Array.from({ length: n }, (_, i) => `w${from + i} ${(from + i) % 3 ? 'O' : `B-${type}`}\n`).join('\n');
}

test('side-by-side files pair by name, whatever their order in the folder; the CoNLL extensions count', async () => {
  const train = write('pair/wnut_train.conll', conll(6));
  const dev = write('pair/wnut_dev.conll', conll(3, 'PER', 100));
  const test = write('pair/wnut_test.conll', conll(2, 'PER', 200));
  write('pair/wnut_test.jsonl', '{}\n'); // another extension: not part of the set
  write('pair/other_dev.conll', conll(2));
  assert.deepEqual(await findNerSplitFiles(dev), { train, validation: dev, test });
  const s = await loadNerSplits(dev, { seed: 1 });
  assert.deepEqual(s.files, { train, validation: dev, test });
  assert.deepEqual(s.origins, { validation: 'file wnut_dev.conll', test: 'file wnut_test.conll' });
  assert.deepEqual(s.train.map((e) => e.tokens[0]), ['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
  assert.deepEqual(s.validation.map((e) => e.tokens[0]), ['w100', 'w101', 'w102']);
  assert.deepEqual(s.test.map((e) => [e.tokens[0], e.split]), [['w200', 'test'], ['w201', 'test']]);
  assert.deepEqual(s.labels, ['O', 'B-PER', 'I-PER']);
});

test('no validation file: a seeded random slice of the training file, file order kept, same seed same slice', async () => {
  const file = write('single/ner.conll', conll(40));
  const a = await loadNerSplits(file, { seed: 7, validationRatio: 0.25 });
  const b = await loadNerSplits(file, { seed: 7, validationRatio: 0.25 });
  const c = await loadNerSplits(file, { seed: 8, validationRatio: 0.25 });
  assert.equal(a.validation.length, 10);
  assert.equal(a.train.length, 30);
  assert.deepEqual(a.validation, b.validation);
  assert.notDeepEqual(a.validation.map((e) => e.line), c.validation.map((e) => e.line));
  const lines = a.validation.map((e) => e.line);
  assert.deepEqual(lines, [...lines].sort((x, y) => x - y));
  // Together the two parts are the file, each sentence once.
  const all = [...a.train, ...a.validation].map((e) => e.tokens[0]).sort();
  assert.deepEqual(all, Array.from({ length: 40 }, (_, i) => `w${i}`).sort());
  assert.equal(a.origins.validation, '25% random split of ner.conll (seed 7)');
  assert.equal(a.origins.test, 'none');
  assert.deepEqual(a.validation.map((e) => e.split), Array(10).fill('validation'));
  assert.equal((await loadNerSplits(file, { seed: 7 })).validation.length, 4); // default 10%
});

test('an evaluation file with an entity type training never has is refused naming file, line and types', async () => {
  write('stray/train.conll', conll(3));
  const dev = write('stray/dev.conll', 'Paris B-LOC\n\nBob B-PER\n\nRome B-LOC\n');
  await assert.rejects(loadNerSplits(path.join(dir, 'stray/train.conll'), { seed: 1 }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.message, `${dev}:1: tag(s) "B-LOC" (2 sentence(s), first at line 1) never occur in the training data train.conll ` +
      '(its entity types: PER); expected only those types. The model cannot predict the others: add examples of them to the training file or remove them from this one.');
    return true;
  });
});

test('training data without any entity is refused', async () => {
  const file = write('allo/train.conll', 'a O\n\nb O\n');
  await assert.rejects(loadNerSplits(file, { seed: 1 }), {
    message: `${file}: every tag is O (2 sentences); expected some entities (B-/I- tags): a token classifier needs at least one entity type to learn`,
  });
});
