// What the base-model picker and the Models view call a model folder (src/models/modelFolderName.ts): every run's
// export is a folder named "model", so two exports must be told apart by their run and base model, not by "model".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectModelFolder } from '../../../src/models/modelFolder';
import { cacheRepoId, modelFolderDescription, modelFolderName } from '../../../src/models/modelFolderName';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fts-name-'));

function writeExport(runsRoot: string, id: string, baseModel: string, strategy: string): string {
  const runDir = path.join(runsRoot, id);
  const model = path.join(runDir, 'model');
  fs.mkdirSync(model, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ id, config: { model: baseModel, strategy }, model: { path: baseModel, modelType: 'bert' } }));
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertForSequenceClassification'] }));
  return model;
}

test('two run exports get distinct labels: their run ids, with the base model and strategy in the description', () => {
  const root = path.join(tmp(), '.finetune', 'runs');
  const a = inspectModelFolder(writeExport(root, '20261203-100000-tiny-bert-full', '/ws/models/tiny-bert', 'full'));
  const b = inspectModelFolder(writeExport(root, '20261203-110000-tiny-bert-partial', '/ws/models/tiny-bert', 'partial'));
  assert.ok(a && b);
  assert.equal(a.label, '20261203-100000-tiny-bert-full');
  assert.equal(b.label, '20261203-110000-tiny-bert-partial');
  assert.notEqual(a.label, 'model');
  assert.deepEqual(a.fromRun, { runId: '20261203-100000-tiny-bert-full', baseModel: 'tiny-bert', strategy: 'full' });
  assert.equal(modelFolderDescription(a), 'bert · fine-tuned from tiny-bert (full)');
  assert.equal(modelFolderDescription(b), 'bert · fine-tuned from tiny-bert (partial)');
});

test('a Hub base model is named by its repo id; a folder named "model" without a run.json beside it keeps its name', () => {
  const root = tmp();
  const m = writeExport(root, 'r1', '/cache/x', 'full');
  fs.writeFileSync(path.join(root, 'r1', 'run.json'), JSON.stringify({ id: 'r1', config: { model: '/cache/x', strategy: 'full' }, model: { hubId: 'google-bert/bert-base-uncased' } }));
  assert.equal(modelFolderName(m).fromRun?.baseModel, 'bert-base-uncased');
  const plain = path.join(root, 'elsewhere', 'model');
  fs.mkdirSync(plain, { recursive: true });
  assert.deepEqual(modelFolderName(plain), { label: 'model' });
  assert.deepEqual(modelFolderName('/ws/models/tiny-bert'), { label: 'tiny-bert' });
});

test('a Hugging Face cache snapshot (a commit hash folder) is named by its repo id', () => {
  const dir = '/home/u/.cache/huggingface/hub/models--sentence-transformers--all-MiniLM-L6-v2/snapshots/c9745ed1d9f207416be6d2e6f8de32d1f16199bf';
  assert.equal(cacheRepoId(dir), 'sentence-transformers/all-MiniLM-L6-v2');
  assert.equal(modelFolderName(dir).label, 'sentence-transformers/all-MiniLM-L6-v2');
  assert.equal(cacheRepoId('/home/u/.cache/huggingface/hub/models--bert-base-uncased/snapshots/abc'), 'bert-base-uncased');
  assert.equal(cacheRepoId('/ws/models/snapshots/abc'), undefined);
});
