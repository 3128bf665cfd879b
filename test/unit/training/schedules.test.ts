// Expected values are worked out by hand from the formulas in transformers/optimization.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRate, lrMultiplier, resolveWarmupSteps, ScheduleOptions } from '../../../src/training/worker/schedules';

const base = (name: ScheduleOptions['name'], extra: Partial<ScheduleOptions> = {}): ScheduleOptions => ({ name, warmupSteps: 10, totalSteps: 110, baseLr: 2e-5, ...extra });
const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ''} ${a} != ${b}`);

test('warmup is linear from 0 for every warmup schedule', () => {
  for (const name of ['constant_with_warmup', 'linear', 'cosine', 'cosine_with_restarts', 'polynomial'] as const) {
    close(lrMultiplier(0, base(name)), 0, name);
    close(lrMultiplier(4, base(name)), 0.4, name);
    close(lrMultiplier(10, base(name)), 1, name);
  }
  close(lrMultiplier(0, base('constant')), 1);
});

test('linear decays to zero at the last step', () => {
  close(lrMultiplier(60, base('linear')), 0.5); // (110-60)/(110-10)
  close(lrMultiplier(110, base('linear')), 0);
  close(lrMultiplier(200, base('linear')), 0);
  close(learningRate(85, base('linear')), 2e-5 * 0.25);
});

test('cosine: half a wave by default; restarts repeat the wave', () => {
  close(lrMultiplier(60, base('cosine')), 0.5); // progress 0.5 → 0.5(1+cos(pi/2))
  close(lrMultiplier(35, base('cosine')), 0.5 * (1 + Math.SQRT1_2)); // progress 0.25 → cos(pi/4)
  close(lrMultiplier(110, base('cosine')), 0);
  const r = base('cosine_with_restarts', { numCycles: 2 });
  close(lrMultiplier(35, r), 0.5); // progress .25 → (2*.25)%1 = .5 → 0.5(1+cos(pi/2))
  close(lrMultiplier(60, r), 1); // progress .5 → restart at the top
  close(lrMultiplier(110, r), 0);
});

test('polynomial with power 2 reaches lr_end', () => {
  const o = base('polynomial', { power: 2, lrEnd: 1e-7 });
  // remaining 0.5 → (2e-5 - 1e-7) * 0.25 + 1e-7
  close(learningRate(60, o), (2e-5 - 1e-7) * 0.25 + 1e-7);
  close(learningRate(110, o), 1e-7);
  close(learningRate(500, o), 1e-7);
  assert.throws(() => lrMultiplier(50, base('polynomial', { lrEnd: 1 })), /lr_end/);
});

test('warmup ratio rounds up like HF; explicit steps win', () => {
  assert.equal(resolveWarmupSteps(95, undefined, 0.1), 10);
  assert.equal(resolveWarmupSteps(95, 3, 0.1), 3);
  assert.equal(resolveWarmupSteps(95, 0, 0), 0);
});
