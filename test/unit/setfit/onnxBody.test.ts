// SetFit from an ONNX-only body (a feature-extraction export such as Xenova/all-MiniLM-L6-v2: config + tokenizer +
// onnx/model.onnx, no safetensors): the run equals the one from model.safetensors bit for bit, body and head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeOptimumExport } from '../../../scripts/fixtures/optimumExport';
import { SafetensorsFile } from '../../../src/models/safetensors';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { runTraining } from '../../../src/training/run';
import { fixtureModel, fixtureWorkspace, tempDir } from '../models/support';

/** 8 positive + 8 negative training sentences. */
function fewShot(): string {
  const rows = fs.readFileSync(path.join(fixtureWorkspace(), 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  const pick = (label: string) => rows.slice(1).filter((l) => l.endsWith(`,${label}`) && !l.startsWith('"')).slice(0, 8);
  const file = path.join(tempDir('setfit-onnx-data'), 'train.csv');
  fs.writeFileSync(file, [rows[0], ...pick('positive'), ...pick('negative')].join('\n') + '\n');
  return file;
}

async function setfit(model: string, data: string): Promise<string> {
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model, data, strategy: 'setfit', runsRoot: tempDir('setfit-onnx-runs'), device: 'cpu',
    // One thread: both runs must sum in the same order to compare bit for bit.
    settings: { learningRate: 1e-3, batchSize: 16, maxLength: 32, setfitIterations: 3, seed: 7, threads: 1 },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error' || m.type === 'log'))}`);
  return path.join(done.runDir, 'model');
}

const values = (file: string) => {
  const st = SafetensorsFile.open(file);
  return new Map(st.names().map((n) => [n, Buffer.from(st.readFloat32(n).buffer)]));
};

test('SetFit from an ONNX-only feature-extraction body trains exactly as from model.safetensors', async () => {
  const body = writeOptimumExport(fixtureModel('tiny-bert'), tempDir('setfit-onnx-body'), 'feature-extraction');
  assert.ok(!fs.existsSync(path.join(body.dir, 'model.safetensors')));
  const data = fewShot();
  const [fromOnnx, fromSafetensors] = await Promise.all([setfit(body.dir, data), setfit(fixtureModel('tiny-bert'), data)]);
  const bodyFile = (m: string) => path.join(m, 'sentence-transformer', 'model.safetensors');
  const a = values(bodyFile(fromOnnx));
  const b = values(bodyFile(fromSafetensors));
  // A feature-extraction ONNX export has no pooler (its graph ends at last_hidden_state), so only the safetensors run
  // can keep the source's pooler.dense.*; every other tensor is the same.
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].filter((n) => !n.startsWith('pooler.')).sort());
  assert.ok(b.has('pooler.dense.weight') && !a.has('pooler.dense.weight'));
  assert.ok(a.has('encoder.layer.0.attention.self.query.weight'), `body names: ${[...a.keys()].join(', ')}`);
  for (const [name, v] of a) assert.ok(v.equals(b.get(name)!), `body tensor ${name} differs`);
  const base = SafetensorsFile.open(path.join(fixtureModel('tiny-bert'), 'model.safetensors')).readFloat32('bert.encoder.layer.0.attention.self.query.weight');
  assert.ok(!a.get('encoder.layer.0.attention.self.query.weight')!.equals(Buffer.from(base.buffer)), 'the contrastive phase did not train the body');
  const headA = fs.readFileSync(path.join(fromOnnx, 'model_head.json'), 'utf8');
  assert.equal(headA, fs.readFileSync(path.join(fromSafetensors, 'model_head.json'), 'utf8'));
});
