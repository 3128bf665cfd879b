// SetFit on sentence-transformers/all-MiniLM-L6-v2 and all-mpnet-base-v2 (the tutorial's SetFit body) as the Hub has them (modules.json with 1_Pooling and 2_Normalize, a
// bare BertModel with pooler.*): the exported body keeps the source's modules and pooler, and the head is fitted on
// unit-length embeddings as sentence-transformers' encode() gives them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../../src/models/safetensors';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { runTraining } from '../../../src/training/run';
import { fixtureWorkspace, tempDir } from '../models/support';
import type { ZooRepoId } from '../../../scripts/fixtures/hubZoo';
import { zooRepo } from './support';

function fewShot(): string {
  const rows = fs.readFileSync(path.join(fixtureWorkspace(), 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  const pick = (label: string) => rows.slice(1).filter((l) => l.endsWith(`,${label}`) && !l.startsWith('"')).slice(0, 4);
  const file = path.join(tempDir('zoo-setfit-data'), 'train.csv');
  fs.writeFileSync(file, [rows[0], ...pick('positive'), ...pick('negative')].join('\n') + '\n');
  return file;
}

/** The sentence-transformers bodies SetFit starts from, and an encoder weight that must move. */
const BODIES: { id: ZooRepoId; query: string }[] = [
  { id: 'sentence-transformers/all-MiniLM-L6-v2', query: 'encoder.layer.0.attention.self.query.weight' },
  { id: 'sentence-transformers/all-mpnet-base-v2', query: 'encoder.layer.0.attention.attn.q.weight' },
];

for (const { id, query } of BODIES) {
test(`${id}: SetFit export keeps 2_Normalize and the pooler; the head sees unit vectors`, async () => {
  const src = zooRepo(id);
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model: src, data: fewShot(), strategy: 'setfit', runsRoot: tempDir('zoo-setfit-runs'), device: 'cpu',
    settings: { learningRate: 1e-4, batchSize: 8, maxLength: 32, setfitIterations: 1, seed: 7, threads: 2 },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', JSON.stringify(messages.filter((m) => m.type === 'error')));
  const st = path.join(done.runDir, 'model', 'sentence-transformer');

  const modules = JSON.parse(fs.readFileSync(path.join(st, 'modules.json'), 'utf8')) as { path: string; type: string }[];
  assert.deepEqual(modules.map((m) => m.type), JSON.parse(fs.readFileSync(path.join(src, 'modules.json'), 'utf8')).map((m: { type: string }) => m.type));
  assert.ok(modules.some((m) => m.type === 'sentence_transformers.models.Normalize'));
  assert.ok(fs.statSync(path.join(st, '2_Normalize')).isDirectory());

  const body = SafetensorsFile.open(path.join(st, 'model.safetensors'));
  const source = SafetensorsFile.open(path.join(src, 'model.safetensors'));
  for (const n of ['pooler.dense.weight', 'pooler.dense.bias']) {
    assert.ok(body.names().includes(n), `${n} in the exported body`);
    assert.deepEqual(body.entry(n).shape, source.entry(n).shape);
    assert.ok(Buffer.from(body.readFloat32(n).buffer).equals(Buffer.from(source.readFloat32(n).buffer)), `${n} unchanged`);
  }
  // The body trained: an encoder weight moved.
  const q = query;
  assert.ok(!Buffer.from(body.readFloat32(q).buffer).equals(Buffer.from(source.readFloat32(q).buffer)), 'the body was fine-tuned');

  const setfitConfig = JSON.parse(fs.readFileSync(path.join(st, 'config_setfit.json'), 'utf8')) as { normalize_embeddings: boolean };
  assert.equal(setfitConfig.normalize_embeddings, true, 'head inputs are normalised, as 2_Normalize makes them');
  const logs = messages.filter((m) => m.type === 'log').map((m) => (m as { message: string }).message);
  assert.ok(logs.some((l) => /modules\.json ends in Normalize/.test(l)), logs.join('\n'));
});
}
