// A LoRA run's strategy in the Runs view and the comparison table reads "LoRA r=8 α=16" (or "partial + LoRA …"), from
// run.json's settings as written to disk and read back; runs without LoRA read as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveArgs } from '../../../src/training/hyperparameters';
import type { RunSettings } from '../../../src/training/protocol';
import { readRunSummary } from '../../../src/training/runSummaries';
import { writeRun, type RunRecord } from '../../../src/training/runStore';
import type { StrategyId } from '../../../src/training/strategies';
import { runItemLook } from '../../../src/views/runItemPresentation';
import { runStrategyLabel } from '../../../src/views/runStrategyLabel';
import { comparisonRow } from '../../../src/webview/comparisonTable';

function record(strategy: StrategyId, settings: RunSettings): RunRecord {
  return {
    id: 'run-a', status: 'completed', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:10:00Z',
    config: { model: '/models/tiny-bert', data: '/data/train.csv', strategy, runsRoot: '/runs', settings },
    model: { path: '/models/tiny-bert', modelType: 'bert' },
    dataset: { path: '/data/train.csv', fingerprint: 'sha256:0', labels: ['neg', 'pos'], trainRows: 80, evalRows: 20 },
    versions: {}, device: { executionProvider: 'cpu', reason: 'default' }, totalSteps: 30, step: 30,
  };
}

/** A run folder with that run.json, read back as the Runs view reads it. */
function summaryOf(run: RunRecord) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-lora-label-'));
  writeRun(dir, run);
  try {
    return readRunSummary(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the label: LoRA with its rank and alpha, composed strategies with "+ LoRA", others unchanged', () => {
  assert.equal(runStrategyLabel('lora', { loraRank: 8, loraAlpha: 16 }), 'LoRA r=8 α=16');
  assert.equal(runStrategyLabel('partial', { adapter: 'lora', loraRank: 4, loraAlpha: 8 }), 'partial + LoRA r=4 α=8');
  assert.equal(runStrategyLabel('lora', { loraRank: 16, loraAlpha: 16, useRslora: true }), 'LoRA r=16 α=16 (rsLoRA)');
  // A hand-written run.json without them: the trainer's defaults ran.
  assert.equal(runStrategyLabel('lora', {}), 'LoRA r=8 α=16');
  assert.equal(runStrategyLabel('partial', { adapter: 'none', loraRank: 4 }), 'partial');
  assert.equal(runStrategyLabel('full', undefined), 'full');
});

test('the Runs view and the comparison row name a LoRA run from run.json\'s resolved settings', () => {
  // run.json holds the resolved settings (defaults included), as the trainer writes them.
  const lora = record('lora', { ...resolveArgs({ loraRank: 4, loraAlpha: 32 }) } as unknown as RunSettings);
  assert.match(runItemLook(summaryOf(lora)).description, /^completed · step 30\/30 · LoRA r=4 α=32 · tiny-bert$/);
  assert.equal(comparisonRow({ dir: '/runs/run-a', run: lora, entries: [] }).strategy, 'LoRA r=4 α=32');
  const gradual = record('gradual-unfreezing', { ...resolveArgs({ adapter: 'lora' }) } as unknown as RunSettings);
  assert.match(runItemLook(summaryOf(gradual)).description, / · gradual-unfreezing \+ LoRA r=8 α=16 · /);
  assert.equal(comparisonRow({ dir: '/runs/run-a', run: gradual, entries: [] }).strategy, 'gradual-unfreezing + LoRA r=8 α=16');
  // A run that continued a PEFT adapter folder: no LoRA settings (the folder fixes them), run.json's lora says them.
  const continued = { ...record('lora', { ...resolveArgs({}) } as unknown as RunSettings), lora: { rank: 16, alpha: 32, dropout: 0.1, useRslora: false, scaling: 2, targetModules: ['query', 'value'], modulesToSave: ['classifier'], adaptedModules: 4, fromAdapter: '/a' } };
  assert.match(runItemLook(summaryOf(continued)).description, / · LoRA r=16 α=32 · tiny-bert$/);
  assert.equal(comparisonRow({ dir: '/runs/run-a', run: continued, entries: [] }).strategy, 'LoRA r=16 α=32');
  const full = record('full', { ...resolveArgs({}) } as unknown as RunSettings);
  assert.match(runItemLook(summaryOf(full)).description, / · full · tiny-bert$/);
  assert.equal(comparisonRow({ dir: '/runs/run-a', run: full, entries: [] }).strategy, 'full');
});
