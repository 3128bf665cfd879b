// A report never says more than the run did: its state line for each true state (runStatus.ts), built from a
// run.json and metrics of a run that logged the same steps whatever happened to it afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toMarkdown } from '../../../src/reports/reportDocument';
import { runReportBlocks } from '../../../src/reports/runReport';
import type { MetricsEntry } from '../../../src/training/protocol';
import type { RunState, RunStateInfo } from '../../../src/training/runStatus';
import type { RunRecord } from '../../../src/training/runStore';

const DIR = '/ws/.finetune/runs/20261207-100000-tiny-bert-full';
const owner = { pid: 4242, host: 'box', startedAt: '2026-12-07T09:00:00.000Z', heartbeat: '2026-12-07T09:59:55.000Z' };

const STATES: Record<RunState, RunStateInfo> = {
  running: { state: 'running', step: 20, totalSteps: 50, owner },
  paused: { state: 'paused', step: 20, totalSteps: 50, owner, pausedAt: 23 },
  interrupted: { state: 'interrupted', step: 20, totalSteps: 50, owner, why: 'process 4242 on box is gone' },
  cancelled: { state: 'cancelled', step: 31, totalSteps: 50 },
  failed: { state: 'failed', step: 20, totalSteps: 50, error: 'the loss became NaN at step 13', errorStep: 12 },
  completed: { state: 'completed', step: 50, totalSteps: 50 },
};

const run = {
  id: '20261207-100000-tiny-bert-full', status: 'running', createdAt: '2026-12-07T10:00:00.000Z', updatedAt: '2026-12-07T10:01:00.000Z', totalSteps: 50, step: 20,
  config: { model: '/m/tiny-bert', data: '/d/a.csv', strategy: 'full', runsRoot: '/ws/.finetune/runs', settings: { epochs: 5, learningRate: 3e-5 } },
  model: { path: '/m/tiny-bert', modelType: 'bert' },
  dataset: { path: '/d/a.csv', fingerprint: 'sha256:0', labels: ['<neg>', 'pos|itive'], trainRows: 80, evalRows: 20 },
  versions: { finetuneStudio: '0.1.0' }, device: { executionProvider: 'cpu', reason: 'test' },
} as unknown as RunRecord;

const entries: MetricsEntry[] = [
  { type: 'train', step: 10, epoch: 1, loss: 0.7, lr: 3e-5, samplesPerSecond: 10, tokensPerSecond: 100 },
  { type: 'eval', step: 10, epoch: 1, metrics: { accuracy: 0.6, loss: 0.68 }, perClass: [{ label: '<neg>', precision: 0.5, recall: 0.4, f1: 0.444, support: 10, predicted: 8 }, { label: 'pos|itive', precision: 0.7, recall: 0.8, f1: 0.747, support: 10, predicted: 12 }], confusion: [[4, 6], [2, 8]] },
];

const md = (state: RunStateInfo) => toMarkdown(runReportBlocks({ dir: DIR, run, entries, state, charts: [] }));

test('every state is named in bold at the top; only a completed run reads as completed; the stopped ones say how to resume', () => {
  for (const [name, info] of Object.entries(STATES) as [RunState, RunStateInfo][]) {
    const text = md(info);
    const stateLine = text.split('\n').find((l) => l.startsWith('**State'));
    assert.ok(stateLine, `${name}: a state line`);
    if (name === 'completed') assert.match(stateLine, /^\*\*State:\*\* completed \(50\/50 steps\)/);
    else {
      assert.match(stateLine, new RegExp(`^\\*\\*State: ${name.toUpperCase()}\\*\\*`), name);
      assert.doesNotMatch(text, /State:\*\* completed/, name);
    }
    const resumable = name === 'interrupted' || name === 'cancelled' || name === 'failed';
    assert.equal(text.includes(`Resume with \`finetune-studio train --resume ${DIR}\``), resumable, `${name}: resume hint`);
    if (name === 'running' || name === 'paused') assert.match(stateLine, /still in progress: the figures below are a snapshot/);
  }
  assert.match(md(STATES.paused), /paused at step 23\/50 · held by process 4242 on box/);
  assert.match(md(STATES.failed), /failed at step 12\/50: the loss became NaN at step 13/);
});

test('an unfinished run without a summary says its final figures are the last evaluation, and its summary is not written', () => {
  const text = md(STATES.interrupted);
  assert.match(text, /Final: the last evaluation \(step 10; the run has written no summary\)/);
  assert.match(text, /\| Summary \| not written yet/);
});

test('labels with Markdown or HTML characters stay text in the tables', () => {
  const text = md(STATES.completed);
  assert.ok(text.includes('| \\<neg\\> | 0.5000 | 0.4000 |'), text);
  assert.ok(text.includes('| pos\\|itive | 0.7000 |'));
});
