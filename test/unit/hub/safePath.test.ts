import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveInside, UnsafeHubPathError, validateHubFileName, validateRevisionName } from '../../../src/hub/safePath';
import { HubTestServer } from '../../support/hubServer';
import { HubClient } from '../../../src/hub/hubClient';
import { downloadSnapshot } from '../../../src/hub/snapshotDownload';
import { HubError } from '../../../src/hub/hubErrors';

const base = path.join(os.tmpdir(), 'snapshot-base');

test('ordinary repo names resolve inside the snapshot folder', () => {
  assert.equal(resolveInside(base, 'config.json'), path.join(base, 'config.json'));
  assert.equal(resolveInside(base, 'onnx/model.onnx'), path.join(base, 'onnx', 'model.onnx'));
  assert.equal(resolveInside(base, '1_Pooling/config.json'), path.join(base, '1_Pooling', 'config.json'));
  assert.equal(resolveInside(base, '..config'), path.join(base, '..config'), 'a name merely starting with dots is fine');
});

const unsafe: [string, RegExp][] = [
  ['../evil.json', /"\.\." segment/],
  ['onnx/../../evil', /"\.\." segment/],
  ['..', /"\.\." segment/],
  ['/etc/passwd', /absolute path/],
  ['a\\..\\..\\evil', /backslash/],
  ['\\\\host\\share\\x', /backslash/],
  ['C:/Windows/x', /drive letter/],
  ['D:foo', /drive letter/],
  ['model\0.safetensors', /NUL/],
  ['', /empty/],
  ['a//b', /empty or "\." segment/],
  ['./config.json', /empty or "\." segment/],
  ['dir/', /empty or "\." segment/],
];

for (const [name, reason] of unsafe) {
  test(`rejects ${JSON.stringify(name)}`, () => {
    assert.throws(() => validateHubFileName(name), (e: unknown) => e instanceof UnsafeHubPathError && reason.test(e.message) && e.message.includes(JSON.stringify(name)));
    assert.throws(() => resolveInside(base, name), UnsafeHubPathError);
  });
}

test('revision names cannot climb out of refs/', () => {
  validateRevisionName('main');
  validateRevisionName('refs/pr/1');
  assert.throws(() => validateRevisionName('../../x'), UnsafeHubPathError);
  assert.throws(() => validateRevisionName('/abs'), UnsafeHubPathError);
});

let server: HubTestServer;
let root: string;
before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-traversal-'));
  server = await HubTestServer.start([
    { id: 'evil/backslash', files: { 'config.json': '{}', '..\\..\\..\\evil.safetensors': 'pwned' } },
    { id: 'evil/dotdot', files: { 'config.json': '{}', '../../../../evil.json': 'pwned' } },
  ]);
});
after(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('a repo that lists a traversal name fails before writing anything', async () => {
  const cacheDir = path.join(root, 'cache');
  const client = new HubClient({ endpoint: server.url, cacheDir });
  const viaSelection = await downloadSnapshot(client, 'evil/backslash').catch((e: unknown) => e);
  assert.ok(viaSelection instanceof HubError);
  assert.equal(viaSelection.kind, 'unsafePath');
  const explicit = await downloadSnapshot(client, 'evil/dotdot', { files: ['config.json', '../../../../evil.json'] }).catch((e: unknown) => e);
  assert.ok(explicit instanceof HubError);
  assert.equal(explicit.kind, 'unsafePath');
  const everything = fs.readdirSync(root, { recursive: true }).map(String);
  assert.ok(!everything.some((f) => f.includes('evil.')), everything.join(', '));
  assert.ok(!server.requests.some((r) => r.path.includes('/resolve/')), 'no file was requested');
});
