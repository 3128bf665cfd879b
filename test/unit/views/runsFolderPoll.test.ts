// The views follow the runs folders by polling a signature (src/views/runsFolderPoll.ts): the Models view's
// "Fine-tuned" section refreshes once per export that appears (renamed into <run>/model as the trainer does), is
// replaced or goes away, and not for metrics or checkpoints; the Runs view refreshes once per run folder created or
// deleted and per run.json rewritten, with no file watcher involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunsFolderPoll } from '../../../src/views/runsFolderPoll';
import { RUN_EXPORT_FILE, RUN_RECORD_FILE } from '../../../src/views/runsFolderSignature';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exportModel(runDir: string): void {
  // As writeFolderAtomic: a staging folder renamed into place.
  const staging = path.join(runDir, `model.tmp-${process.pid}`);
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, 'config.json'), '{"model_type":"bert"}');
  fs.rmSync(path.join(runDir, 'model'), { recursive: true, force: true });
  fs.renameSync(staging, path.join(runDir, 'model'));
}

function writeRecord(runDir: string, record: object): void {
  // As writeJsonAtomic: a temporary file renamed over run.json.
  fs.mkdirSync(runDir, { recursive: true });
  const tmp = path.join(runDir, `run.json.tmp-${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(record));
  fs.renameSync(tmp, path.join(runDir, 'run.json'));
}

test('a run export appearing, replaced or deleted refreshes once per change; training writes do not', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-exports-'));
  let refreshes = 0;
  const watch = new RunsFolderPoll(() => [root, path.join(root, 'not-created-yet')], RUN_EXPORT_FILE, () => refreshes++, 60_000);
  try {
    const run = path.join(root, '20261203-100000-tiny-bert-full');
    fs.mkdirSync(path.join(run, 'checkpoints'), { recursive: true });
    watch.check();
    assert.equal(refreshes, 1, 'a new run folder');
    fs.writeFileSync(path.join(run, 'metrics.jsonl'), '{"type":"train","step":1}\n');
    fs.writeFileSync(path.join(run, 'checkpoints', 'step-1.bin'), 'x');
    fs.writeFileSync(path.join(run, 'run.json'), '{}');
    watch.check();
    assert.equal(refreshes, 1, 'metrics, checkpoints and run.json writes change nothing the section shows');
    exportModel(run);
    watch.check();
    assert.equal(refreshes, 2, 'the export appeared');
    watch.check();
    assert.equal(refreshes, 2, 'no change, no refresh');
    exportModel(run);
    watch.check();
    assert.equal(refreshes, 3, 'the export was replaced (a new inode)');
    fs.rmSync(run, { recursive: true });
    watch.check();
    assert.equal(refreshes, 4, 'the run was deleted');
  } finally {
    watch.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('run records: a run folder created, its run.json written and rewritten, and deleted each refresh once; metrics do not', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-records-'));
  let refreshes = 0;
  const watch = new RunsFolderPoll(() => [root], RUN_RECORD_FILE, () => refreshes++, 60_000);
  try {
    const run = path.join(root, '20261203-100000-tiny-bert-full');
    fs.mkdirSync(run);
    watch.check();
    assert.equal(refreshes, 1, 'a new run folder');
    writeRecord(run, { status: 'running', step: 0 });
    watch.check();
    assert.equal(refreshes, 2, 'its record appeared');
    fs.appendFileSync(path.join(run, 'metrics.jsonl'), '{"type":"train","step":1}\n');
    watch.check();
    assert.equal(refreshes, 2, 'a metrics line changes nothing the Runs view reads');
    writeRecord(run, { status: 'completed', step: 10 });
    watch.check();
    assert.equal(refreshes, 3, 'the record was rewritten (renamed over: a new inode)');
    watch.check();
    assert.equal(refreshes, 3, 'no change, no refresh');
    fs.rmSync(run, { recursive: true });
    watch.check();
    assert.equal(refreshes, 4, 'the run was deleted');
  } finally {
    watch.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the poll notices a change without anyone calling check()', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-exports-'));
  let refreshes = 0;
  const watch = new RunsFolderPoll(() => [root], RUN_EXPORT_FILE, () => refreshes++, 20);
  try {
    exportModel(path.join(root, 'r1'));
    for (let i = 0; i < 100 && refreshes === 0; i++) await sleep(10);
    assert.equal(refreshes, 1);
  } finally {
    watch.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
