// The layer-wise strategies on the families whose parameter names differ from BERT's (DeBERTa's shared relative-position
// table, ...): gradual unfreezing must open the top layer first and keep what sits below layer 0 frozen, layer-wise
// learning rates must order the updates embeddings < layer 0 < layer 1 < head. Run through the real trainer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelSpec } from '../../../src/models/modelSpec';
import { SafetensorsFile } from '../../../src/models/safetensors';
import { roleOf } from '../../../src/training/parameterGroups';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics } from '../../../src/training/runStore';
import type { StrategyId } from '../../../src/training/strategies';
import { runTraining } from '../../../src/training/run';
import { loadTransformers } from '../../../src/models/tokenizer';
import { fixtureModel } from '../models/support';

/** Fixture model → its encoder prefix and the names that sit below layer 0 besides the word embeddings. */
const FAMILIES: { model: string; below: string[]; architecture: string }[] = [
  { model: 'tiny-deberta', below: ['deberta.encoder.rel_embeddings.weight', 'deberta.encoder.LayerNorm.weight'], architecture: 'DebertaV2ForSequenceClassification' },
  { model: 'tiny-mpnet', below: ['mpnet.encoder.relative_attention_bias.weight'], architecture: 'MPNetForSequenceClassification' },
  { model: 'tiny-modernbert', below: ['model.embeddings.norm.weight'], architecture: 'ModernBertForSequenceClassification' },
];

const topLayer = (model: string) => readModelSpec(fixtureModel(model)).numLayers - 1;

function smallDataset(): string {
  const lines = fs.readFileSync(path.join(path.dirname(path.dirname(fixtureModel('tiny-bert'))), 'data', 'sentiment_train.csv'), 'utf8').trim().split('\n');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'family-data-')), 'small.csv');
  fs.writeFileSync(file, [lines[0], ...lines.slice(1, 41)].join('\n') + '\n');
  return file;
}

async function train(model: string, strategy: StrategyId, settings: Record<string, unknown>): Promise<string> {
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model, data: smallDataset(), strategy, runsRoot: fs.mkdtempSync(path.join(os.tmpdir(), 'family-runs-')), device: 'cpu',
    settings: { batchSize: 8, maxLength: 32, learningRate: 1e-3, seed: 5, ...settings },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `${model}: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return done.runDir;
}

const tensors = (file: string) => {
  const st = SafetensorsFile.open(file);
  return new Map(st.names().map((n) => [n, st.readFloat32(n)]));
};

function meanAbsDelta(before: Map<string, Float32Array>, after: Map<string, Float32Array>, keep: (name: string) => boolean): number {
  let sum = 0;
  let n = 0;
  for (const [name, v] of after) {
    const b = before.get(name);
    if (!b || !keep(name) || !name.endsWith('weight') || /LayerNorm/.test(name)) continue;
    for (let i = 0; i < v.length; i++) sum += Math.abs(v[i] - b[i]);
    n += v.length;
  }
  return sum / n;
}

for (const f of FAMILIES) {
  test(`${f.model}: the relative-position table and other shared tensors are embeddings, layers by index, pooler/classifier the head`, () => {
    const names = [...tensors(path.join(fixtureModel(f.model), 'model.safetensors')).keys()];
    for (const n of f.below) assert.deepEqual(roleOf(n), { kind: 'embeddings' }, n);
    const layers = new Set(names.map(roleOf).filter((r) => r.kind === 'layer').map((r) => (r as { index: number }).index));
    assert.deepEqual([...layers].sort(), Array.from({ length: topLayer(f.model) + 1 }, (_, i) => i));
    assert.ok(names.filter((n) => roleOf(n).kind === 'head').every((n) => /^(classifier|pooler|head)\./.test(n)), 'only the task head is "head"');
  });

  test(`${f.model}: gradual unfreezing trains the head, then the top layer; lower layers and the embeddings stay bit-identical`, async () => {
    const dir = fixtureModel(f.model);
    const runDir = await train(dir, 'gradual-unfreezing', { epochs: 2 });
    const before = tensors(path.join(dir, 'model.safetensors'));
    const after = tensors(path.join(runDir, 'model', 'model.safetensors'));
    const same = (n: string) => Buffer.compare(Buffer.from(before.get(n)!.buffer), Buffer.from(after.get(n)!.buffer)) === 0;
    const top = topLayer(f.model);
    const role = (n: string) => roleOf(n);
    for (const n of after.keys()) {
      const r = role(n);
      if (r.kind === 'embeddings' || (r.kind === 'layer' && r.index < top)) assert.ok(same(n), `${n} must stay frozen`);
      if (r.kind === 'layer' && r.index === top && n.endsWith('.weight')) assert.ok(!same(n), `${n} must train in epoch 1`);
    }
    const logs = readMetrics(runDir).filter((m) => m.type === 'log').map((m) => String(m.message));
    // Epoch 0: the head and what sits between it and the top layer (a pooler, ModernBERT's final_norm).
    const headCount = [...after.keys()].filter((n) => ['head', 'pooler'].includes(roleOf(n).kind)).length;
    assert.ok(logs.some((l) => l.includes(`epoch 0: training ${headCount} of`)), logs.join('\n'));
  });

  test(`${f.model}: layer-wise learning rates move the embeddings least, then layer 0, the top layer, the head most`, async () => {
    const dir = fixtureModel(f.model);
    const runDir = await train(dir, 'discriminative-lr', { epochs: 1, layerDecay: 0.3, dropout: false, weightDecay: 0 });
    const before = tensors(path.join(dir, 'model.safetensors'));
    const after = tensors(path.join(runDir, 'model', 'model.safetensors'));
    const emb = meanAbsDelta(before, after, (n) => roleOf(n).kind === 'embeddings');
    const low = meanAbsDelta(before, after, (n) => { const r = roleOf(n); return r.kind === 'layer' && r.index === 0; });
    const top = topLayer(f.model);
    const high = meanAbsDelta(before, after, (n) => { const r = roleOf(n); return r.kind === 'layer' && r.index === top; });
    const head = meanAbsDelta(before, after, (n) => roleOf(n).kind === 'head' || roleOf(n).kind === 'pooler');
    assert.ok(emb < low && low < high && high < head, `emb ${emb} layer0 ${low} layer1 ${high} head ${head}`);
  });
}

const TEXTS = ['Great phone.', 'The battery died after two days and the support line never answered my calls, so I returned it.', 'Not bad at all.'];

for (const f of FAMILIES) {
  test(`${f.model}: a full fine-tune exports ${f.architecture}; transformers.js classifies with it, batched as one by one`, async () => {
    const runDir = await train(fixtureModel(f.model), 'full', { epochs: 1 });
    const model = path.join(runDir, 'model');
    const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8')) as { architectures: string[]; id2label: Record<string, string> };
    assert.deepEqual(config.architectures, [f.architecture]);
    const { pipeline } = await loadTransformers();
    const classify = await pipeline('text-classification', model, { local_files_only: true, dtype: 'fp32' });
    try {
      const batched = (await classify(TEXTS)) as { label: string; score: number }[];
      for (const [i, t] of TEXTS.entries()) {
        const [alone] = (await classify(t)) as { label: string; score: number }[];
        assert.equal(batched[i].label, alone.label, t);
        assert.ok(Math.abs(batched[i].score - alone.score) < 1e-4, `${t}: ${batched[i].score} vs ${alone.score} (padding must be masked)`);
        assert.ok(Object.values(config.id2label).includes(alone.label));
      }
    } finally {
      await classify.dispose();
    }
  });
}
