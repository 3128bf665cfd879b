// The NER head plan: a checkpoint trained on the same tags keeps its order (its head rows stay meaningful), one of the
// same size trained on other labels gets a new head, and generic or differently sized heads change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nerHeadPlan } from '../../../src/training/tokenTasks/nerHead';

const DATA = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];

test("same tags in another order: the checkpoint's order is kept and its head reused", () => {
  const plan = nerHeadPlan({ 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' }, DATA);
  assert.deepEqual(plan.tags, ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']);
  assert.equal(plan.newHead, false);
  assert.match(plan.note!, /kept, in its own id order/);
});

test('other labels with the same count: a new head in the data order', () => {
  const plan = nerHeadPlan({ 0: 'O', 1: 'B-ORG', 2: 'I-ORG', 3: 'B-MISC', 4: 'I-MISC' }, DATA);
  assert.deepEqual(plan.tags, DATA);
  assert.equal(plan.newHead, true);
  assert.match(plan.note!, /predicts other labels \(O, B-ORG, I-ORG, B-MISC, I-MISC\); a new head is initialised/);
});

test('generic LABEL_i names or another size: the data order, nothing forced', () => {
  const cases: Record<number, string>[] = [{ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2', 3: 'LABEL_3', 4: 'LABEL_4' }, { 0: 'negative', 1: 'positive' }, {}];
  for (const id2label of cases) {
    assert.deepEqual(nerHeadPlan(id2label, DATA), { tags: DATA, newHead: false });
  }
});
