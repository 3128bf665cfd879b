import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HubTestServer } from '../../support/hubServer';
import { HubClient } from '../../../src/hub/hubClient';
import { pushFolder, type PushOptions, type PushProgress } from '../../../src/hub/hubPush';
import { PushError } from '../../../src/hub/pushErrors';
import { repoNameProblem, suggestRepoName } from '../../../src/hub/repoName';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const ALICE = 'hf_alice_write';

/** A model folder as a run exports it: weights and onnx/ are LFS on the Hub, configs and tokenizer files are not. */
const model = {
  'config.json': JSON.stringify({ model_type: 'bert', hidden_size: 8, id2label: { 0: 'neg', 1: 'pos' } }),
  'model.safetensors': randomBytes(200_000),
  'tokenizer.json': '{"version":"1.0","model":{"type":"WordPiece"}}',
  'vocab.txt': '[PAD]\n[UNK]\nhello\n',
  'onnx/model.onnx': randomBytes(1_200_000),
  'onnx/model_quantized.onnx': randomBytes(60_000),
};
const LFS = ['model.safetensors', 'onnx/model.onnx', 'onnx/model_quantized.onnx'];
const SMALL = ['config.json', 'tokenizer.json', 'vocab.txt'];

let server: HubTestServer;
const tmp: string[] = [];
function folderWith(files: Record<string, Buffer | string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-'));
  tmp.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}
const opts = (folder: string, over: Partial<PushOptions> = {}): PushOptions => ({ folder, token: ALICE, endpoint: server.url, commitMessage: 'Upload fine-tuned model', ...over });

/** Reads the pushed repo back through the download endpoints (tree listing, resolve → 302 → CDN): path → bytes. */
async function readBack(repoId: string, token = ALICE): Promise<Map<string, Buffer>> {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-cache-'));
  tmp.push(cacheDir);
  const client = new HubClient({ endpoint: server.url, cacheDir, token });
  const files = await client.listFiles(repoId);
  const out = new Map<string, Buffer>();
  for (const f of files) {
    const resp = await fetch(`${server.url}/${repoId}/resolve/main/${f.path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(resp.status, 200, `${f.path} downloadable`);
    out.set(f.path, Buffer.from(await resp.arrayBuffer()));
  }
  return out;
}

const since = (n: number) => server.requests.slice(n);

before(async () => {
  server = await HubTestServer.start([
    { id: 'someone/taken', private: true, files: { 'README.md': '# not yours\n' } },
    { id: 'alice/showcase', files: { 'config.json': '{}' } },
  ]);
  server.accounts.set(ALICE, { user: 'alice', orgs: ['acme'] });
  server.accounts.set('hf_alice_read', { user: 'alice', orgs: ['acme'], role: 'read' });
  server.accounts.set('hf_bob_write', { user: 'bob' });
  // A fine-grained token of alice limited to one repo: other alice repos are invisible to it.
  server.accounts.set('hf_alice_scoped', { user: 'alice', repos: ['alice/scoped-only'] });
});
beforeEach(() => {
  server.multipartThreshold = 8 * 1024 * 1024;
  server.partSize = 5 * 1024 * 1024;
  server.storageLimitBytes = undefined;
  server.onRequest = undefined;
});
after(async () => {
  await server.close();
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

test('new repo: created private under the user, LFS files through batch + PUT, small ones inline, read back byte-equal', async () => {
  const folder = folderWith(model);
  const start = server.requests.length;
  const progress: PushProgress[] = [];
  const card = '---\nlicense: apache-2.0\n---\n# alice/first-push\n';
  const result = await pushFolder(opts(folder, { repoId: 'first-push', extraFiles: { 'README.md': card }, onProgress: (p) => progress.push(p) }));

  assert.equal(result.repoId, 'alice/first-push');
  assert.equal(result.url, `${server.url}/alice/first-push`);
  assert.equal(result.created, true);
  assert.equal(result.private, true);
  assert.equal(result.commit, server.commitOf('alice/first-push'));
  const totalBytes = Object.values(model).reduce((n, c) => n + Buffer.byteLength(c), 0) + Buffer.byteLength(card);
  assert.equal(result.uploadedBytes, totalBytes);

  const reqs = since(start);
  const create = reqs.filter((r) => r.path === '/api/repos/create');
  assert.equal(create.length, 1);
  // The commit: LFS files as pointers, small files and the card inline, on top of the create commit.
  const commit = server.commits.at(-1)!;
  assert.deepEqual(commit.lfsFiles.sort(), [...LFS].sort());
  assert.deepEqual(commit.files.sort(), [...SMALL, 'README.md'].sort());
  assert.equal(commit.summary, 'Upload fine-tuned model');
  assert.ok(commit.parentCommit, 'the commit names its parent');
  // Each LFS object went through one basic PUT; the small ones never did.
  const puts = server.lfsUploads();
  for (const f of LFS) assert.equal(puts.filter((u) => u.oid === sha256(model[f as keyof typeof model])).length, 1, f);
  assert.equal(puts.filter((u) => u.kind !== 'basic').length, 0);
  assert.ok(reqs.some((r) => r.path === '/alice/first-push.git/info/lfs/objects/batch'));

  const back = await readBack('alice/first-push');
  for (const [f, c] of Object.entries(model)) assert.ok(back.get(f)?.equals(Buffer.from(c)), `${f} byte-equal`);
  assert.equal(back.get('README.md')?.toString(), card);
  // Anonymous readers do not see it: it is private.
  assert.equal((await fetch(`${server.url}/api/models/alice/first-push`)).status, 401);

  // Progress: hashing covered the LFS files; the last report says everything was sent.
  assert.ok(progress.some((p) => p.phase === 'hashing' && p.file === 'onnx/model.onnx' && p.fileDone === p.fileSize));
  const up = progress.filter((p) => p.phase === 'uploading' && p.file === 'onnx/model.onnx').map((p) => p.fileDone!);
  assert.ok(up.length >= 2, 'several progress reports while the 1.2 MB file streams');
  assert.deepEqual(up, [...up].sort((a, b) => a - b), 'per-file progress only grows');
  const last = progress.at(-1)!;
  assert.equal(last.phase, 'done');
  assert.equal(last.doneBytes, totalBytes);
  assert.equal(last.filesDone, last.filesTotal);
  assert.equal(last.filesTotal, Object.keys(model).length + 1);
});

test('existing repo: reused without create, a new commit on top of the head, unchanged LFS files not sent again', async () => {
  const folder = folderWith(model);
  const first = await pushFolder(opts(folder, { repoId: 'acme/reused', private: false }));
  assert.equal(first.created, true);
  assert.equal(first.private, false);
  fs.writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 8, note: 'retrained' }));
  const retrained = randomBytes(200_000);
  fs.writeFileSync(path.join(folder, 'model.safetensors'), retrained);
  const head = server.commitOf('acme/reused');
  const start = server.requests.length;
  const uploadsBefore = server.lfsUploads().length;

  const second = await pushFolder(opts(folder, { repoId: 'acme/reused', commitMessage: 'Retrained' }));
  assert.equal(second.created, false);
  assert.equal(since(start).filter((r) => r.path === '/api/repos/create').length, 0);
  assert.equal(server.commits.at(-1)!.parentCommit, head);
  assert.notEqual(second.commit, head);
  assert.equal(server.commitOf('acme/reused'), second.commit);
  // Only the changed weights were uploaded; the onnx files were already stored.
  assert.deepEqual(server.lfsUploads().slice(uploadsBefore).map((u) => u.oid), [sha256(retrained)]);
  const small = SMALL.reduce((n, f) => n + fs.statSync(path.join(folder, f)).size, 0);
  assert.equal(second.uploadedBytes, retrained.length + small);
  const back = await readBack('acme/reused');
  assert.ok(back.get('model.safetensors')?.equals(retrained));
  assert.match(back.get('config.json')!.toString(), /retrained/);
});

test('a file above the multipart threshold goes up in parts and reads back byte-equal', async () => {
  server.multipartThreshold = 1024 * 1024;
  server.partSize = 512 * 1024;
  const big = randomBytes(2_600_000); // 5 parts of 512 KiB + 1 partial
  const folder = folderWith({ 'config.json': '{}', 'model.safetensors': big, 'README.md': '# stale card\n' });
  const before = server.lfsUploads().length;
  const card = '# alice/multipart\n\nGenerated card.\n';
  const result = await pushFolder(opts(folder, { repoId: 'multipart', extraFiles: { 'README.md': card } }));
  const ups = server.lfsUploads().slice(before).filter((u) => u.oid === sha256(big));
  assert.equal(ups.filter((u) => u.kind === 'part').length, Math.ceil(big.length / server.partSize));
  assert.equal(ups.filter((u) => u.kind === 'complete').length, 1);
  assert.equal(ups.filter((u) => u.kind === 'basic').length, 0);
  assert.equal(result.uploadedBytes, big.length + 2 + card.length);
  const back = await readBack('alice/multipart');
  assert.ok(back.get('model.safetensors')?.equals(big));
  assert.equal(back.get('README.md')?.toString(), card, 'extraFiles replace the folder\'s file of the same name');
});

test('resume: the connection drops mid-PUT of an LFS file; the push fails clearly, a second push sends only what is missing', async () => {
  const files = { 'config.json': '{"a":1}', 'model.safetensors': randomBytes(100_000), 'onnx/model.onnx': randomBytes(3_000_000) };
  const folder = folderWith(files);
  const cut = sha256(files['onnx/model.onnx']);
  server.dropUploadOnce(cut, 1_000_000);
  const before = server.lfsUploads().length;
  await assert.rejects(pushFolder(opts(folder, { repoId: 'resumable' })), (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'interrupted');
    assert.match(e.message, /connection to the Hub .* was cut/);
    assert.match(e.message, /Nothing was committed to alice\/resumable/);
    assert.match(e.message, /Push again: files already uploaded are not sent again/);
    return true;
  });
  // No commit beyond the repo's creation; the small weights file did arrive.
  const created = server.commitOf('alice/resumable');
  assert.equal(server.commits.filter((c) => c.repoId === 'alice/resumable').length, 0);
  const stored = server.storedObjects('alice/resumable');
  assert.ok(stored.includes(sha256(files['model.safetensors'])), 'the first LFS file was stored before the cut');
  assert.ok(!stored.includes(cut));
  const firstTry = server.lfsUploads().slice(before);
  assert.ok(firstTry.some((u) => u.oid === cut));

  const mid = server.lfsUploads().length;
  const result = await pushFolder(opts(folder, { repoId: 'resumable' }));
  assert.equal(result.created, false);
  const secondTry = server.lfsUploads().slice(mid);
  const expectedMissing = Object.entries(files).filter(([f]) => f !== 'config.json').map(([, c]) => sha256(c)).filter((o) => !stored.includes(o));
  assert.deepEqual(secondTry.map((u) => u.oid).sort(), expectedMissing.sort());
  assert.equal(result.uploadedBytes, files['onnx/model.onnx'].length + expectedMissing.filter((o) => o !== cut).length * files['model.safetensors'].length + 7);
  assert.equal(server.commits.at(-1)!.parentCommit, created);
  const back = await readBack('alice/resumable');
  for (const [f, c] of Object.entries(files)) assert.ok(back.get(f)?.equals(Buffer.from(c)), f);
});

test('401: an invalid or revoked token says so before anything is uploaded', async () => {
  const folder = folderWith({ 'config.json': '{}' });
  const start = server.requests.length;
  await assert.rejects(pushFolder(opts(folder, { token: 'hf_revoked', repoId: 'x' })), (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'unauthorized');
    assert.equal(e.details.status, 401);
    assert.match(e.message, /invalid, expired or revoked/);
    assert.match(e.message, /Invalid credentials in Authorization header/);
    assert.match(e.message, /write/);
    return true;
  });
  assert.deepEqual(since(start).map((r) => r.path), ['/api/whoami-v2']);
  // And no request at all for a value that is not a token.
  await assert.rejects(pushFolder(opts(folder, { token: 'not-a-token', repoId: 'x' })), /start with "hf_"/);
  assert.equal(server.requests.length, start + 1);
});

test('403: a read-only token, a namespace that is not yours, a repo you may not write', async () => {
  const folder = folderWith({ 'config.json': '{}' });
  await assert.rejects(pushFolder(opts(folder, { token: 'hf_alice_read', repoId: 'ro' })), (e: unknown) => {
    assert.ok(e instanceof PushError && e.kind === 'readOnlyToken');
    assert.match(e.message, /read-only.*"write" role/);
    return true;
  });
  assert.equal(server.commits.filter((c) => c.repoId === 'alice/ro').length, 0);
  await assert.rejects(pushFolder(opts(folder, { repoId: 'someone/else' })), (e: unknown) => {
    assert.ok(e instanceof PushError && e.kind === 'forbidden');
    assert.match(e.message, /alice may not push under "someone".*\(acme\).*"alice" or "acme"/);
    return true;
  });
  // The Hub's own 403: alice's fine-grained token sees her public repo but may only write alice/scoped-only.
  const head = server.commitOf('alice/showcase');
  await assert.rejects(pushFolder(opts(folder, { token: 'hf_alice_scoped', repoId: 'showcase' })), (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'forbidden');
    assert.equal(e.details.status, 403);
    assert.match(e.message, /This token may not write to alice\/showcase \(HTTP 403: You don't have the rights to write to alice\/showcase\)/);
    return true;
  });
  assert.equal(server.commitOf('alice/showcase'), head);
});

test('409 on create: the name is taken by a repo this token cannot see', async () => {
  const folder = folderWith({ 'config.json': '{}' });
  server.addRepo({ id: 'alice/secret', private: true, files: { 'README.md': '# hidden from the scoped token\n' } });
  const head = server.commitOf('alice/secret');
  await assert.rejects(pushFolder(opts(folder, { token: 'hf_alice_scoped', repoId: 'secret' })), (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'nameTaken');
    assert.equal(e.details.status, 409);
    assert.match(e.message, /alice\/secret already exists, and this token cannot see it.*Choose another name/);
    return true;
  });
  assert.equal(server.commitOf('alice/secret'), head);
});

test('409 on commit: someone pushed meanwhile; nothing is overwritten, pushing again works', async () => {
  const folder = folderWith({ 'config.json': '{"mine":true}', 'model.safetensors': randomBytes(50_000) });
  await pushFolder(opts(folder, { repoId: 'raced' }));
  let landed: string | undefined;
  server.onRequest = (r) => {
    if (r.method === 'POST' && r.path === '/api/models/alice/raced/commit/main' && !landed) landed = server.landCommit('alice/raced', { 'notes.txt': 'a colleague was faster' });
  };
  fs.writeFileSync(path.join(folder, 'config.json'), '{"mine":2}');
  await assert.rejects(pushFolder(opts(folder, { repoId: 'raced' })), (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'stale');
    assert.match(e.message, /Someone pushed to alice\/raced meanwhile .*A commit has happened since.*Push again/);
    return true;
  });
  assert.equal(server.commitOf('alice/raced'), landed, "the colleague's commit is the head, ours was refused");
  const again = await pushFolder(opts(folder, { repoId: 'raced' }));
  assert.equal(server.commits.at(-1)!.parentCommit, landed);
  const back = await readBack('alice/raced');
  assert.equal(back.get('config.json')?.toString(), '{"mine":2}');
  assert.equal(back.get('notes.txt')?.toString(), 'a colleague was faster');
  assert.equal(again.commit, server.commitOf('alice/raced'));
});

test('quota: a full storage quota is named as such', async () => {
  server.storageLimitBytes = 10_000;
  const folder = folderWith({ 'config.json': '{}', 'model.safetensors': randomBytes(50_000) });
  await assert.rejects(pushFolder(opts(folder, { repoId: 'too-big' })), (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'quota');
    assert.match(e.message, /lack of storage .*Storage quota exceeded/);
    return true;
  });
  assert.equal(server.commits.filter((c) => c.repoId === 'alice/too-big').length, 0);
});

test('cancel: aborting mid-upload makes no commit and says so', async () => {
  const files = { 'config.json': '{}', 'model.safetensors': randomBytes(4_000_000) };
  const folder = folderWith(files);
  const abort = new AbortController();
  server.delayMs = 0;
  let sawUpload = false;
  const run = pushFolder(opts(folder, {
    repoId: 'cancelled', signal: abort.signal,
    onProgress: (p) => {
      if (p.phase === 'uploading' && !sawUpload) {
        sawUpload = true;
        abort.abort();
      }
    },
  }));
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'aborted');
    assert.match(e.message, /cancelled\. Nothing was committed to alice\/cancelled/);
    return true;
  });
  assert.ok(sawUpload);
  assert.equal(server.commits.filter((c) => c.repoId === 'alice/cancelled').length, 0);
  assert.ok(!server.requests.some((r) => r.path === '/api/models/alice/cancelled/commit/main'));
});

test('repo names are checked before any request', async () => {
  const folder = folderWith({ 'config.json': '{}' });
  const start = server.requests.length;
  for (const [name, why] of [['bad name', /contains " "/], ['a--b', /"--"/], ['x'.repeat(97), /at most 96/], ['-lead', /starts or ends/], ['a/b/c', /one "\/"/], ['ns!/ok', /Namespace "ns!"/]] as const) {
    await assert.rejects(pushFolder(opts(folder, { repoId: name })), (e: unknown) => e instanceof PushError && e.kind === 'invalidName' && why.test(e.message));
  }
  await assert.rejects(pushFolder(opts(path.join(folder, 'missing'), { repoId: 'ok' })), /not a folder/);
  assert.equal(server.requests.length, start);
});

test('an unreachable Hub is named as such, not as a cut upload', async () => {
  const folder = folderWith({ 'config.json': '{}' });
  const gone = await HubTestServer.start();
  const url = gone.url;
  await gone.close();
  await assert.rejects(pushFolder(opts(folder, { repoId: 'x', endpoint: url })), (e: unknown) => {
    assert.ok(e instanceof PushError);
    assert.equal(e.kind, 'offline');
    assert.match(e.message, /Cannot reach the Hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    return true;
  });
});

test('default repo names from run ids are valid Hub names', () => {
  assert.equal(suggestRepoName('20261207-120000-tiny-bert-full'), '20261207-120000-tiny-bert-full');
  assert.equal(suggestRepoName('20261207-1-my model (v2)--lora'), '20261207-1-my-model-v2-lora');
  assert.equal(suggestRepoName('..hidden..'), 'hidden');
  assert.equal(suggestRepoName('x'.repeat(120)).length, 96);
  assert.equal(suggestRepoName('日本語'), 'model');
  for (const id of ['20261207-1-my model (v2)--lora', '..hidden..', 'a'.repeat(95) + '-b', '日本語']) assert.equal(repoNameProblem(suggestRepoName(id)), undefined, id);
});
