// `finetune-studio list`, `eval` and `export` judge a run by its true state (run.json + whether its trainer is still
// there): one run folder per state, listed through the real CLI as a table and as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOST = os.hostname();

const cli = (...args: string[]) => child_process.spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });

function writeRun(root: string, id: string, fields: Record<string, unknown>, lease?: { pid: number }): string {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  const old = new Date(Date.now() - 120_000).toISOString();
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
    id, createdAt: old, updatedAt: old, config: { model: '/models/tiny-bert', data: '/d.csv', strategy: 'full' }, totalSteps: 40, step: 20, ...fields,
  }));
  if (lease) {
    const now = new Date().toISOString();
    fs.writeFileSync(path.join(dir, 'lease.json'), JSON.stringify({ pid: lease.pid, host: HOST, startedAt: old, heartbeat: now }));
  }
  return dir;
}

test('list shows every state with its step, who trains a live run, and the resume command for the others', () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-list-'));
  const dead = Number(child_process.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  try {
    // This test process stands in for a live trainer.
    writeRun(root, '20261203-000006-running', { status: 'running' }, { pid: process.pid });
    writeRun(root, '20261203-000005-paused', { status: 'running', pausedAt: 23 }, { pid: process.pid });
    const interrupted = writeRun(root, '20261203-000004-interrupted', { status: 'running' }, { pid: dead });
    const cancelled = writeRun(root, '20261203-000003-cancelled', { status: 'cancelled', step: 31 });
    const failed = writeRun(root, '20261203-000002-failed', { status: 'failed', error: 'the loss became NaN at step 13 (lr 3.00e-3): lower the learning rate or check the labels.', errorStep: 12 });
    writeRun(root, '20261203-000001-completed', { status: 'completed', step: 40, bestMetric: { name: 'macroF1', value: 0.8125, step: 40 } });

    const r = cli('list', '--runs', root);
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.split('\n');
    assert.deepEqual(out[0].split(/\s{2,}/), ['RUN', 'STATE', 'STEP', 'STRATEGY', 'MODEL', 'BEST']);
    const rows = out.filter((l) => /^2026/.test(l)).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows.map((c) => [c[0].replace(/^\d+-\d+-/, ''), c[1], c[2]]), [
      ['running', 'running', '20/40'], ['paused', 'paused', '23/40'], ['interrupted', 'interrupted', '20/40'],
      ['cancelled', 'cancelled', '31/40'], ['failed', 'failed', '12/40'], ['completed', 'completed', '40/40'],
    ]);
    assert.equal(rows[5][5], 'macroF1 0.8125');
    const detailOf = (id: string) => out[out.findIndex((l) => l.startsWith(id)) + 1];
    assert.match(detailOf('20261203-000006-running'), new RegExp(`^  running \\(checkpoint at step 20/40\\) · trained by process ${process.pid} on ${HOST} since `));
    assert.equal(detailOf('20261203-000005-paused'), `  paused at step 23/40 · held by process ${process.pid} on ${HOST}`);
    assert.equal(detailOf('20261203-000004-interrupted'), `  interrupted — resume with: finetune-studio train --resume ${interrupted}  (stopped at step 20: process ${dead} on ${HOST} is gone)`);
    assert.equal(detailOf('20261203-000003-cancelled'), `  cancelled — resume with: finetune-studio train --resume ${cancelled}`);
    assert.equal(detailOf('20261203-000002-failed'), `  failed — resume with: finetune-studio train --resume ${failed}  (failed at step 12: the loss became NaN at step 13 (lr 3.00e-3): lower the learning rate or check the labels.)`);
    assert.ok(!/^ /.test(out[out.findIndex((l) => l.startsWith('20261203-000001-completed')) + 1] ?? ''), 'a completed run needs no second line');

    const json = cli('list', '--runs', root, '--json').stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(json.map((j) => j.state), ['running', 'paused', 'interrupted', 'cancelled', 'failed', 'completed']);
    assert.deepEqual(json.map((j) => j.resume !== undefined), [false, false, true, true, true, false]);
    assert.equal(json[2].owner.pid, dead);
    assert.equal(json[4].error.startsWith('the loss became NaN'), true);
    assert.equal(json[4].errorStep, 12);

    // eval and export of a run that is not completed say its true state and how to finish it.
    const ev = cli('eval', '--run', interrupted);
    assert.equal(ev.status, 1);
    assert.equal(ev.stderr.trim(), `error: ${interrupted}: the run has no exported model yet (interrupted — resume with: finetune-studio train --resume ${interrupted}); a model is exported when the run completes.`);
    fs.mkdirSync(path.join(interrupted, 'model'));
    fs.writeFileSync(path.join(interrupted, 'model', 'config.json'), '{}');
    const ex = cli('export', '--run', interrupted, '--out', path.join(root, 'out'));
    assert.equal(ex.status, 1);
    assert.equal(ex.stderr.trim(), `error: ${interrupted}: the run is interrupted, not completed (interrupted at step 20/40 (process ${dead} on ${HOST} is gone); Resume continues from the last checkpoint); its model/ folder is from an earlier export. Finish it first: finetune-studio train --resume ${interrupted}`);
    assert.ok(!fs.existsSync(path.join(root, 'out')));
    // eval of a model/ an interrupted run holds says first what that model is (this one then fails on its '{}').
    const noted = cli('eval', '--run', interrupted);
    assert.equal(noted.stderr.split('\n')[0], `note: 20261203-000004-interrupted is interrupted at step 20/40 (process ${dead} on ${HOST} is gone); Resume continues from the last checkpoint; evaluating the model/ folder of an earlier export. To finish the run: finetune-studio train --resume ${interrupted}`);

    const empty = cli('list', '--runs', path.join(root, 'none'));
    assert.equal(empty.status, 0);
    assert.match(empty.stderr, /^no runs in .*none \(train one with: finetune-studio train, or point --runs at a runs folder\)\n$/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
