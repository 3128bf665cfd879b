// The Runs view per true state (src/views/runItemPresentation.ts): icon, description, tooltip, and the context value
// whose package.json menu clauses decide the actions: running → Pause / Cancel, paused → Continue / Cancel,
// interrupted / cancelled / failed → Resume, completed → Export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunState, RunStateInfo } from '../../../src/training/runStatus';
import type { RunSummary } from '../../../src/training/runSummaries';
import { runItemLook } from '../../../src/views/runItemPresentation';

const ROOT = path.resolve(__dirname, '../../../..');
const DIR = '/ws/.finetune/runs/20261203-100000-tiny-bert-full';
const owner = { pid: 4242, host: 'box', startedAt: '2026-12-03T09:00:00.000Z', heartbeat: '2026-12-03T09:59:55.000Z' };

const STATES: Record<RunState, RunStateInfo> = {
  running: { state: 'running', step: 20, totalSteps: 50, owner },
  paused: { state: 'paused', step: 20, totalSteps: 50, owner, pausedAt: 23 },
  interrupted: { state: 'interrupted', step: 20, totalSteps: 50, owner, why: `process 4242 on box is gone` },
  cancelled: { state: 'cancelled', step: 31, totalSteps: 50 },
  failed: { state: 'failed', step: 20, totalSteps: 50, error: 'the loss became NaN at step 13', errorStep: 12 },
  completed: { state: 'completed', step: 50, totalSteps: 50 },
};

const summary = (s: RunStateInfo): RunSummary => ({
  id: path.basename(DIR), dir: DIR, status: s.state, state: s, model: '/models/tiny-bert', strategy: 'full', bestMetric: { name: 'macroF1', value: 0.8125 },
});

/** The run actions each state offers (the open / compare / delete entries every run has are left out). */
const EXPECTED: Record<RunState, string[]> = {
  running: ['cancelRun', 'pauseRun'],
  paused: ['cancelRun', 'continueRun'],
  interrupted: ['resumeRun'],
  cancelled: ['resumeRun'],
  failed: ['resumeRun'],
  completed: ['exportRun', 'pushToHub'],
};
const EVERY_RUN = ['compareSelectedRuns', 'deleteRun', 'exportRunReport', 'openDashboard', 'openRunFolder', 'runOnCluster'];

/** Evaluates the clause forms the Runs view menus use; anything else fails the test instead of being guessed. */
function matches(when: string, viewItem: string): boolean {
  return when.split('||').some((part) => {
    const p = part.trim();
    let m = /^viewItem == (\S+)$/.exec(p);
    if (m) return viewItem === m[1];
    m = /^viewItem =~ \/(.+)\/$/.exec(p);
    if (m) return new RegExp(m[1]).test(viewItem);
    throw new Error(`unsupported when clause "${p}"`);
  });
}

function menuCommandsFor(contextValue: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const items = (pkg.contributes.menus['view/item/context'] as { command: string; when: string }[]).filter((i) => /finetuneStudio\\?\.run\\?\./.test(i.when));
  return items.filter((i) => matches(i.when, contextValue)).map((i) => i.command.replace(/^finetuneStudio\./, '')).sort();
}

test('each state has its context value, and the package.json menus offer exactly its actions', () => {
  for (const [state, info] of Object.entries(STATES) as [RunState, RunStateInfo][]) {
    const look = runItemLook(summary(info));
    assert.equal(look.contextValue, `finetuneStudio.run.${state}`);
    assert.deepEqual(menuCommandsFor(look.contextValue), [...EXPECTED[state], ...EVERY_RUN].sort(), state);
  }
});

test('description, tooltip and icon say the state, the step and what to do next', () => {
  const looks = Object.fromEntries((Object.keys(STATES) as RunState[]).map((s) => [s, runItemLook(summary(STATES[s]))]));
  assert.equal(looks.interrupted.description, 'interrupted — Resume · step 20/50 · full · tiny-bert · best macroF1 0.8125');
  assert.equal(looks.interrupted.tooltip, [
    DIR,
    'interrupted at step 20/50 (process 4242 on box is gone); Resume continues from the last checkpoint',
    `From a terminal: finetune-studio train --resume ${DIR}`,
  ].join('\n'));
  assert.equal(looks.running.description, 'running · full · tiny-bert · best macroF1 0.8125', 'no step: a running run is past its last checkpoint');
  assert.equal(looks.running.tooltip, `${DIR}\nrunning (checkpoint at step 20/50) · trained by process 4242 on box since 2026-12-03T09:00:00.000Z`);
  assert.equal(looks.paused.description, 'paused · step 23 · full · tiny-bert · best macroF1 0.8125');
  assert.equal(looks.failed.description, 'failed — Resume · step 12 · full · tiny-bert · best macroF1 0.8125');
  assert.match(looks.failed.tooltip, /\nfailed at step 12\/50: the loss became NaN at step 13\n/);
  assert.equal(looks.cancelled.description, 'cancelled — Resume · step 31/50 · full · tiny-bert · best macroF1 0.8125');
  assert.equal(looks.completed.tooltip, `${DIR}\ncompleted (50/50 steps)`, 'a completed run needs no resume line');
  const icons = Object.fromEntries(Object.entries(looks).map(([s, l]) => [s, l.icon.id]));
  assert.deepEqual(icons, { running: 'sync~spin', paused: 'debug-pause', interrupted: 'warning', cancelled: 'circle-slash', failed: 'error', completed: 'pass' });
  assert.equal(new Set(Object.values(icons)).size, 6, 'every state looks different');
});

test('a real run folder whose trainer was killed is listed as interrupted by the shared summaries', async () => {
  const { readRunSummaries } = await import('../../../src/training/runSummaries');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runs-view-'));
  try {
    const dir = path.join(root, '20261203-100000-tiny-bert-full');
    fs.mkdirSync(dir);
    const old = new Date(Date.now() - 120_000).toISOString();
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ id: 'x', status: 'running', updatedAt: old, step: 4, totalSteps: 9, config: { model: '/m/tiny-bert', strategy: 'full' } }));
    fs.mkdirSync(path.join(root, 'not-a-run'));
    const [run, ...rest] = readRunSummaries(root);
    assert.equal(rest.length, 0, 'a folder without run.json is not listed');
    assert.equal(run.status, 'interrupted');
    assert.equal(runItemLook(run).contextValue, 'finetuneStudio.run.interrupted');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
