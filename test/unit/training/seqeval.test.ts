// seqeval semantics, worked by hand: every expected number below is derived in the comment next to it from the
// entities each tag sequence holds (sentence, type, [start, end) in words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractEntities, seqevalReport } from '../../../src/training/worker/seqeval';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual}, expected ${expected}`);
const spans = (tags: string[], o?: Parameters<typeof extractEntities>[1]) => extractEntities(tags, o).map((e) => `${e.type}[${e.start},${e.end})`);

test("seqeval's README example: f1 0.50, accuracy 0.80, MISC 0 / PER 1, both modes", () => {
  const truth = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  const pred = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  // True: MISC s0[3,6), PER s1[0,2). Predicted: MISC s0[2,6) (starts one word early, so wrong), PER s1[0,2).
  // tp 1 of 2 predicted and 2 true → P = R = F1 = 0.5. Tokens: s0 differs at words 2 and 3 → 5/7, s1 3/3 → 8/10.
  for (const mode of ['default', 'strict'] as const) {
    const r = seqevalReport(truth, pred, { mode });
    close(r.precision, 0.5, `${mode} precision`);
    close(r.recall, 0.5, `${mode} recall`);
    close(r.f1, 0.5, `${mode} f1`);
    close(r.accuracy, 0.8, `${mode} accuracy`);
    // macro = (0 + 1) / 2; weighted = (0·1 + 1·1) / 2.
    close(r.macroF1, 0.5, `${mode} macro`);
    close(r.weightedF1, 0.5, `${mode} weighted`);
    assert.deepEqual(r.perType, [
      { label: 'MISC', precision: 0, recall: 0, f1: 0, support: 1, predicted: 1 },
      { label: 'PER', precision: 1, recall: 1, f1: 1, support: 1, predicted: 1 },
    ]);
  }
});

test('adjacent same-type entities: B-PER I-PER B-PER is two entities (both modes)', () => {
  for (const mode of ['default', 'strict'] as const) assert.deepEqual(spans(['B-PER', 'I-PER', 'B-PER'], { mode }), ['PER[0,2)', 'PER[2,3)'], mode);
});

test('I- after O: an entity in default mode (conlleval), none in strict IOB2', () => {
  assert.deepEqual(spans(['O', 'I-PER', 'I-PER', 'O']), ['PER[1,3)']);
  assert.deepEqual(spans(['O', 'I-PER', 'I-PER', 'O'], { mode: 'strict', scheme: 'IOB2' }), []);
});

test('type switch inside a run: B-PER I-LOC is PER + LOC by default, only PER in strict IOB2', () => {
  // Default: the type change ends PER at word 1 and starts LOC there.
  assert.deepEqual(spans(['B-PER', 'I-LOC']), ['PER[0,1)', 'LOC[1,2)']);
  // Strict: I-LOC does not continue B-PER (types differ) and cannot open an entity (only B- can) → PER alone.
  assert.deepEqual(spans(['B-PER', 'I-LOC'], { mode: 'strict' }), ['PER[0,1)']);
});

test('BIOES: S- and B-…E- are entities; strict drops a B-I run that never gets its E-', () => {
  const tags = ['S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'O', 'B-ORG', 'I-ORG', 'O'];
  // Default: S-PER closes itself; B-LOC … E-LOC closes at E-; B-ORG I-ORG is closed by the O.
  assert.deepEqual(spans(tags), ['PER[0,1)', 'LOC[1,4)', 'ORG[5,7)']);
  // Strict BIOES: an entity must end on E- or S-; B-ORG I-ORG then O is malformed and not counted.
  assert.deepEqual(spans(tags, { mode: 'strict', scheme: 'BIOES' }), ['PER[0,1)', 'LOC[1,4)']);
});

test('strict IOB1: I- opens an entity, B- only splits two adjacent ones of the same type', () => {
  const tags = ['I-PER', 'I-PER', 'B-PER', 'O', 'I-LOC'];
  assert.deepEqual(spans(tags, { mode: 'strict', scheme: 'IOB1' }), ['PER[0,2)', 'PER[2,3)', 'LOC[4,5)']);
  assert.deepEqual(spans(tags), ['PER[0,2)', 'PER[2,3)', 'LOC[4,5)'], 'conlleval agrees on well-formed IOB1');
});

test('an all-O prediction: P = R = F1 = 0, macro and weighted 0, no NaN', () => {
  const truth = [['B-PER', 'I-PER', 'O'], ['O', 'B-LOC']];
  const pred = [['O', 'O', 'O'], ['O', 'O']];
  const r = seqevalReport(truth, pred);
  // Nothing predicted: precision 0/0 → 0, recall 0/2 = 0, F1 0. Tokens equal at s0 word 2, s1 word 0 → 2/5.
  assert.deepEqual([r.precision, r.recall, r.f1, r.macroF1, r.weightedF1], [0, 0, 0, 0, 0]);
  close(r.accuracy, 0.4, 'accuracy');
  assert.deepEqual(r.perType.map((c) => [c.label, c.support, c.predicted, c.f1]), [['LOC', 1, 0, 0], ['PER', 1, 0, 0]]);
  const empty = seqevalReport([['O']], [['O']]);
  assert.deepEqual([empty.precision, empty.recall, empty.f1, empty.macroF1, empty.weightedF1, empty.accuracy], [0, 0, 0, 0, 0, 1]);
  assert.deepEqual(empty.perType, []);
});

test('micro, macro and weighted averages with unequal supports and a type only the prediction has', () => {
  const truth = [['B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'B-PER'], ['B-ORG', 'O', 'B-LOC', 'I-LOC']];
  const pred = [['B-PER', 'I-PER', 'O', 'B-ORG', 'O', 'B-PER'], ['B-ORG', 'B-MISC', 'B-LOC', 'O']];
  // True: PER s0[0,2), LOC s0[3,4), PER s0[5,6), ORG s1[0,1), LOC s1[2,4) → 5.
  // Pred: PER s0[0,2), ORG s0[3,4), PER s0[5,6), ORG s1[0,1), MISC s1[1,2), LOC s1[2,3) → 6.
  // LOC: tp 0, pred 1, true 2 → 0 / 0 / 0.   MISC: tp 0, pred 1, true 0 → 0 / 0 / 0 (support 0).
  // ORG: tp 1, pred 2, true 1 → P 1/2, R 1, F1 = 2·½·1 / 1½ = 2/3.   PER: tp 2 of 2 and 2 → 1 / 1 / 1.
  const r = seqevalReport(truth, pred);
  assert.deepEqual(r.perType.map((c) => [c.label, c.support, c.predicted]), [['LOC', 2, 1], ['MISC', 0, 1], ['ORG', 1, 2], ['PER', 2, 2]]);
  close(r.perType[2].precision, 0.5, 'ORG precision');
  close(r.perType[2].f1, 2 / 3, 'ORG f1');
  // Micro: tp 3, predicted 6, true 5 → P 0.5, R 0.6, F1 = 2·0.5·0.6 / 1.1 = 6/11.
  close(r.precision, 0.5, 'precision');
  close(r.recall, 0.6, 'recall');
  close(r.f1, 6 / 11, 'f1');
  // Macro over the 4 types seen anywhere: (0 + 0 + 2/3 + 1) / 4 = 5/12. Weighted by support: (0·2 + 0·0 + 2/3·1 + 1·2) / 5 = 8/15.
  close(r.macroF1, 5 / 12, 'macro');
  close(r.weightedF1, 8 / 15, 'weighted');
  // Tokens: s0 wrong at word 3 (5/6), s1 wrong at words 1 and 3 (2/4) → 7/10.
  close(r.accuracy, 0.7, 'accuracy');
  // All of it is well-formed IOB2, so strict mode agrees number for number.
  assert.deepEqual(seqevalReport(truth, pred, { mode: 'strict', scheme: 'IOB2' }), r);
});

test('strict and default differ on the same input: an I-PER I-PER prediction', () => {
  const truth = [['B-PER', 'I-PER', 'O', 'B-LOC']];
  const pred = [['I-PER', 'I-PER', 'O', 'B-LOC']];
  // Default: pred PER[0,2) (I- after O opens it) equals the true PER; LOC matches → P = R = F1 = 1.
  const lenient = seqevalReport(truth, pred);
  assert.deepEqual([lenient.precision, lenient.recall, lenient.f1], [1, 1, 1]);
  // Strict IOB2: the I- run is no entity; only LOC is predicted → tp 1, pred 1, true 2 → P 1, R 0.5, F1 = 2·0.5/1.5 = 2/3.
  const strict = seqevalReport(truth, pred, { mode: 'strict', scheme: 'IOB2' });
  close(strict.precision, 1, 'strict precision');
  close(strict.recall, 0.5, 'strict recall');
  close(strict.f1, 2 / 3, 'strict f1');
  // Per type: LOC f1 1, PER f1 0 (support 1, predicted 0) → macro 1/2, weighted (1·1 + 0·1) / 2 = 1/2.
  close(strict.macroF1, 0.5, 'strict macro');
  close(strict.weightedF1, 0.5, 'strict weighted');
  assert.deepEqual(strict.perType.map((c) => [c.label, c.support, c.predicted]), [['LOC', 1, 1], ['PER', 1, 0]]);
  // Token accuracy does not depend on the mode: 3 of 4 tags equal.
  assert.equal(strict.accuracy, 0.75);
  assert.equal(lenient.accuracy, 0.75);
});

test('bad input: mismatched sentences or lengths and tags a strict scheme forbids are named', () => {
  assert.throws(() => seqevalReport([['O']], []), /1 reference sentences but 0 predicted/);
  assert.throws(() => seqevalReport([['O', 'O']], [['O']]), /sentence 0 has 2 reference tags but 1 predicted/);
  assert.throws(() => seqevalReport([['O'], ['S-PER']], [['O'], ['O']], { mode: 'strict', scheme: 'IOB2' }), /tag "S-PER" at word 0 \(reference sentence 1\) has prefix "S"; IOB2 allows I, O, B/);
  assert.throws(() => extractEntities(['PER'], { mode: 'strict', scheme: 'BIOES' }), /tag "PER" at word 0 has prefix "P"/);
});
