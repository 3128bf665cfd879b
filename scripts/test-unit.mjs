// Runs the unit suite (node --test out/test/unit/ or the paths given) with a temporary folder of its own: TMPDIR points
// into one folder that is removed when the suite ends, however its tests ended. The tests make run folders, models
// and zoo repos under os.tmpdir() (hundreds of MB each, some of them per test); left in /tmp, a few suites' worth filled
// a 250 GB disk here and broke a CI run with ENOSPC.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-unit-'));
const targets = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...(targets.length ? targets : ['out/test/unit/'])], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: root },
});
fs.rmSync(root, { recursive: true, force: true });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
