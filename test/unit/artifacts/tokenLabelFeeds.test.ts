// labelFeed for the per-token tasks (token classification labels [B, S] padded with -100, QA spans [B, 2]), and
// training artifacts for both heads when only the head trains (the frozen encoder becomes a cacheable prefix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildForwardModel } from '../../../src/models/arch/forward';
import { HeadKind, basePrefix, encoderParameters } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { loadWeights } from '../../../src/models/weights';
import { generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { LossSpec } from '../../../src/training/artifacts/losses';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { IGNORED_TOKEN, labelFeed } from '../../../src/training/worker/feeds';
import { fixtureModel, tempDir } from '../models/support';

test('token classification labels: one row per example, padded to the batch length with -100', () => {
  const t = labelFeed({ kind: 'cross-entropy' }, [[-100, 1, 2, -100], [-100, 0, -100]], 5, 6);
  assert.equal(t.type, 'int64');
  assert.deepEqual(t.dims, [2, 6]);
  assert.deepEqual(Array.from(t.data as BigInt64Array, Number), [-100, 1, 2, -100, -100, -100, -100, 0, -100, -100, -100, -100]);
  assert.equal(IGNORED_TOKEN, -100);
});

test('sequence classification labels stay one class per example', () => {
  const t = labelFeed({ kind: 'cross-entropy' }, [2, 0, 1], 3);
  assert.deepEqual(t.dims, [3]);
  assert.deepEqual(Array.from(t.data as BigInt64Array, Number), [2, 0, 1]);
});

test('span labels: [start, end] per example as int64 [B, 2]', () => {
  const t = labelFeed({ kind: 'span' }, [[3, 5], [0, 0], [130, 131]], 2, 128);
  assert.equal(t.type, 'int64');
  assert.deepEqual(t.dims, [3, 2]);
  // Positions beyond the window pass through unchanged: the loss clamps and ignores them, as HF does.
  assert.deepEqual(Array.from(t.data as BigInt64Array, Number), [3, 5, 0, 0, 130, 131]);
});

test('malformed per-token and span labels are refused with the example named', () => {
  assert.throws(() => labelFeed({ kind: 'cross-entropy' }, [[0, 1], 2], 3, 4), /labelFeed \(token classification\): example 1 of the batch has label 2; per-token labels/);
  assert.throws(() => labelFeed({ kind: 'cross-entropy' }, [[0, 1, 2, 0, 1]], 3, 4), /example 0 has 5 token labels but the batch is 4 tokens long/);
  assert.throws(() => labelFeed({ kind: 'span' }, [[1, 2], [3]], 2), /labelFeed \(span\): example 1 of the batch has label \[3\]; \[start, end\] token positions were expected/);
  assert.throws(() => labelFeed({ kind: 'span' }, [4], 2), /example 0 of the batch has label 4/);
});

async function headOnlyVsFull(model: string, head: HeadKind, loss: LossSpec, labels: number[][]): Promise<void> {
  const dir = fixtureModel(model);
  const spec = head === 'token-classification' ? withLabels(readModelSpec(dir), ['O', 'B-X', 'I-X']) : readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, head, { ignoreMismatchedHead: true });
  const encoder = new Set(encoderParameters(spec, basePrefix(spec.family), false).map((p) => p.name));
  const headParams = [...tensors.keys()].filter((n) => !encoder.has(n));
  const fwd = buildForwardModel(spec, tensors, { head });
  const enc = (await loadTokenizer(dir, spec)).encode(['Where is Paris?', 'Paris is in France, on the Seine.']);
  const i64 = (a: BigInt64Array) => new ort.Tensor('int64', a, [enc.batch, enc.seq]);
  const feeds = { input_ids: i64(enc.inputIds), attention_mask: i64(enc.attentionMask), token_type_ids: i64(enc.tokenTypeIds), labels: labelFeed(loss, labels, 3, enc.seq) };
  const scratch = tempDir('head-only');
  generateArtifacts(fwd, { trainable: [...tensors.keys()], loss, optimizer: { kind: 'adamw' } }, path.join(scratch, 'full'));
  const part = generateArtifacts(fwd, { trainable: headParams, loss, optimizer: { kind: 'adamw' } }, path.join(scratch, 'head'));
  assert.ok(part.frozenPrefix?.cacheable, `${head}: the frozen encoder is a cacheable prefix`);
  assert.deepEqual(part.labelInputs.map((l) => [l.name, l.dtype]), [['labels', 'int64']]);
  const a = await TrainingSession.open(path.join(scratch, 'full'), { mode: 'separate' });
  const b = await TrainingSession.open(path.join(scratch, 'head'), { mode: 'separate' });
  const ga = await a.gradients(feeds);
  const gb = await b.gradients(feeds);
  assert.ok(Math.abs(ga.loss - gb.loss) < 1e-5, `${head}: loss ${ga.loss} (all trainable) vs ${gb.loss} (head only)`);
  for (const name of headParams) {
    const x = ga.grads.get(name)!.data as Float32Array;
    const y = gb.grads.get(name)!.data as Float32Array;
    const d = x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    assert.ok(d < 1e-5, `${head}: ${name} gradient differs by ${d}`);
  }
  // The eval graph's prediction is the joint logits the postprocessing reads.
  const evalOut = await b.evalStep(feeds);
  assert.deepEqual(evalOut.prediction.dims, [enc.batch, enc.seq, head === 'question-answering' ? 2 : 3]);
  await a.release();
  await b.release();
}

test('QA trains with only its head: the same loss and head gradients as with everything trainable', () =>
  headOnlyVsFull('tiny-bert', 'question-answering', { kind: 'span' }, [[5, 7], [0, 0]]));

test('token classification trains with only its head: the same loss and head gradients as with everything trainable', () =>
  headOnlyVsFull('tiny-roberta', 'token-classification', { kind: 'cross-entropy' }, [[-100, 1, 2, 0, -100], [-100, 0, 0, 1, 2, 2, 0, -100]]));
