// The tests every Hub layout gets, as a user would use the repo: load it (config → spec, tokenizer, weights), train
// 2 steps through the real trainer with feature extraction and with full fine-tuning, check the export against HF's
// *ForSequenceClassification state_dict (hfParameters.ts) and the source checkpoint, then classify a batch of texts of
// different lengths with transformers.js on the export — batched scores must equal one-at-a-time scores, which only
// holds when the exported tokenizer pads with the right token and the model masks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ZooRepoId } from '../../../scripts/fixtures/hubZoo';
import { readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { SafetensorsFile } from '../../../src/models/safetensors';
import { loadTokenizer, loadTransformers } from '../../../src/models/tokenizer';
import { loadWeights } from '../../../src/models/weights';
import { openWeightSource } from '../../../src/models/weightSource';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import type { StrategyId } from '../../../src/training/strategies';
import { runTraining } from '../../../src/training/run';
import { fixtureWorkspace, tempDir } from '../models/support';
import type { Tensors } from './hfParameters';
import { zooRepo } from './support';

export const LABELS = ['negative', 'positive'];

export interface ZooCase {
  id: ZooRepoId;
  /** HF's *ForSequenceClassification state_dict (names → shapes) for this repo's config and 2 labels. */
  expected: Tensors;
  /** Parameters the checkpoint lacks, which loading must initialise: the new task head. */
  initialised: string[];
  /** The task head feature extraction trains; default `initialised` (a fine-tuned repo brings its head along). */
  head?: string[];
  /** Checkpoint tensors the sequence classifier does not use: pre-training heads, buffers. */
  unused: string[];
  /** Token ids the tokenizer must produce: first and last special token of a single text, and padding. */
  ids: { first: number; last: number; pad: number };
  /** Exported name → the source checkpoint's own tensor name, compared bit for bit after feature extraction. */
  sameAsSource?: [exported: string, source: string][];
}

/** Texts of very different lengths, so a batch needs padding. */
export const TEXTS = [
  'Great phone.',
  'The battery died after two days and the support line never answered my calls, so I returned it.',
  'Not bad at all, I would buy it again.',
];

let data: string | undefined;
/** 12 labelled sentences of the fixture data (the trainer splits off validation rows itself). */
function smallDataset(): string {
  if (data) return data;
  const lines = fs.readFileSync(path.join(fixtureWorkspace(), 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  data = path.join(tempDir('zoo-data'), 'small.csv');
  fs.writeFileSync(data, [lines[0], ...lines.slice(1, 13)].join('\n') + '\n');
  return data;
}

async function train(model: string, strategy: StrategyId): Promise<string> {
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model, data: smallDataset(), strategy, runsRoot: tempDir('zoo-runs'), device: 'cpu',
    settings: { batchSize: 4, maxLength: 32, learningRate: 1e-3, maxSteps: 2, seed: 3, threads: 2 },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `${model}: no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return done.runDir;
}

const sorted = (m: Tensors) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

function exportedTensors(runDir: string): { shapes: Tensors; values: Map<string, Float32Array> } {
  const st = SafetensorsFile.open(path.join(runDir, 'model', 'model.safetensors'));
  return { shapes: new Map(st.names().map((n) => [n, st.entry(n).shape])), values: new Map(st.names().map((n) => [n, st.readFloat32(n)])) };
}

type Prediction = { label: string; score: number };

/** transformers.js text-classification on the export: the batch at once and each text alone, top label of each. */
async function classifyWithTransformersJs(modelDir: string): Promise<{ batched: Prediction[]; alone: Prediction[] }> {
  const { pipeline } = await loadTransformers();
  const classify = await pipeline('text-classification', modelDir, { local_files_only: true, dtype: 'fp32' });
  try {
    const batched = (await classify(TEXTS)) as Prediction[];
    const alone: Prediction[] = [];
    for (const t of TEXTS) alone.push(((await classify(t)) as Prediction[])[0]);
    return { batched, alone };
  } finally {
    await classify.dispose();
  }
}

export function zooTests(c: ZooCase): void {
  const dir = () => zooRepo(c.id);

  test(`${c.id}: loads as a user's download — config → spec, tokenizer with the real special ids, weights (head initialised, pre-training head unused)`, async () => {
    const spec = withLabels(readModelSpec(dir()), LABELS);
    const tok = await loadTokenizer(dir(), spec);
    assert.equal(tok.padTokenId, c.ids.pad, 'pad token id');
    const enc = tok.encode(TEXTS);
    for (let b = 0; b < enc.batch; b++) {
      const row = Array.from(enc.inputIds.subarray(b * enc.seq, (b + 1) * enc.seq), Number);
      const real = Array.from(enc.attentionMask.subarray(b * enc.seq, (b + 1) * enc.seq), Number).reduce((s, v) => s + v, 0);
      assert.equal(row[0], c.ids.first, `row ${b} starts with ${row[0]}`);
      assert.equal(row[real - 1], c.ids.last, `row ${b} ends with ${row[real - 1]}`);
      assert.ok(row.slice(real).every((id) => id === c.ids.pad), `row ${b} padding: ${row.slice(real)}`);
      assert.ok(real > 3, 'the text became tokens');
    }
    const loaded = loadWeights(openWeightSource(dir()), spec, 'sequence-classification');
    assert.deepEqual([...loaded.initialised].sort(), [...c.initialised].sort(), 'initialised head');
    assert.deepEqual([...loaded.unused].sort(), [...c.unused].sort(), 'unused checkpoint tensors');
    assert.deepEqual(sorted(loaded.shapes), sorted(c.expected));
  });

  for (const strategy of ['feature-extraction', 'full'] as const) {
    test(`${c.id}: ${strategy}, 2 steps through the trainer; export = HF's *ForSequenceClassification names/shapes; transformers.js classifies a batch`, async () => {
      const runDir = await train(dir(), strategy);
      const out = exportedTensors(runDir);
      assert.deepEqual(sorted(out.shapes), sorted(c.expected), 'exported names and shapes');

      const spec = withLabels(readModelSpec(dir()), LABELS);
      const before = loadWeights(openWeightSource(dir()), spec, 'sequence-classification').tensors;
      const head = new Set(c.head ?? c.initialised);
      const changed = [...out.values].filter(([n, v]) => !same(v, before.get(n) as Float32Array)).map(([n]) => n);
      if (strategy === 'feature-extraction') {
        // Only the new head trains; the encoder is the checkpoint's, bit for bit (whatever its names were).
        assert.ok(changed.every((n) => head.has(n)), `changed outside the head: ${changed.filter((n) => !head.has(n))}`);
        const src = fs.existsSync(path.join(dir(), 'model.safetensors')) ? SafetensorsFile.open(path.join(dir(), 'model.safetensors')) : undefined;
        for (const [exported, source] of c.sameAsSource ?? []) {
          assert.ok(src, 'sameAsSource needs a model.safetensors');
          assert.ok(same(out.values.get(exported) as Float32Array, src.readFloat32(source)), `${exported} ≠ source ${source}`);
        }
      } else {
        const encoder = changed.filter((n) => !head.has(n));
        assert.ok(encoder.length > out.values.size / 2, `full fine-tuning changed only ${encoder.length} of ${out.values.size} tensors`);
      }

      const { batched, alone } = await classifyWithTransformersJs(path.join(runDir, 'model'));
      assert.equal(batched.length, TEXTS.length);
      for (const [i, p] of batched.entries()) {
        assert.ok(LABELS.includes(p.label), `label ${p.label}`);
        assert.equal(p.label, alone[i].label, `text ${i}: batched label ${p.label}, alone ${alone[i].label}`);
        assert.ok(Math.abs(p.score - alone[i].score) < 1e-4, `text ${i}: batched score ${p.score} vs alone ${alone[i].score} (padding leaks into the result)`);
      }
    });
  }
}
