// Forward parity of our ONNX graphs (run by onnxruntime-node) against the hand-written PyTorch reference with HF
// semantics, for every family and head, on real sentences tokenized by the fixture tokenizers (padding included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildForwardModel, graphInputNames, headOutputName } from '../../../src/models/arch/forward';
import { HeadKind } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { ModelSpec, readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { TensorToWrite, writeSafetensors } from '../../../src/models/safetensors';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { loadWeights } from '../../../src/models/weights';
import { Rng } from '../../../src/util/rng';
import { ReferenceReply, fixtureModel, flatten, maxAbsDiff, ortSession, runReference, torchMissing, runSession, tempDir, toRows } from './support';

const SENTENCES = [
  'This movie was great, I loved it!',
  'The food was cold and the service was slow.',
  'Not bad.',
];
const PAIRS = ['A positive review.', 'The reviewer is unhappy about the restaurant.', 'It is fine.'];

interface Case {
  model: string;
  head: HeadKind;
  labels?: string[];
  problemType?: 'multi_label_classification' | 'regression';
  pairs?: boolean;
  /** Override of the activation (config key differs: hidden_act, DistilBERT's activation). */
  act?: 'gelu_new' | 'relu';
}

const FAMILIES = ['tiny-bert', 'tiny-roberta', 'tiny-distilbert', 'tiny-electra'];
const CASES: Case[] = [
  ...FAMILIES.flatMap((model): Case[] => [
    { model, head: 'sequence-classification', pairs: model !== 'tiny-distilbert' },
    { model, head: 'token-classification', labels: ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'] },
    { model, head: 'masked-lm' },
    { model, head: 'sentence-embedding' },
  ]),
  { model: 'tiny-bert', head: 'sequence-classification', labels: ['a', 'b', 'c'], problemType: 'multi_label_classification' },
  { model: 'tiny-roberta', head: 'sequence-classification', labels: ['score'], problemType: 'regression' },
  { model: 'tiny-nli-bert', head: 'sequence-classification', pairs: true },
  { model: 'tiny-bert', head: 'masked-lm', act: 'gelu_new' },
  { model: 'tiny-distilbert', head: 'sequence-classification', act: 'relu' },
  // DeBERTa-v3 (shared keys, c2p + p2c over log buckets) and DeBERTa-v2's other options (own position projections,
  // clamped distances, absolute positions, token types, embed_proj — whose narrower embeddings HF's tied MLM head cannot use).
  ...['sequence-classification', 'token-classification', 'masked-lm', 'sentence-embedding'].map((head): Case => ({
    model: 'tiny-deberta', head: head as HeadKind, pairs: head === 'sequence-classification', labels: head === 'token-classification' ? ['O', 'B-PER', 'I-PER'] : undefined,
  })),
  { model: 'tiny-deberta', head: 'sequence-classification', labels: ['a', 'b', 'c'], problemType: 'multi_label_classification' },
  { model: 'tiny-deberta-v2', head: 'sequence-classification', pairs: true },
  { model: 'tiny-deberta-v2', head: 'token-classification', labels: ['O', 'B-LOC', 'I-LOC'] },
  { model: 'tiny-deberta-v2', head: 'sentence-embedding' },
  // MPNet: relative attention bias (log buckets from distance 8) in every layer, RoBERTa-style positions and heads.
  { model: 'tiny-mpnet', head: 'sequence-classification', pairs: true },
  { model: 'tiny-mpnet', head: 'token-classification', labels: ['O', 'B-PER', 'I-PER'] },
  { model: 'tiny-mpnet', head: 'masked-lm' },
  { model: 'tiny-mpnet', head: 'sentence-embedding' },
  { model: 'tiny-mpnet', head: 'sequence-classification', labels: ['a', 'b', 'c'], problemType: 'multi_label_classification' },
  // ModernBERT: rotary positions, a local layer between global ones with a ±4 window, GeGLU, bias-free norms.
  { model: 'tiny-modernbert', head: 'sequence-classification', pairs: true },
  { model: 'tiny-modernbert', head: 'token-classification', labels: ['O', 'B-PER', 'I-PER'] },
  { model: 'tiny-modernbert', head: 'masked-lm' },
  { model: 'tiny-modernbert', head: 'sentence-embedding' },
  { model: 'tiny-modernbert', head: 'sequence-classification', labels: ['a', 'b', 'c'], problemType: 'multi_label_classification' },
];

interface Prepared {
  name: string;
  request: Record<string, unknown>;
  ours: Float32Array;
  dims: readonly number[];
}

async function prepare(c: Case, scratch: string): Promise<Prepared> {
  const dir = fixtureModel(c.model);
  let spec: ModelSpec = readModelSpec(dir);
  if (c.labels) spec = withLabels(spec, c.labels, c.problemType);
  if (c.act) spec = { ...spec, hiddenAct: c.act };
  const loaded = loadWeights(Checkpoint.open(dir), spec, c.head, { ignoreMismatchedHead: true });
  // HF's init leaves new heads with zero biases and unit norms; perturb them so every parameter matters.
  const rng = new Rng(7);
  for (const name of loaded.initialised) {
    const w = loaded.tensors.get(name) as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] += rng.normal() * 0.1;
  }
  const weightsFile = path.join(scratch, `${c.model}-${c.head}-${c.labels?.length ?? 0}-${c.act ?? ''}.safetensors`);
  const out = new Map<string, TensorToWrite>();
  for (const [name, data] of loaded.tensors) out.set(name, { dtype: 'F32', shape: loaded.shapes.get(name) as number[], data });
  writeSafetensors(weightsFile, out);

  const tok = await loadTokenizer(dir, spec);
  const enc = tok.encode(SENTENCES, { pairs: c.pairs ? PAIRS : undefined });
  const inputs = {
    input_ids: toRows(enc.inputIds, enc.batch, enc.seq),
    attention_mask: toRows(enc.attentionMask, enc.batch, enc.seq),
    token_type_ids: toRows(enc.tokenTypeIds, enc.batch, enc.seq),
  };
  assert.ok(inputs.attention_mask.some((r) => r.includes(0)), 'the batch must contain padding');
  const model = buildForwardModel(spec, loaded.tensors, { head: c.head });
  const session = await ortSession(model);
  const result = (await runSession(session, inputs))[headOutputName(c.head)];
  const overrides: Record<string, unknown> = {};
  if (c.labels) {
    overrides.id2label = Object.fromEntries(c.labels.map((l, i) => [String(i), l]));
    if (c.problemType) overrides.problem_type = c.problemType;
  }
  if (c.act) overrides[spec.family === 'distilbert' ? 'activation' : 'hidden_act'] = c.act;
  return {
    name: `${c.model} ${c.head}${c.problemType ? ` (${c.problemType})` : ''}${c.act ? ` (${c.act})` : ''}`,
    ours: result.data as Float32Array,
    dims: result.dims,
    request: {
      model_dir: dir, weights: weightsFile, head: c.head, mode: 'forward', config_overrides: overrides,
      input_ids: inputs.input_ids, attention_mask: inputs.attention_mask,
      token_type_ids: graphInputNames(spec).includes('token_type_ids') ? inputs.token_type_ids : null,
    },
  };
}

test('every family and head matches the PyTorch reference within 1e-5 (max abs diff of the head output)', { skip: torchMissing }, async () => {
  const scratch = tempDir('parity');
  const prepared: Prepared[] = [];
  for (const c of CASES) prepared.push(await prepare(c, scratch));
  const replies: ReferenceReply[] = runReference(prepared.map((p) => p.request));
  const report: string[] = [];
  for (const [i, p] of prepared.entries()) {
    const ref = flatten(replies[i].output);
    assert.deepEqual([...p.dims], replies[i].shape, `${p.name}: output shape`);
    const diff = maxAbsDiff(p.ours, ref);
    const scale = Math.max(...ref.map(Math.abs));
    report.push(`${p.name}: max|diff| ${diff.toExponential(2)} (max|out| ${scale.toFixed(3)})`);
    assert.ok(scale > 0.05, `${p.name}: outputs are too close to zero to prove anything`);
    assert.ok(diff <= 1e-5, `${p.name}: max abs diff ${diff} > 1e-5`);
  }
  console.log(report.join('\n'));
});

test('dropout nodes appear only in training graphs', () => {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
  const count = (training: boolean) => buildForwardModel(spec, tensors, { head: 'sequence-classification', training }).graph.nodes.filter((n) => n.opType === 'Dropout').length;
  assert.equal(count(false), 0);
  // embeddings + per layer (attention probs, attention output, FFN output) + classifier = 1 + 2·3 + 1.
  assert.equal(count(true), 8);
});

test('training graphs run in onnxruntime with dropout active (outputs change), eval graphs are deterministic', async () => {
  const dir = fixtureModel('tiny-roberta');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
  const inputs = { input_ids: [[0, 396, 395, 306, 2]], attention_mask: [[1, 1, 1, 1, 1]] };
  const train = await ortSession(buildForwardModel(spec, tensors, { head: 'sequence-classification', training: true }));
  const evalS = await ortSession(buildForwardModel(spec, tensors, { head: 'sequence-classification' }));
  const t1 = (await runSession(train, inputs)).logits.data as Float32Array;
  const t2 = (await runSession(train, inputs)).logits.data as Float32Array;
  const e1 = (await runSession(evalS, inputs)).logits.data as Float32Array;
  const e2 = (await runSession(evalS, inputs)).logits.data as Float32Array;
  assert.equal(maxAbsDiff(e1, e2), 0);
  assert.ok(maxAbsDiff(t1, t2) > 0, 'two training runs draw different dropout masks');
});
