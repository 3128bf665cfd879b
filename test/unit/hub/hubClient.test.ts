import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HubTestServer } from '../../support/hubServer';
import { HubClient } from '../../../src/hub/hubClient';
import { HubError } from '../../../src/hub/hubErrors';

let server: HubTestServer;
let cacheDir: string;

before(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-client-'));
  server = await HubTestServer.start([
    { id: 'acme/bert-sentiment', files: { 'config.json': '{}', 'model.safetensors': 'x'.repeat(100), 'README.md': '---\nlicense: apache-2.0\n---\n# Sentiment\nA card.' }, meta: { pipeline_tag: 'text-classification', downloads: 500, likes: 3, license: 'apache-2.0', parameters: 4_386_178, lastModified: '2024-05-01T10:00:00.000Z', tags: ['transformers', 'bert'] } },
    { id: 'acme/bert-topics', files: { 'config.json': '{}' }, meta: { pipeline_tag: 'text-classification', downloads: 100, likes: 40, license: 'mit', lastModified: '2024-06-01T10:00:00.000Z' } },
    { id: 'other/roberta-mlm', files: { 'config.json': '{}', 'onnx/model.onnx': 'y'.repeat(50) }, meta: { pipeline_tag: 'fill-mask', downloads: 9000, likes: 1, tags: ['roberta'] } },
    { id: 'other/nli-bert', files: { 'config.json': '{}' }, meta: { pipeline_tag: 'zero-shot-classification', downloads: 50, likes: 99 } },
  ]);
});
after(async () => {
  await server.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

test('search filters by pipeline tag and sorts by downloads or likes, with parameters, license and date', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const byDownloads = await client.search({ task: 'text-classification', sort: 'downloads' });
  assert.deepEqual(byDownloads.map((m) => m.id), ['acme/bert-sentiment', 'acme/bert-topics']);
  const first = byDownloads[0];
  assert.equal(first.task, 'text-classification');
  assert.equal(first.downloads, 500);
  assert.equal(first.likes, 3);
  assert.equal(first.parameters, 4_386_178);
  assert.equal(first.license, 'apache-2.0');
  assert.equal(first.lastModified.toISOString(), '2024-05-01T10:00:00.000Z');
  assert.equal(byDownloads[1].parameters, undefined);

  const byLikes = await client.search({ sort: 'likes' });
  assert.deepEqual(byLikes.map((m) => m.id), ['other/nli-bert', 'acme/bert-topics', 'acme/bert-sentiment', 'other/roberta-mlm']);

  // substring match on the id, like the Hub ("roBERTa" matches "bert"), then the limit
  const query = await client.search({ query: 'BERT', sort: 'downloads', limit: 2 });
  assert.deepEqual(query.map((m) => m.id), ['other/roberta-mlm', 'acme/bert-sentiment']);

  // what the library actually asked for: the filter, the sort and the extra fields
  const req = server.requests.filter((r) => r.path === '/api/models').length;
  assert.equal(req, 3);
});

test('the search request carries pipeline_tag, sort and the expand fields the view shows', async () => {
  let seen: URL | undefined;
  const spy: typeof fetch = (input, init) => {
    seen = new URL(String(input));
    return fetch(input, init);
  };
  const client = new HubClient({ endpoint: server.url, cacheDir, fetch: spy });
  await client.search({ task: 'fill-mask', sort: 'likes', limit: 5 });
  assert.ok(seen);
  assert.equal(seen.searchParams.get('pipeline_tag'), 'fill-mask');
  assert.equal(seen.searchParams.get('sort'), 'likes');
  assert.equal(seen.searchParams.get('limit'), '5');
  for (const field of ['safetensors', 'cardData', 'tags', 'lastModified', 'downloads', 'likes']) {
    assert.ok(seen.searchParams.getAll('expand').includes(field), field);
  }
});

test('model info gives the commit and file list; the card quick view returns README.md', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const info = await client.info('acme/bert-sentiment');
  assert.equal(info.sha, server.commitOf('acme/bert-sentiment'));
  assert.deepEqual(info.files, ['README.md', 'config.json', 'model.safetensors']);
  assert.equal(info.license, 'apache-2.0');
  const card = await client.modelCard('acme/bert-sentiment');
  assert.equal(card, '---\nlicense: apache-2.0\n---\n# Sentiment\nA card.');
  assert.equal(await client.modelCard('acme/bert-topics'), null);
});

test('file listing is recursive with sizes and LFS checksums', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const files = await client.listFiles('other/roberta-mlm');
  assert.deepEqual(files.map((f) => [f.path, f.lfs?.size ?? f.size]), [['config.json', 2], ['onnx/model.onnx', 50]]);
  assert.match(files[1].lfs?.oid ?? '', /^[0-9a-f]{64}$/);
});

test('the access token is sent as a Bearer header and must look like an hf_ token', async () => {
  server.tokens.set('hf_test_token', new Set());
  const mark = server.requests.length;
  const client = new HubClient({ endpoint: server.url, cacheDir, token: async () => 'hf_test_token' });
  await client.info('acme/bert-topics');
  assert.equal(server.requests[mark].authorization, 'Bearer hf_test_token');
  const bad = new HubClient({ endpoint: server.url, cacheDir, token: 'abc' });
  const err = await bad.info('acme/bert-topics').catch((e: unknown) => e);
  assert.ok(err instanceof HubError);
  assert.equal(err.kind, 'unauthorized');
  assert.match(err.message, /access tokens start with "hf_"/);
});

test('bad endpoint and bad repo ids are refused before any request', async () => {
  assert.throws(() => new HubClient({ endpoint: 'ftp://mirror', cacheDir }), /must start with http:\/\/ or https:\/\//);
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const mark = server.requests.length;
  await assert.rejects(client.info('../etc/passwd'), /not a valid Hugging Face repo id/);
  await assert.rejects(client.info('a--b/c'), /not a valid Hugging Face repo id/);
  assert.equal(server.requests.length, mark);
});
