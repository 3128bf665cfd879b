// The zero-shot model setting → a loadable local folder: workspace folders, the HF cache, and a first-use download
// from a loopback Hub (test/support/hubServer) of only the files inference reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HubClient } from '../../../src/hub/hubClient';
import type { DownloadProgress } from '../../../src/hub/snapshotDownload';
import { loadClassifier } from '../../../src/inference/classifier';
import { inferenceFilesOf, locateInferenceModel } from '../../../src/inference/modelLocation';
import { filesFromFolder, HubTestServer } from '../../support/hubServer';
import { fixtureModel, tempDir } from '../models/support';

const NLI = fixtureModel('tiny-nli-bert');
let server: HubTestServer;

before(async () => {
  const nli = filesFromFolder(NLI);
  server = await HubTestServer.start([
    { id: 'test-org/tiny-nli', files: { ...nli, 'pytorch_model.bin': Buffer.from('pickle'), 'onnx/model_fp16.onnx': Buffer.alloc(64) } },
    { id: 'test-org/no-onnx', files: { 'config.json': nli['config.json'], 'tokenizer.json': nli['tokenizer.json'], 'model.safetensors': nli['model.safetensors'] } },
  ]);
});
after(() => server.close());

function hub(cacheDir: string, offline = false): () => HubClient {
  return () => new HubClient({ endpoint: server.url, cacheDir, offline });
}

test('folders: absolute, or relative to a workspace folder; missing ones are named', async () => {
  const noHub = () => assert.fail('a folder setting must not build a Hub client');
  assert.deepEqual(await locateInferenceModel(NLI, 'zero-shot', { workspaceFolders: [], hub: noHub }), { folder: NLI, origin: 'folder' });
  const ws = path.dirname(path.dirname(NLI));
  const rel = await locateInferenceModel('models/tiny-nli-bert', 'zero-shot', { workspaceFolders: ['/nonexistent-ws', ws], hub: noHub });
  assert.deepEqual(rel, { folder: NLI, origin: 'folder' });
  await assert.rejects(locateInferenceModel('/no/such/model', 'zero-shot', { workspaceFolders: [], hub: noHub }), /Model folder \/no\/such\/model does not exist/);
  await assert.rejects(locateInferenceModel('models/../x y', 'zero-shot', { workspaceFolders: [ws], hub: noHub }), /is neither a model folder \(tried .*x y\) nor a Hugging Face repo id/);
  await assert.rejects(locateInferenceModel('  ', 'zero-shot', { workspaceFolders: [ws], hub: noHub }), /No model is set/);
});

test('a Hub id is downloaded once (only the inference files, with progress), then found in the cache', async () => {
  const cacheDir = tempDir('inference-cache');
  const progress: DownloadProgress[] = [];
  const first = await locateInferenceModel('test-org/tiny-nli', 'zero-shot', { workspaceFolders: [], hub: hub(cacheDir), onProgress: (p) => progress.push(p) });
  assert.equal(first.origin, 'download');
  assert.equal(first.repoId, 'test-org/tiny-nli');
  assert.ok(first.folder.startsWith(path.join(cacheDir, 'models--test-org--tiny-nli', 'snapshots')));
  const got = fs.readdirSync(first.folder, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory())
    .map((e) => path.relative(first.folder, path.join(e.parentPath, e.name))).sort();
  // The repo's quantized export when it has one (newer fixtures do), else the fp32 graph; never both, never fp16.
  const onnx = fs.existsSync(path.join(NLI, 'onnx', 'model_quantized.onnx')) ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx';
  assert.deepEqual(got, ['config.json', onnx, 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
  const last = progress.at(-1);
  assert.ok(last && last.filesDone === last.filesTotal && last.doneBytes === last.totalBytes && last.filesTotal === 5, JSON.stringify(last));

  const zs = await loadClassifier({ folder: first.folder, task: 'zero-shot' });
  const [r] = await zs.classify(['It rained all day.'], { labels: ['weather', 'sports'], hypothesisTemplate: 'This is about {}.', multiLabel: false });
  await zs.dispose();
  assert.equal(r.scores.length, 2);

  const requests = server.requests.length;
  const again = await locateInferenceModel('test-org/tiny-nli', 'zero-shot', { workspaceFolders: [], hub: hub(cacheDir) });
  assert.deepEqual(again, { ...first, origin: 'cache' });
  assert.equal(server.requests.length, requests, 'a cached model needs no Hub request');
  const offline = await locateInferenceModel('test-org/tiny-nli', 'zero-shot', { workspaceFolders: [], hub: hub(cacheDir, true) });
  assert.equal(offline.folder, first.folder);
});

test('offline with an empty cache, and repos without ONNX, fail with what to do', async () => {
  await assert.rejects(
    locateInferenceModel('test-org/tiny-nli', 'zero-shot', { workspaceFolders: [], hub: hub(tempDir('inference-empty-cache'), true) }),
    /Offline mode is on and test-org\/tiny-nli@main is not in the cache/,
  );
  await assert.rejects(
    locateInferenceModel('test-org/no-onnx', 'zero-shot', { workspaceFolders: [], hub: hub(tempDir('inference-cache2')) }),
    /test-org\/no-onnx has no onnx\/model\.onnx or onnx\/model_quantized\.onnx/,
  );
});

test('inference file choice: the quantized export when there is one, plus external data', () => {
  const repo = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_fp16.onnx', 'model.safetensors', 'pytorch_model.bin'];
  assert.deepEqual(inferenceFilesOf('a/b', repo), ['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json']);
  assert.deepEqual(inferenceFilesOf('a/b', ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model.onnx_data']), ['config.json', 'onnx/model.onnx', 'onnx/model.onnx_data', 'tokenizer.json']);
  assert.throws(() => inferenceFilesOf('a/b', ['config.json', 'onnx/model.onnx']), /a\/b has no tokenizer\.json/);
});
