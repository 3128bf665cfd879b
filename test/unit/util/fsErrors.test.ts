// Issue 19 item 5: a file-system failure names the path, what happened and what to do; Node's code stays on the error.
import { afterEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendLineSync, writeFileAtomic, writeFolderAtomic } from '../../../src/util/atomicWrite';
import { FileSystemError, asFsError, describeFsError } from '../../../src/util/fsErrors';
import { createRunDir, saveCheckpoint } from '../../../src/training/runStore';

const nodeFs: typeof fs = require('node:fs');
const temps: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-errors-'));
  temps.push(d);
  return d;
};
afterEach(() => {
  mock.restoreAll();
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An error shaped as Node raises it (code, errno, syscall, path). */
function errno(code: string, errnoValue: number, syscall: string, p?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall}${p ? ` '${p}'` : ''}`), { code, errno: errnoValue, syscall, ...(p ? { path: p } : {}) });
}

const thrown = (fn: () => unknown): FileSystemError => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FileSystemError, `not a FileSystemError: ${(e as Error).stack}`);
    return e;
  }
  assert.fail('no error was thrown');
};

test('ENOSPC from a real device names the file and the fix (Node says only "no space left on device, write")', () => {
  const e = thrown(() => appendLineSync('/dev/full', '{"type":"train"}'));
  assert.equal(e.message, "/dev/full: no space left on the device (ENOSPC while appending to it); free disk space there (old runs' checkpoints are usually the bulk) or choose a folder on another disk");
  assert.equal(e.code, 'ENOSPC');
  assert.equal(e.path, '/dev/full');
});

test('ENOSPC in the middle of an atomic write names the file and leaves no temporary behind', () => {
  const dir = tempDir();
  const file = path.join(dir, 'run.json');
  mock.method(nodeFs, 'writeSync', () => {
    throw errno('ENOSPC', -28, 'write');
  });
  const e = thrown(() => writeFileAtomic(file, 'x'.repeat(100)));
  assert.equal(e.message, `${file}: no space left on the device (ENOSPC while writing it); free disk space there (old runs' checkpoints are usually the bulk) or choose a folder on another disk`);
  mock.restoreAll();
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('EROFS on mkdir of the runs folder names the folder and where to choose another', () => {
  const root = path.join(tempDir(), 'runs');
  mock.method(nodeFs, 'mkdirSync', (p: fs.PathLike) => {
    throw errno('EROFS', -30, 'mkdir', String(p));
  });
  const e = thrown(() => createRunDir(root, '/models/tiny-bert', 'full'));
  assert.equal(e.message, `${root}: the file system is read-only (EROFS while creating the runs folder); choose a folder on a writable disk (for runs: the finetuneStudio.runsFolder setting or the CLI's --runs)`);
  assert.equal(e.code, 'EROFS');
});

test('a runs folder below a file (ENOTDIR, real) and a checkpoint on a full disk name their paths', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'afile'), '');
  const root = path.join(dir, 'afile', 'runs');
  const e = thrown(() => createRunDir(root, 'm', 'full'));
  assert.equal(e.message, `${root}: a part of the path is a file, not a folder (ENOTDIR while creating the runs folder); remove or rename that file, or choose another path`);

  const run = createRunDir(path.join(dir, 'runs'), 'm', 'full').dir;
  mock.method(nodeFs, 'writeSync', () => {
    throw errno('ENOSPC', -28, 'write');
  });
  const c = thrown(() => saveCheckpoint(run, 3, { 'weights.safetensors': new Uint8Array(8) }, { step: 3 }));
  assert.match(c.message, new RegExp(`^${run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/checkpoints/step-00000003\\.tmp-\\d+/weights\\.safetensors: no space left on the device \\(ENOSPC while writing it\\); free disk space`));
  mock.restoreAll();
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints')).filter((n) => !n.includes('.tmp-')), [], 'no half checkpoint is listed');
});

test('a folder export that cannot write names the target folder', () => {
  const dir = path.join(tempDir(), 'model');
  mock.method(nodeFs, 'mkdirSync', (p: fs.PathLike) => {
    throw errno('EACCES', -13, 'mkdir', String(p));
  });
  const e = thrown(() => writeFolderAtomic(dir, () => []));
  assert.equal(e.message, `${dir}: permission denied (EACCES while writing the folder); make it writable for this user (chmod/chown) or choose another folder`);
});

test('the existing-folder retry of createRunDir still sees EEXIST; non-OS errors pass unchanged', () => {
  const root = tempDir();
  const a = createRunDir(root, 'm', 'full');
  const b = createRunDir(root, 'm', 'full');
  assert.notEqual(a.dir, b.dir);
  const bug = new TypeError('x is not a function');
  assert.equal(asFsError(bug, '/p', 'writing it'), bug);
  assert.equal(describeFsError(errno('EWEIRD', -999, 'open'), '/p', 'opening it'), '/p: opening it failed: EWEIRD: open');
});

test('an unwrapped file-system error ending a run gets its path, or the run folder for a write on a descriptor', () => {
  const { explainFsError } = require('../../../src/util/fsErrors') as typeof import('../../../src/util/fsErrors');
  const withPath = explainFsError(errno('EACCES', -13, 'open', '/runs/r1/artifacts/training_model.onnx'), '/runs/r1') as Error;
  assert.equal(withPath.message, '/runs/r1/artifacts/training_model.onnx: permission denied (EACCES while calling open); make it writable for this user (chmod/chown) or choose another folder');
  const onFd = explainFsError(errno('ENOSPC', -28, 'write'), '/runs/r1') as Error;
  assert.equal(onFd.message, "/runs/r1: no space left on the device (ENOSPC while writing in this folder (write)); free disk space there (old runs' checkpoints are usually the bulk) or choose a folder on another disk");
  // A read on a descriptor, or no run folder yet: nothing true to add.
  const read = errno('EIO', -5, 'read');
  assert.equal(explainFsError(read, '/runs/r1'), read);
  const early = errno('ENOSPC', -28, 'write');
  assert.equal(explainFsError(early, undefined), early);
});
