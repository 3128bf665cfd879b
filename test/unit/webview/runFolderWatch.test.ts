import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { folderSignature, watchRunFolder } from '../../../src/webview/runFolderWatch';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('signature changes with an append or an atomic rewrite, not with other files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-'));
  const s0 = folderSignature(dir);
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{}\n');
  const s1 = folderSignature(dir);
  assert.notEqual(s1, s0);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
  assert.equal(folderSignature(dir), s1);
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{}\n');
  const s2 = folderSignature(dir);
  assert.notEqual(s2, s1);
  fs.writeFileSync(path.join(dir, 'run.json.tmp'), '{}');
  fs.renameSync(path.join(dir, 'run.json.tmp'), path.join(dir, 'run.json'));
  assert.notEqual(folderSignature(dir), s2);
});

test('the watcher reports appends and stays quiet while nothing changes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-'));
  let calls = 0;
  const w = watchRunFolder(dir, () => calls++, 20);
  try {
    await sleep(150);
    assert.equal(calls, 0, 'no change, no call');
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"type":"train"}\n');
    for (let i = 0; i < 50 && calls === 0; i++) await sleep(20);
    assert.ok(calls >= 1);
    const after = calls;
    await sleep(150);
    assert.equal(calls, after, 'quiet again once the change was reported');
  } finally {
    w.dispose();
  }
});
