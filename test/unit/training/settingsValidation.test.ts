// Issue 19 item 5: every setting is checked in one place, with the key, the allowed range and the value as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CPU_CORES, SettingsError, checkArgsForTask, describeValue, resolveArgs } from '../../../src/training/hyperparameters';
import { resolveSetFitSettings } from '../../../src/training/setfit/settings';
import { metricNames } from '../../../src/training/worker/evaluate';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SettingsError, `not a SettingsError: ${(e as Error).stack}`);
    return e.message;
  }
  assert.fail('no error was thrown');
};

test('a number JSON read as Infinity (1e999) is named as such, never as "got null"', () => {
  const big = JSON.parse('{"learningRate": 1e999, "warmupRatio": -1e999}') as Record<string, unknown>;
  assert.equal(
    messageOf(() => resolveArgs(big)),
    'Invalid training settings:\n' +
    '- "learningRate" must be a finite number: a positive number, got Infinity (a number beyond ±1.8e308, such as 1e999, reads as Infinity)\n' +
    '- "warmupRatio" must be a finite number: a number in [0, 1), got -Infinity (a number beyond ±1.8e308, such as 1e999, reads as -Infinity)',
  );
  assert.equal(messageOf(() => resolveArgs({ weightDecay: NaN })), 'Invalid training settings:\n- "weightDecay" must be a finite number: a number >= 0, got NaN');
  assert.equal(messageOf(() => resolveSetFitSettings({ setfitHeadC: Infinity })), 'Invalid SetFit settings:\n- "setfitHeadC" must be a finite number: a positive number, got Infinity (a number beyond ±1.8e308, such as 1e999, reads as Infinity)');
  assert.equal(describeValue(null), 'null');
});

test('keys that name Object.prototype members are unknown settings, not "check is not a function"', () => {
  for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    const settings = JSON.parse(`{"${key}": 1}`) as Record<string, unknown>;
    assert.ok(Object.hasOwn(settings, key));
    assert.match(messageOf(() => resolveArgs(settings)), new RegExp(`^Invalid training settings:\\n- unknown setting "${key}"`));
    assert.match(messageOf(() => resolveSetFitSettings(settings)), new RegExp(`unknown setting "${key}"`));
  }
});

test('settings that are not an object are refused by what they are, not "Cannot read properties of null"', () => {
  for (const [value, shown] of [[null, 'null'], [[1], '[1]'], ['fast', '"fast"']] as const) {
    const expected = `Invalid training settings: expected an object of settings such as { "learningRate": 2e-5 }, got ${shown}`;
    assert.equal(messageOf(() => resolveArgs(value as never)), expected);
    assert.equal(messageOf(() => resolveSetFitSettings(value as never)), expected);
  }
  assert.equal(messageOf(() => resolveArgs({ earlyStopping: null })), 'Invalid training settings:\n- "earlyStopping" must be an object { metric, patience, threshold, mode }, got null');
});

test('threads is bounded by twice the machine\'s cores', () => {
  assert.equal(resolveArgs({ threads: CPU_CORES * 2 }).threads, CPU_CORES * 2);
  assert.equal(
    messageOf(() => resolveArgs({ threads: CPU_CORES * 2 + 1 })),
    `Invalid training settings:\n- "threads" must be an integer from 0 to ${CPU_CORES * 2} (this machine has ${CPU_CORES} cores; 0 chooses by timing), got ${CPU_CORES * 2 + 1}`,
  );
});

test('earlyStopping fields are typed: threshold, mode and unknown keys', () => {
  assert.equal(messageOf(() => resolveArgs({ earlyStopping: { metric: 'loss', patience: 2, mode: 'up' } })), 'Invalid training settings:\n- "earlyStopping" must be an object whose "mode" is "max" or "min", got {"metric":"loss","patience":2,"mode":"up"}');
  assert.equal(messageOf(() => resolveArgs({ earlyStopping: { metric: 'loss', threshold: -1 } })), 'Invalid training settings:\n- "earlyStopping" must be an object whose "threshold" is a number >= 0, got {"metric":"loss","threshold":-1}');
  assert.equal(messageOf(() => resolveArgs({ earlyStopping: { metric: 'loss', patiance: 3 } })), 'Invalid training settings:\n- "earlyStopping" must be an object { metric, patience, threshold, mode } (unknown key "patiance"), got {"metric":"loss","patiance":3}');
  // Unset fields still take their defaults.
  assert.deepEqual(resolveArgs({ earlyStopping: { metric: 'macroF1' } }).earlyStopping, { metric: 'macroF1', patience: 1, threshold: 0, mode: 'max' });
});

test('an unknown early-stopping metric is refused with the metrics the task reports', () => {
  const args = resolveArgs({ earlyStopping: { metric: 'f1', patience: 2 } });
  assert.equal(
    messageOf(() => checkArgsForTask(args, { task: 'single-label', numLayers: 2 })),
    'Invalid training settings:\n- "earlyStopping.metric" must be one of the metrics a single-label evaluation reports (loss, accuracy, macroF1, microF1, weightedF1), got "f1" (did you mean "macroF1"?)',
  );
  assert.equal(
    messageOf(() => checkArgsForTask(resolveArgs({ earlyStopping: { metric: 'accuracy' } }), { task: 'regression', numLayers: 2 })),
    'Invalid training settings:\n- "earlyStopping.metric" must be one of the metrics a regression evaluation reports (loss, mse, rmse, mae, r2, pearson), got "accuracy"',
  );
  for (const task of ['single-label', 'multi-label', 'regression', 'masked-lm'] as const) {
    for (const metric of metricNames(task)) checkArgsForTask(resolveArgs({ earlyStopping: { metric } }), { task, numLayers: 2 });
  }
});

test('unfreezeSchedule and freezeLayers must name layers the model has', () => {
  assert.equal(
    messageOf(() => resolveArgs({ unfreezeSchedule: [[1], [-1]] })),
    'Invalid training settings:\n- "unfreezeSchedule" must be a list of layer-index lists (integers >= 0), one per epoch, got [[1],[-1]]',
  );
  const args = resolveArgs({ unfreezeSchedule: [[1], [0, 2, 5]], freezeLayers: 3 });
  assert.equal(
    messageOf(() => checkArgsForTask(args, { task: 'single-label', numLayers: 2 })),
    'Invalid training settings:\n' +
    '- "unfreezeSchedule" must list layer indices from 0 to 1 (the model has 2 layers), got 2, 5 for epoch 1\n' +
    '- "freezeLayers" must be an integer from 0 to 2 (the model has 2 layers), got 3',
  );
  checkArgsForTask(resolveArgs({ unfreezeSchedule: [[1], [0]], freezeLayers: 2 }), { task: 'single-label', numLayers: 2 });
});

test('metricNames lists exactly the metrics evaluate reports for each task', async () => {
  const { evaluate } = await import('../../../src/training/worker/evaluate');
  type B = Parameters<typeof evaluate>[1][number];
  const cases = [
    { task: 'single-label', logits: [2, 0, 0, 1], labels: [0, 1], seqLen: 1 },
    { task: 'multi-label', logits: [1, -1, -1, 1], labels: [[0], [1]], seqLen: 1 },
    { task: 'regression', logits: [0.5, 1.5], labels: [0, 2], seqLen: 1 },
    { task: 'masked-lm', logits: [1, 0, 0, 1], labels: [[0], [1]], seqLen: 1 },
  ] as const;
  for (const c of cases) {
    const batch = { size: 2, labels: c.labels, seqLen: c.seqLen } as unknown as B;
    const r = await evaluate(async () => Float32Array.from(c.logits), [batch], c.task, ['a', 'b']);
    assert.deepEqual(Object.keys(r.metrics).sort(), [...metricNames(c.task)].sort(), c.task);
  }
});
