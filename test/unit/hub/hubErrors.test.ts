import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HubTestServer } from '../../support/hubServer';
import { HubClient } from '../../../src/hub/hubClient';
import { downloadSnapshot } from '../../../src/hub/snapshotDownload';
import { HubError, toHubError } from '../../../src/hub/hubErrors';

let server: HubTestServer;
let cacheDir: string;
const files = { 'config.json': '{"model_type":"bert"}', 'model.safetensors': 'w'.repeat(64) };

before(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-errors-'));
  server = await HubTestServer.start([
    { id: 'meta-like/gated-model', files, gated: 'manual' },
    { id: 'acme/public', files },
    { id: 'acme/secret', files, private: true },
  ]);
  server.tokens.set('hf_accepted', new Set(['meta-like/gated-model']));
  server.tokens.set('hf_not_accepted', new Set());
});
after(async () => {
  await server.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<HubError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof HubError, `expected a HubError, got ${String(err)}`);
  return err;
}

test('gated repo, anonymous (401): says where to accept the terms and to sign in', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const err = await failure(downloadSnapshot(client, 'meta-like/gated-model'));
  assert.equal(err.kind, 'gated');
  assert.equal(err.details.status, 401);
  assert.ok(err.message.includes(`accept the terms at ${server.url}/meta-like/gated-model`), err.message);
  assert.match(err.message, /Sign in to Hugging Face/);
});

test('gated repo, signed in but not accepted (403): says access is not granted yet', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir, token: 'hf_not_accepted' });
  const err = await failure(downloadSnapshot(client, 'meta-like/gated-model'));
  assert.equal(err.kind, 'gated');
  assert.equal(err.details.status, 403);
  assert.ok(err.message.includes(`accept the terms at ${server.url}/meta-like/gated-model`));
  assert.match(err.message, /has not been granted access yet/);
});

test('gated repo with an accepted token downloads', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir, token: 'hf_accepted' });
  const result = await downloadSnapshot(client, 'meta-like/gated-model');
  assert.equal(fs.readFileSync(path.join(result.snapshotDir, 'model.safetensors'), 'utf8'), files['model.safetensors']);
});

test('missing repo and private repo without token: 404-style message with sign-in hint', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir });
  for (const id of ['acme/does-not-exist', 'acme/secret']) {
    const err = await failure(client.info(id));
    assert.equal(err.kind, 'repoNotFound');
    assert.equal(err.message, `Model ${id} was not found on ${server.url}. Check the spelling (org/name). If it is private, sign in to Hugging Face first.`);
  }
  const signedIn = new HubClient({ endpoint: server.url, cacheDir, token: 'hf_not_accepted' });
  const err = await failure(downloadSnapshot(signedIn, 'acme/does-not-exist'));
  assert.equal(err.kind, 'repoNotFound');
  assert.equal(err.details.status, 404);
});

test('missing revision and missing file', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const rev = await failure(downloadSnapshot(client, 'acme/public', { revision: 'v9' }));
  assert.equal(rev.kind, 'revisionNotFound');
  assert.match(rev.message, /Revision "v9" does not exist in acme\/public/);
  const file = await failure(downloadSnapshot(client, 'acme/public', { files: ['config.json', 'tokenizer.json'] }));
  assert.equal(file.kind, 'fileNotFound');
  assert.match(file.message, /File "tokenizer\.json" does not exist in acme\/public/);
});

test('connection refused: says the Hub is unreachable and lists what is cached', async () => {
  const dead = await HubTestServer.start();
  const deadUrl = dead.url;
  await dead.close();
  const client = new HubClient({ endpoint: server.url, cacheDir });
  await downloadSnapshot(client, 'acme/public');
  const offline = new HubClient({ endpoint: deadUrl, cacheDir });
  const err = await failure(offline.search({ query: 'bert' }));
  assert.equal(err.kind, 'offline');
  assert.match(err.message, new RegExp(`Cannot reach the Hub at ${deadUrl} \\(ECONNREFUSED\\)`));
  assert.ok(err.message.includes(`Already downloaded in ${cacheDir}: acme/public`), err.message);
  assert.ok(err.details.cached?.includes('acme/public'));
});

test('a Hub that does not answer in time gives a timeout message', async () => {
  const slow = await HubTestServer.start([{ id: 'acme/public', files }]);
  slow.delayMs = 500;
  try {
    const client = new HubClient({ endpoint: slow.url, cacheDir, timeoutMs: 50 });
    const err = await failure(client.info('acme/public'));
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /did not answer in time/);
    assert.match(err.message, /finetuneStudio\.hub\.offline/);
  } finally {
    await slow.close();
  }
});

test('ENOSPC and DNS failures map to actionable kinds', () => {
  const ctx = { endpoint: 'https://huggingface.co', repoId: 'a/b', hasToken: false, cacheDir: '/cache' };
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const disk = toHubError(enospc, ctx);
  assert.equal(disk.kind, 'diskFull');
  assert.match(disk.message, /disk holding the Hugging Face cache \(\/cache\) is full/);
  const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND huggingface.co'), { code: 'ENOTFOUND' }) });
  const off = toHubError(dns, { ...ctx, cached: [] });
  assert.equal(off.kind, 'offline');
  assert.match(off.message, /\(ENOTFOUND\).*Nothing is downloaded yet in \/cache\./);
});
