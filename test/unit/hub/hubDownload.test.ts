import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { filesFromFolder, HubTestServer } from '../../support/hubServer';
import { inspectModelFolder } from '../../../src/models/modelFolder';
import { HubClient } from '../../../src/hub/hubClient';
import { downloadSnapshot, DownloadProgress } from '../../../src/hub/snapshotDownload';
import { HubError } from '../../../src/hub/hubErrors';

const weights = randomBytes(300_000);
const config = JSON.stringify({ model_type: 'bert', hidden_size: 8 });
const tiny = {
  'config.json': config,
  'model.safetensors': weights,
  'tokenizer.json': '{"version":"1.0"}',
  'vocab.txt': '[PAD]\n[UNK]\nhello\n',
  'pytorch_model.bin': randomBytes(2000),
  'tf_model.h5': randomBytes(2000),
  'onnx/model.onnx': randomBytes(20_000),
  'onnx/model_quantized.onnx': randomBytes(5_000),
  'README.md': '---\nlicense: mit\n---\n# Tiny\n',
};

let server: HubTestServer;
const tmpDirs: string[] = [];
function tempCache(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-cache-'));
  tmpDirs.push(d);
  return d;
}
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer | string) => {
  const buf = Buffer.from(b);
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
};

before(async () => {
  server = await HubTestServer.start([
    { id: 'tiny-org/tiny-bert', files: tiny, revisions: { 'v1.0': { ...tiny, 'config.json': JSON.stringify({ model_type: 'bert', hidden_size: 4 }) } } },
    { id: 'tiny-org/resume', files: { 'config.json': config, 'model.safetensors': weights } },
    { id: 'tiny-org/corrupt', files: { 'config.json': config, 'model.safetensors': weights } },
    { id: 'tiny-org/pickle-only', files: { 'config.json': config, 'vocab.txt': 'a\n', 'pytorch_model.bin': randomBytes(100) } },
    { id: 'tiny-org/onnx-only', files: { 'config.json': config, 'tokenizer.json': '{}', 'onnx/model.onnx': randomBytes(3000), 'onnx/model_quantized.onnx': randomBytes(1000) } },
  ]);
});
after(async () => {
  await server.close();
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

test('downloads the fine-tuning files into blobs/snapshots/refs with relative symlinks, never pickles', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const progress: DownloadProgress[] = [];
  const result = await downloadSnapshot(client, 'tiny-org/tiny-bert', { onProgress: (p) => progress.push(p) });

  const commit = server.commitOf('tiny-org/tiny-bert');
  const repoDir = path.join(cacheDir, 'models--tiny-org--tiny-bert');
  assert.equal(result.commit, commit);
  assert.equal(result.snapshotDir, path.join(repoDir, 'snapshots', commit));
  assert.deepEqual(result.files, ['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'vocab.txt']);
  assert.equal(fs.readFileSync(path.join(repoDir, 'refs', 'main'), 'utf8'), commit);

  // LFS blob named by sha256 of the content, regular files by git blob sha1, like huggingface_hub.
  const blobs = fs.readdirSync(path.join(repoDir, 'blobs')).sort();
  const expectedBlobs = [sha256(weights), gitSha1(config), gitSha1(tiny['tokenizer.json']), gitSha1(tiny['vocab.txt']), gitSha1(tiny['README.md'])].sort();
  assert.deepEqual(blobs, expectedBlobs);
  const link = fs.readlinkSync(path.join(result.snapshotDir, 'model.safetensors'));
  assert.equal(link, path.join('..', '..', 'blobs', sha256(weights)));
  assert.deepEqual(fs.readFileSync(path.join(result.snapshotDir, 'model.safetensors')), weights);
  assert.equal(fs.readFileSync(path.join(result.snapshotDir, 'config.json'), 'utf8'), config);
  assert.equal(fs.existsSync(path.join(result.snapshotDir, 'pytorch_model.bin')), false);
  assert.equal(fs.existsSync(path.join(result.snapshotDir, 'onnx')), false);

  const total = [config, weights, tiny['tokenizer.json'], tiny['vocab.txt'], tiny['README.md']].reduce((s, b) => s + Buffer.byteLength(b), 0);
  const last = progress[progress.length - 1];
  assert.equal(last.doneBytes, total);
  assert.equal(last.totalBytes, total);
  assert.equal(last.filesDone, 5);
  assert.ok(progress.every((p, i) => i === 0 || p.doneBytes >= progress[i - 1].doneBytes), 'progress never goes back');
  assert.equal(result.receivedBytes, total);
  // the gated/pickle content never crossed the wire
  assert.ok(!server.requests.some((r) => r.path.endsWith('pytorch_model.bin') || r.path.endsWith('.h5')));
});

test('a second download reuses the cache; another revision shares unchanged blobs; onnx only when asked', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  await downloadSnapshot(client, 'tiny-org/tiny-bert');
  const contentBefore = server.contentRequests().length;
  const again = await downloadSnapshot(client, 'tiny-org/tiny-bert');
  assert.equal(again.receivedBytes, 0);
  assert.equal(again.reused.length, 5);
  assert.equal(server.contentRequests().length, contentBefore, 'no file content fetched again');

  const v1 = await downloadSnapshot(client, 'tiny-org/tiny-bert', { revision: 'v1.0', includeOnnx: true });
  const repoDir = path.join(cacheDir, 'models--tiny-org--tiny-bert');
  assert.equal(fs.readFileSync(path.join(repoDir, 'refs', 'v1.0'), 'utf8'), server.commitOf('tiny-org/tiny-bert', 'v1.0'));
  assert.ok(v1.files.includes('onnx/model.onnx'));
  assert.ok(!v1.files.includes('onnx/model_quantized.onnx'));
  assert.equal(fs.readlinkSync(path.join(v1.snapshotDir, 'onnx', 'model.onnx')), path.join('..', '..', '..', 'blobs', sha256(tiny['onnx/model.onnx'])));
  // only the changed config and the new onnx file were fetched: the 300 kB weights blob is shared
  assert.equal(v1.receivedBytes, Buffer.byteLength(JSON.stringify({ model_type: 'bert', hidden_size: 4 })) + 20_000);
  assert.equal(fs.readdirSync(path.join(repoDir, 'snapshots')).length, 2);
});

test('resumes a file after the server drops the connection mid-file, with an HTTP Range request', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  server.dropOnce('tiny-org/resume', 'model.safetensors', 100_000);
  const first = await downloadSnapshot(client, 'tiny-org/resume', { retries: 0 }).catch((e: unknown) => e);
  assert.ok(first instanceof HubError, String(first));
  assert.equal(first.kind, 'offline');
  assert.match(first.message, /resumes on the next try/);
  const partial = path.join(cacheDir, 'models--tiny-org--resume', 'blobs', `${sha256(weights)}.incomplete`);
  assert.equal(fs.statSync(partial).size, 100_000);
  assert.equal(fs.existsSync(path.join(cacheDir, 'models--tiny-org--resume', 'refs', 'main')), false, 'no ref to an incomplete snapshot');

  const mark = server.requests.length;
  const result = await downloadSnapshot(client, 'tiny-org/resume');
  const ranges = server.requests.slice(mark).filter((r) => r.path.startsWith('/cdn/') && r.range !== 'bytes=0-0').map((r) => r.range);
  assert.deepEqual(ranges, ['bytes=100000-']);
  assert.equal(result.receivedBytes, weights.length - 100_000);
  assert.deepEqual(fs.readFileSync(path.join(result.snapshotDir, 'model.safetensors')), weights);
  assert.equal(fs.existsSync(partial), false);
});

test('within one call a dropped connection is retried from where it stopped', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  server.dropOnce('tiny-org/resume', 'model.safetensors', 50_000);
  const mark = server.requests.length;
  const result = await downloadSnapshot(client, 'tiny-org/resume');
  const ranges = server.requests.slice(mark).filter((r) => r.path.startsWith('/cdn/') && r.range !== 'bytes=0-0').map((r) => r.range);
  assert.deepEqual(ranges, [undefined, 'bytes=50000-']);
  assert.deepEqual(fs.readFileSync(path.join(result.snapshotDir, 'model.safetensors')), weights);
});

test('a transfer that goes silent hits the idle timeout and resumes from the bytes it got', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  server.stallOnce('tiny-org/resume', 'model.safetensors', 70_000);
  const mark = server.requests.length;
  const result = await downloadSnapshot(client, 'tiny-org/resume', { idleTimeoutMs: 200 });
  const ranges = server.requests.slice(mark).filter((r) => r.path.startsWith('/cdn/') && r.range !== 'bytes=0-0').map((r) => r.range);
  assert.deepEqual(ranges, [undefined, 'bytes=70000-']);
  assert.deepEqual(fs.readFileSync(path.join(result.snapshotDir, 'model.safetensors')), weights);
});

test('two concurrent downloads of the same repo share the transfer instead of clobbering the partial file', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const mark = server.requests.length;
  const [a, b] = await Promise.all([downloadSnapshot(client, 'tiny-org/resume'), downloadSnapshot(client, 'tiny-org/resume')]);
  assert.equal(a.snapshotDir, b.snapshotDir);
  assert.deepEqual(fs.readFileSync(path.join(a.snapshotDir, 'model.safetensors')), weights);
  const weightTransfers = server.requests.slice(mark).filter((r) => r.path.startsWith('/cdn/') && r.range !== 'bytes=0-0');
  assert.equal(weightTransfers.length, 1);
});

test('a corrupted file fails the sha256 check, is deleted and not linked', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  server.corrupt('tiny-org/corrupt', 'model.safetensors');
  const err = await downloadSnapshot(client, 'tiny-org/corrupt').catch((e: unknown) => e);
  assert.ok(err instanceof HubError);
  assert.equal(err.kind, 'integrity');
  assert.match(err.message, new RegExp(`model\\.safetensors is corrupt: its sha256 is [0-9a-f]{64} but the Hub says ${sha256(weights)}`));
  const blobs = path.join(cacheDir, 'models--tiny-org--corrupt', 'blobs');
  assert.deepEqual(fs.readdirSync(blobs).filter((b) => b.startsWith(sha256(weights))), []);
  const snap = path.join(cacheDir, 'models--tiny-org--corrupt', 'snapshots', server.commitOf('tiny-org/corrupt'));
  assert.equal(fs.existsSync(path.join(snap, 'model.safetensors')), false);
});

test('cancelling through an AbortSignal stops the download and keeps the partial file', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const controller = new AbortController();
  const err = await downloadSnapshot(client, 'tiny-org/resume', {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.file === 'model.safetensors' && p.doneBytes > 1000) controller.abort();
    },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof HubError, String(err));
  assert.equal(err.kind, 'aborted');
  assert.match(err.message, /cancelled/);
  const snap = path.join(cacheDir, 'models--tiny-org--resume', 'snapshots', server.commitOf('tiny-org/resume'));
  assert.equal(fs.existsSync(path.join(snap, 'model.safetensors')), false);
  const partial = path.join(cacheDir, 'models--tiny-org--resume', 'blobs', `${sha256(weights)}.incomplete`);
  assert.ok(fs.statSync(partial).size > 0 && fs.statSync(partial).size < weights.length);
});

test('a repo with only pickle weights is refused with the reason', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir: tempCache() });
  const err = await downloadSnapshot(client, 'tiny-org/pickle-only').catch((e: unknown) => e);
  assert.ok(err instanceof HubError);
  assert.equal(err.kind, 'fileNotFound');
  assert.match(err.message, /tiny-org\/pickle-only has no weights this extension can load .* only ship PyTorch pickle \(\.bin\) weights, which are never loaded/);
  assert.ok(!server.requests.some((r) => r.path.includes('tiny-org/pickle-only/resolve/')), 'nothing downloaded');
});

test('an ONNX-only repo brings its onnx/model.onnx even when ONNX was not asked for', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir: tempCache() });
  const result = await downloadSnapshot(client, 'tiny-org/onnx-only');
  assert.deepEqual(result.files, ['config.json', 'onnx/model.onnx', 'tokenizer.json']);
});

test('not enough free disk space is reported before downloading', async () => {
  const cacheDir = tempCache();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const mark = server.contentRequests().length;
  const err = await downloadSnapshot(client, 'tiny-org/resume', { freeBytes: async () => 1000 }).catch((e: unknown) => e);
  assert.ok(err instanceof HubError);
  assert.equal(err.kind, 'diskFull');
  assert.match(err.message, /Not enough disk space for tiny-org\/resume: 0\.3 MiB needed, 0\.0 MiB free/);
  assert.equal(server.contentRequests().length, mark);
});

test('a model folder served from disk downloads into a snapshot that the model loader recognises', async () => {
  const folder = tempCache();
  fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ model_type: 'distilbert', architectures: ['DistilBertForSequenceClassification'] }));
  fs.writeFileSync(path.join(folder, 'model.safetensors'), weights.subarray(0, 4096));
  fs.writeFileSync(path.join(folder, 'tokenizer.json'), '{}');
  fs.mkdirSync(path.join(folder, 'onnx'));
  fs.writeFileSync(path.join(folder, 'onnx', 'model.onnx'), weights.subarray(0, 1024));
  server.addRepo({ id: 'local/from-folder', files: filesFromFolder(folder) });

  const client = new HubClient({ endpoint: server.url, cacheDir: tempCache() });
  const result = await downloadSnapshot(client, 'local/from-folder', { includeOnnx: true });
  const info = inspectModelFolder(result.snapshotDir);
  assert.ok(info);
  assert.equal(info.modelType, 'distilbert');
  assert.deepEqual(info.architectures, ['DistilBertForSequenceClassification']);
  assert.equal(info.hasSafetensors, true);
  assert.equal(info.hasOnnx, true);
  assert.equal(info.hasTokenizer, true);
});

test('cancelling a search with a custom abort reason is reported as a cancellation', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir: tempCache() });
  const controller = new AbortController();
  controller.abort('user closed the picker');
  const err = await client.search({ query: 'tiny' }, controller.signal).catch((e: unknown) => e);
  assert.ok(err instanceof HubError);
  assert.equal(err.kind, 'aborted');
});

test('the cache we write is the one @huggingface/hub itself reads: its scanner and its cached-file lookup agree', async () => {
  const { scanCacheDir, downloadFileToCacheDir } = await import('@huggingface/hub');
  const cacheDir = tempCache();
  const ours = await downloadSnapshot(new HubClient({ endpoint: server.url, cacheDir }), 'tiny-org/tiny-bert');
  const scan = await scanCacheDir(cacheDir);
  assert.deepEqual(scan.warnings, []);
  assert.equal(scan.repos.length, 1);
  const repo = scan.repos[0];
  assert.deepEqual(repo.id, { name: 'tiny-org/tiny-bert', type: 'model' });
  assert.deepEqual(repo.revisions.map((r) => [r.commitOid, r.refs]), [[ours.commit, ['main']]]);
  assert.equal(repo.filesCount, 5);
  // pinned to the commit, the library returns our snapshot file without a single request
  const mark = server.requests.length;
  const file = await downloadFileToCacheDir({ repo: 'tiny-org/tiny-bert', path: 'model.safetensors', revision: ours.commit, cacheDir, hubUrl: server.url });
  assert.equal(file, path.join(ours.snapshotDir, 'model.safetensors'));
  assert.equal(server.requests.length, mark);
});

test('files @huggingface/hub downloaded into the cache are reused, not fetched again', async (t) => {
  t.mock.method(console, 'debug', () => undefined); // the library logs every download
  const { downloadFileToCacheDir } = await import('@huggingface/hub');
  const cacheDir = tempCache();
  const commit = server.commitOf('tiny-org/resume');
  for (const file of ['config.json', 'model.safetensors']) {
    await downloadFileToCacheDir({ repo: 'tiny-org/resume', path: file, revision: 'main', cacheDir, hubUrl: server.url });
  }
  const mark = server.contentRequests().length;
  const ours = await downloadSnapshot(new HubClient({ endpoint: server.url, cacheDir }), 'tiny-org/resume');
  assert.equal(ours.commit, commit);
  assert.deepEqual(ours.reused, ['config.json', 'model.safetensors']);
  assert.equal(ours.receivedBytes, 0);
  assert.equal(server.contentRequests().length, mark);
  // the library writes no refs/; we add refs/main once the snapshot is known complete
  assert.equal(fs.readFileSync(path.join(cacheDir, 'models--tiny-org--resume', 'refs', 'main'), 'utf8'), commit);
});
