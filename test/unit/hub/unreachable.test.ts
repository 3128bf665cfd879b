// The one unreachable-Hub message: from real failed requests (a closed port, a Hub answering 503, offline mode) to the
// text naming the local folder, the HF cache and the mirror setting. Errors about one repo keep their own advice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HubTestServer } from '../../support/hubServer';
import { HubClient } from '../../../src/hub/hubClient';
import { HubError } from '../../../src/hub/hubErrors';
import { downloadSnapshot } from '../../../src/hub/snapshotDownload';
import { isHubUnreachable, unreachableHubMessage } from '../../../src/hub/unreachable';

let server: HubTestServer;
let cacheDir: string;
let closedUrl: string;

before(async () => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-unreachable-'));
  server = await HubTestServer.start([{ id: 'acme/bert', files: { 'config.json': '{}' }, meta: { pipeline_tag: 'text-classification' } }]);
  // A port that was just free: connecting to it is refused.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedUrl = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise<void>((r) => probe.close(() => r()));
});
after(async () => {
  await server.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HubError, `not a HubError: ${e}`);
    return e;
  }
  assert.fail('the request did not fail');
}

const ALTERNATIVES = / Without the Hub, use a model folder on disk \(.+\), a model in the Hugging Face cache \((.+, )?setting "finetuneStudio\.cacheFolder"\) or a Hub mirror \(setting "finetuneStudio\.hub\.endpoint"\)\.$/;

test('connection refused: search, download and zero-shot all get the message with the three alternatives', async () => {
  const client = new HubClient({ endpoint: closedUrl, cacheDir });
  const search = await failure(client.search({ query: 'bert' }));
  assert.equal(search.kind, 'offline');
  assert.ok(isHubUnreachable(search));
  const m = unreachableHubMessage(search, 'search', cacheDir);
  assert.match(m.text, new RegExp(`^Hub search: Cannot reach the Hub at ${closedUrl} \\(ECONNREFUSED\\)`));
  assert.match(m.text, ALTERNATIVES);
  assert.ok(m.text.includes(cacheDir));
  assert.deepEqual(m.actions, ['localFolder', 'cacheFolder', 'mirror']);

  const download = await failure(downloadSnapshot(client, 'acme/bert'));
  assert.ok(isHubUnreachable(download));
  assert.match(unreachableHubMessage(download, 'download', cacheDir).text, /^Download: .*ECONNREFUSED/);
  const zeroShot = unreachableHubMessage(download, 'zero-shot', cacheDir).text;
  assert.match(zeroShot, /use a model folder on disk \(set "finetuneStudio\.zeroShot\.model" to its path\)/);
  assert.match(zeroShot, ALTERNATIVES);
});

test('a Hub answering 5xx is unreachable too; 404 and 429 are not', async () => {
  const client = new HubClient({ endpoint: server.url, cacheDir });
  server.failWith = 503;
  try {
    const e = await failure(client.search({ query: 'bert' }));
    assert.equal(e.details.status, 503);
    assert.ok(isHubUnreachable(e));
    const text = unreachableHubMessage(e, 'search', cacheDir).text;
    assert.match(text, /^Hub search: The Hub answered HTTP 503 .* Without the Hub, use /);
    // The 5xx message does not name the cache: the alternatives do.
    assert.ok(text.includes(`cache (${cacheDir}, setting`), text);
    server.failWith = 429;
    assert.equal(isHubUnreachable(await failure(client.search({ query: 'bert' }))), false);
  } finally {
    server.failWith = undefined;
  }
  const missing = await failure(client.info('acme/nope'));
  assert.equal(missing.kind, 'repoNotFound');
  assert.equal(isHubUnreachable(missing), false);
});

test('offline mode fails before any request, with the same message', async () => {
  const before = server.requests.length;
  const client = new HubClient({ endpoint: server.url, cacheDir, offline: true });
  const e = await failure(client.search({ query: 'bert' }));
  assert.equal(server.requests.length, before);
  assert.ok(isHubUnreachable(e));
  assert.match(unreachableHubMessage(e, 'search', cacheDir).text, /^Hub search: Offline mode is on \("finetuneStudio\.hub\.offline"\).* Without the Hub, use /);
});
