// The quick-pick flow's token-task boxes: one per setting of the run's task, typed text checked with the CLI's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenSetting, tokenSettingDefault, TOKEN_TASK_SETTINGS } from '../../../src/commands/tokenTaskSettings';
import { DEFAULT_ARGS, resolveArgs } from '../../../src/training/hyperparameters';

test('each token task asks its own settings, every one a setting the trainer knows', () => {
  const of = (task: string) => TOKEN_TASK_SETTINGS.filter((f) => f.task === task).map((f) => f.key);
  assert.deepEqual(of('token-classification'), ['stride', 'labelAllSubwords']);
  assert.deepEqual(of('question-answering'), ['docStride', 'maxQuestionLength', 'maxAnswerLength', 'nBestSize', 'nullScoreDiffThreshold']);
  assert.deepEqual(of('classification'), []);
  // Each box is pre-filled with its default, which is accepted as typed; the doc stride's depends on max length, so its
  // box starts empty (the trainer's docStrideFor then decides).
  for (const f of TOKEN_TASK_SETTINGS) {
    const { prefill } = tokenSettingDefault(f.key);
    const parsed = parseTokenSetting(f.key, f.kind, prefill);
    assert.deepEqual(parsed, prefill === '' ? { ok: true } : { ok: true, value: DEFAULT_ARGS[f.key] }, f.key);
  }
  assert.deepEqual(tokenSettingDefault('docStride'), { text: '128, at most a third of max length', prefill: '' });
  assert.deepEqual(tokenSettingDefault('stride'), { text: String(DEFAULT_ARGS.stride), prefill: String(DEFAULT_ARGS.stride) });
});

test('typed text becomes the value; bad text gets resolveArgs\' message; empty is the default', () => {
  assert.deepEqual(parseTokenSetting('stride', 'number', ' 16 '), { ok: true, value: 16 });
  assert.deepEqual(parseTokenSetting('labelAllSubwords', 'boolean', 'true'), { ok: true, value: true });
  assert.deepEqual(parseTokenSetting('docStride', 'number', ''), { ok: true });
  const bad = parseTokenSetting('docStride', 'number', '0');
  assert.deepEqual(bad, { ok: false, problem: '"docStride" must be a positive integer, got 0' });
  assert.throws(() => resolveArgs({ docStride: 0 }), (e: Error) => e.message.includes((bad as { problem: string }).problem));
  assert.deepEqual(parseTokenSetting('labelAllSubwords', 'boolean', 'yes'), { ok: false, problem: '"labelAllSubwords" must be true or false, got "yes"' });
  assert.deepEqual(parseTokenSetting('stride', 'number', 'ten'), { ok: false, problem: '"stride" must be an integer >= 0, got "ten"' });
});
