// Token classification and extractive QA against PyTorch (test/reference/token_heads_reference.py, hand-written HF
// heads over the reference encoders): the loss and EVERY parameter's gradient of our training artifacts, for every
// family, with labels fed by labelFeed exactly as the worker feeds them. Tolerances as pytorchParity.test.ts:
// loss within 1e-5 relative, each gradient tensor within 1e-4 of max(max|torch|, 1e-3·G), G the model's largest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { END_LOGITS, START_LOGITS, buildForwardModel, graphInputNames } from '../../../src/models/arch/forward';
import { HeadKind } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { ModelSpec, readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { TensorToWrite, writeSafetensors } from '../../../src/models/safetensors';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { loadWeights } from '../../../src/models/weights';
import { Rng } from '../../../src/util/rng';
import { generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { LossSpec } from '../../../src/training/artifacts/losses';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { IGNORED_TOKEN, labelFeed } from '../../../src/training/worker/feeds';
import { REPO, fixtureModel, maxAbsDiff, ortSession, tempDir, toRows } from '../models/support';

const torchMissing = (() => {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? false : `PyTorch is not importable by /usr/bin/python3 (apt install python3-torch): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
})();

const SENTENCES = ['Angela Merkel visited Paris in May.', 'The river Thames flows through London.', 'No entities here at all.', 'Ada Lovelace wrote the first program for the Analytical Engine.'];
const TAGS = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
const MODELS = ['tiny-bert', 'tiny-roberta', 'tiny-distilbert', 'tiny-electra', 'tiny-deberta', 'tiny-mpnet', 'tiny-modernbert'];

/** The QA output biases (qa_outputs; ModernBERT's classifier). */
const SPAN_BIASES = new Set(['qa_outputs.bias', 'classifier.bias']);

interface Case {
  model: string;
  head: HeadKind;
  loss: LossSpec;
}

const CASES: Case[] = [
  ...MODELS.map((model): Case => ({ model, head: 'token-classification', loss: { kind: 'cross-entropy' } })),
  ...MODELS.map((model): Case => ({ model, head: 'question-answering', loss: { kind: 'span' } })),
];

/**
 * Token labels as NER features carry them: only the real tokens of each row (labelFeed pads the rest with -100), the
 * specials at both ends and every third token ignored (continuation subwords), the others a tag.
 */
function tokenLabels(mask: number[][]): number[][] {
  return mask.map((row, i) => {
    const real = row.reduce((a, m) => a + m, 0);
    return Array.from({ length: real }, (_, j) => (j === 0 || j === real - 1 || j % 3 === 2 ? IGNORED_TOKEN : (i + j) % TAGS.length));
  });
}

/**
 * Answer spans: an ordinary one, one whose start lies beyond the sequence (HF clamps it to S and ignores it, while
 * its end still counts, so the start and end means have different denominators), the no-answer [CLS] span, and a
 * negative start (clamped to 0, which counts).
 */
function spans(seq: number): number[][] {
  return [[2, 4], [seq + 3, 3], [0, 0], [-2, seq - 2]];
}

interface Prepared {
  c: Case;
  spec: ModelSpec;
  tensors: Map<string, Float32Array>;
  weightsFile: string;
  ids: number[][];
  mask: number[][];
  types: number[][];
  labels: number[][];
}

async function prepare(c: Case, scratch: string): Promise<Prepared> {
  const dir = fixtureModel(c.model);
  let spec = readModelSpec(dir);
  if (c.head === 'token-classification') spec = withLabels(spec, TAGS);
  const loaded = loadWeights(Checkpoint.open(dir), spec, c.head, { ignoreMismatchedHead: true });
  // New heads start with zero biases: perturb them so every parameter has a gradient worth comparing.
  const rng = new Rng(13);
  for (const name of loaded.initialised) {
    const w = loaded.tensors.get(name) as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] += rng.normal() * 0.1;
  }
  const weightsFile = path.join(scratch, `${c.model}-${c.head}.safetensors`);
  const out = new Map<string, TensorToWrite>();
  for (const [name, data] of loaded.tensors) out.set(name, { dtype: 'F32', shape: loaded.shapes.get(name) as number[], data });
  writeSafetensors(weightsFile, out);
  const enc = (await loadTokenizer(dir, spec)).encode(SENTENCES);
  const mask = toRows(enc.attentionMask, enc.batch, enc.seq);
  return {
    c, spec, tensors: loaded.tensors, weightsFile, mask,
    ids: toRows(enc.inputIds, enc.batch, enc.seq), types: toRows(enc.tokenTypeIds, enc.batch, enc.seq),
    labels: c.head === 'token-classification' ? tokenLabels(mask) : spans(enc.seq),
  };
}

function feeds(p: Prepared): Record<string, ort.Tensor> {
  const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  const seq = p.ids[0].length;
  return { input_ids: i64(p.ids), attention_mask: i64(p.mask), token_type_ids: i64(p.types), labels: labelFeed(p.c.loss, p.labels, TAGS.length, seq) };
}

interface Reply {
  loss: number;
  start_logits?: number[][];
  end_logits?: number[][];
  grads: Record<string, { shape: number[]; data: number[] }>;
}

function reference(prepared: Prepared[]): Reply[] {
  const requests = prepared.map((p) => {
    const seq = p.ids[0].length;
    // The reference takes the padded [B, S] labels HF's data collator would build.
    const labels = p.c.head === 'token-classification' ? p.labels.map((r) => [...r, ...new Array<number>(seq - r.length).fill(IGNORED_TOKEN)]) : p.labels;
    return {
      model_dir: fixtureModel(p.c.model), weights: p.weightsFile, head: p.c.head, labels,
      config_overrides: p.c.head === 'token-classification' ? { id2label: Object.fromEntries(TAGS.map((t, i) => [String(i), t])) } : {},
      input_ids: p.ids, attention_mask: p.mask, token_type_ids: graphInputNames(p.spec).includes('token_type_ids') ? p.types : null,
    };
  });
  const script = path.join(REPO, 'test', 'reference', 'token_heads_reference.py');
  const r = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify(requests), env: { ...process.env, OMP_NUM_THREADS: '2' }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Reply[];
}

test('token classification and QA: loss and every parameter gradient match PyTorch for every family (rel ≤ 1e-4, float32)', { skip: torchMissing }, async () => {
  const scratch = tempDir('token-heads-parity');
  const prepared: Prepared[] = [];
  for (const c of CASES) prepared.push(await prepare(c, scratch));
  const replies = reference(prepared);
  const report: string[] = [];
  for (const [i, p] of prepared.entries()) {
    const name = `${p.c.model} ${p.c.head}`;
    const ref = replies[i];
    const dir = path.join(scratch, `art-${i}`);
    generateArtifacts(buildForwardModel(p.spec, p.tensors, { head: p.c.head }), { trainable: [...p.tensors.keys()], loss: p.c.loss, optimizer: { kind: 'adamw' } }, dir);
    const session = await TrainingSession.open(dir, { mode: 'separate' });
    const ours = await session.gradients(feeds(p));
    await session.release();
    assert.ok(Number.isFinite(ref.loss) && ref.loss > 0.1, `${name}: torch loss ${ref.loss} would prove little`);
    assert.ok(Math.abs(ours.loss - ref.loss) <= 1e-5 * Math.max(1, Math.abs(ref.loss)), `${name}: loss ${ours.loss} vs torch ${ref.loss}`);
    const global = Math.max(...Object.values(ref.grads).map((r) => Math.max(...r.data.map(Math.abs))));
    let worst = 0;
    let worstName = '';
    for (const [param, g] of ours.grads) {
      const r = ref.grads[param];
      assert.ok(r, `${name}: torch has no gradient for ${param}`);
      const a = g.data as Float32Array;
      assert.equal(a.length, r.data.length, `${name}: ${param} size`);
      const scale = Math.max(...r.data.map(Math.abs));
      if (p.c.head === 'question-answering' && SPAN_BIASES.has(param)) {
        // A bias shared by every position shifts all of a row's start (end) logits alike, and softmax ignores that:
        // its true gradient is exactly zero, so both sides must hold only rounding noise.
        const ourScale = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assert.ok(scale <= 1e-5 * global && ourScale <= 1e-5 * global, `${name}: ${param} gradient should be 0 (torch ${scale}, ours ${ourScale}, largest ${global})`);
        continue;
      }
      const rel = maxAbsDiff(a, r.data) / Math.max(scale, 1e-3 * global);
      if (rel > worst) [worst, worstName] = [rel, param];
      assert.ok(rel <= 1e-4, `${name}: gradient of ${param} off by ${rel.toExponential(2)} (max|torch| ${scale})`);
    }
    assert.equal(ours.grads.size, p.tensors.size, `${name}: every parameter has a gradient`);
    assert.equal(Object.keys(ref.grads).length, p.tensors.size, `${name}: torch has the same parameters`);
    if (p.c.head === 'question-answering') {
      // The export graph's start_logits / end_logits are HF's split of the same logits.
      const split = await ortSession(buildForwardModel(p.spec, p.tensors, { head: p.c.head, splitSpanLogits: true }));
      const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
      const inputs: Record<string, ort.Tensor> = { input_ids: i64(p.ids), attention_mask: i64(p.mask) };
      if (split.inputNames.includes('token_type_ids')) inputs.token_type_ids = i64(p.types);
      const out = await split.run(inputs);
      assert.deepEqual(out[START_LOGITS].dims, [p.ids.length, p.ids[0].length]);
      const ds = maxAbsDiff(out[START_LOGITS].data as Float32Array, ref.start_logits!.flat());
      const de = maxAbsDiff(out[END_LOGITS].data as Float32Array, ref.end_logits!.flat());
      assert.ok(ds < 1e-4 && de < 1e-4, `${name}: start/end logits differ from torch by ${ds}, ${de}`);
    }
    report.push(`${name}: loss ${ours.loss.toFixed(6)} vs ${ref.loss.toFixed(6)}, ${ours.grads.size} gradients, worst rel error ${worst.toExponential(2)} (${worstName})`);
  }
  console.log(report.join('\n'));
});
