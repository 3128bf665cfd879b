import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findCachedSnapshot, scanHubCache } from '../../../src/hub/cacheScan';
import { HubClient } from '../../../src/hub/hubClient';
import { HubError } from '../../../src/hub/hubErrors';
import { downloadSnapshot } from '../../../src/hub/snapshotDownload';
import { HubTestServer } from '../../support/hubServer';

const C1 = 'a'.repeat(40);
const C2 = 'b'.repeat(40);
let cacheDir: string;

/** Writes a blob and links it from snapshots/<commit>/<file>, as Python's huggingface_hub does. */
function put(repoDir: string, commit: string, file: string, blob: string, bytes: number): void {
  const blobPath = path.join(repoDir, 'blobs', blob);
  fs.mkdirSync(path.dirname(blobPath), { recursive: true });
  if (!fs.existsSync(blobPath)) fs.writeFileSync(blobPath, Buffer.alloc(bytes, 1));
  const pointer = path.join(repoDir, 'snapshots', commit, ...file.split('/'));
  fs.mkdirSync(path.dirname(pointer), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(pointer), blobPath), pointer);
}

before(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-scan-'));
  const bert = path.join(cacheDir, 'models--google-bert--bert-base-uncased');
  put(bert, C1, 'config.json', 'c1config', 100);
  put(bert, C1, 'model.safetensors', 'w'.repeat(64), 5000);
  put(bert, C1, 'onnx/model.onnx', 'o'.repeat(64), 700);
  put(bert, C2, 'config.json', 'c2config', 120);
  put(bert, C2, 'model.safetensors', 'w'.repeat(64), 5000); // shared blob: counted once in the repo size
  fs.mkdirSync(path.join(bert, 'refs', 'pr'), { recursive: true });
  fs.writeFileSync(path.join(bert, 'refs', 'main'), C1);
  fs.writeFileSync(path.join(bert, 'refs', 'pr', '1'), `${C2}\n`);
  fs.writeFileSync(path.join(bert, 'blobs', `${'x'.repeat(64)}.incomplete`), Buffer.alloc(333));

  const gpt2 = path.join(cacheDir, 'models--gpt2'); // downloaded by commit only: no refs/
  put(gpt2, C1, 'config.json', 'g', 10);
  fs.symlinkSync('../../blobs/missing', path.join(gpt2, 'snapshots', C1, 'tokenizer.json')); // blob deleted by hand

  fs.mkdirSync(path.join(cacheDir, 'models--broken--repo')); // no snapshots/
  put(path.join(cacheDir, 'datasets--squad'), C1, 'train.json', 'd', 10);
  fs.mkdirSync(path.join(cacheDir, '.locks', 'models--gpt2'), { recursive: true });
  fs.writeFileSync(path.join(cacheDir, 'version.txt'), '1');
});
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

test('scans models written by Python: revisions, nested files, nested refs, sizes, partial downloads', async () => {
  const scan = await scanHubCache(cacheDir);
  assert.deepEqual(scan.repos.map((r) => r.repoId), ['google-bert/bert-base-uncased', 'gpt2']);
  const bert = scan.repos[0];
  assert.equal(bert.sizeBytes, 100 + 5000 + 700 + 120);
  assert.equal(bert.incompleteBytes, 333);
  assert.deepEqual(bert.revisions.map((r) => [r.commit, r.refs, r.files, r.sizeBytes]), [
    [C1, ['main'], ['config.json', 'model.safetensors', 'onnx/model.onnx'], 5800],
    [C2, ['pr/1'], ['config.json', 'model.safetensors'], 5120],
  ]);
  const gpt2 = scan.repos[1];
  assert.deepEqual(gpt2.revisions[0].refs, []);
  assert.equal(gpt2.sizeBytes, 10, 'a dangling link adds nothing');
  assert.equal(scan.warnings.length, 1);
  assert.match(scan.warnings[0], /models--broken--repo has no snapshots\/ folder/);
  const withDatasets = await scanHubCache(cacheDir, { types: ['model', 'dataset'] });
  assert.ok(withDatasets.repos.some((r) => r.type === 'dataset' && r.repoId === 'squad'));
});

test('a missing cache folder is an empty cache', async () => {
  const scan = await scanHubCache(path.join(cacheDir, 'nope'));
  assert.deepEqual(scan.repos, []);
});

test('finds a snapshot by branch, nested ref or commit without network', async () => {
  const repoDir = path.join(cacheDir, 'models--google-bert--bert-base-uncased');
  assert.deepEqual(await findCachedSnapshot(cacheDir, 'google-bert/bert-base-uncased'), { commit: C1, snapshotDir: path.join(repoDir, 'snapshots', C1) });
  assert.equal((await findCachedSnapshot(cacheDir, 'google-bert/bert-base-uncased', 'pr/1'))?.commit, C2);
  assert.equal((await findCachedSnapshot(cacheDir, 'google-bert/bert-base-uncased', C2))?.commit, C2);
  assert.equal(await findCachedSnapshot(cacheDir, 'google-bert/bert-base-uncased', 'v2'), null);
  assert.equal(await findCachedSnapshot(cacheDir, 'nobody/nothing'), null);
});

let server: HubTestServer;
before(async () => {
  server = await HubTestServer.start([{ id: 'google-bert/bert-base-uncased', files: { 'config.json': '{}' } }]);
});
after(async () => server.close());

test('offline mode never touches the network and lists what is cached', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir, offline: true });
  const search = await client.search({ query: 'bert' }).catch((e: unknown) => e);
  assert.ok(search instanceof HubError);
  assert.equal(search.kind, 'offline');
  assert.equal(search.message, `Offline mode is on ("finetuneStudio.hub.offline"): the Hub is not contacted. Already downloaded in ${cacheDir}: google-bert/bert-base-uncased, gpt2.`);
  await assert.rejects(client.modelCard('gpt2'), (e: unknown) => e instanceof HubError && e.kind === 'offline');

  const cached = await downloadSnapshot(client, 'google-bert/bert-base-uncased');
  assert.equal(cached.commit, C1);
  assert.deepEqual(cached.files, ['config.json', 'model.safetensors', 'onnx/model.onnx']);
  assert.equal(cached.receivedBytes, 0);

  const missing = await downloadSnapshot(client, 'acme/not-cached').catch((e: unknown) => e);
  assert.ok(missing instanceof HubError);
  assert.equal(missing.kind, 'offline');
  assert.match(missing.message, /Offline mode is on and acme\/not-cached@main is not in the cache\. Already downloaded in .*: google-bert\/bert-base-uncased, gpt2\./);
  const partial = await downloadSnapshot(client, 'google-bert/bert-base-uncased', { files: ['config.json', 'tokenizer.json'] }).catch((e: unknown) => e);
  assert.ok(partial instanceof HubError);
  assert.match(partial.message, /files tokenizer\.json of google-bert\/bert-base-uncased@main are not in the cache/);
  assert.deepEqual(server.requests, []);
});
