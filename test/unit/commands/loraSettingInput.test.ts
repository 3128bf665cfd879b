// The quick-pick flow under LoRA: rank and alpha boxes (pre-filled 8 / 16) as partial has its freeze box, the learning
// rate box pre-filled with LoRA's 5e-4 (the trainer's LoRA default), and the boxes checked by the setting rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LORA_LEARNING_RATE } from '../../../src/commands/loraPreview';
import { parseSettingText, settingFields } from '../../../src/commands/settingInput';
import { DEFAULT_ARGS, resolveArgs } from '../../../src/training/hyperparameters';

test('lora asks the common boxes, then rank and alpha, pre-filled with the trainer\'s defaults', () => {
  const fields = settingFields('lora', 12);
  assert.deepEqual(fields.map((f) => f.key), ['learningRate', 'epochs', 'batchSize', 'maxLength', 'warmupRatio', 'weightDecay', 'loraRank', 'loraAlpha']);
  const value = Object.fromEntries(fields.map((f) => [f.key, f.defaultValue]));
  assert.deepEqual([value.loraRank, value.loraAlpha], [DEFAULT_ARGS.loraRank, DEFAULT_ARGS.loraAlpha]);
  assert.deepEqual([value.loraRank, value.loraAlpha], [8, 16]);
  assert.equal(value.learningRate, LORA_LEARNING_RATE);
  // Other strategies keep full fine-tuning's rate and ask no LoRA box.
  assert.equal(settingFields('partial', 12).find((f) => f.key === 'learningRate')!.defaultValue, 2e-5);
  assert.equal(settingFields('partial', 12).some((f) => f.key === 'loraRank' || f.key === 'loraAlpha'), false);
});

test('rank must be a positive integer, alpha a positive number; the accepted values are what the trainer reads', () => {
  const [rank, alpha] = ['loraRank', 'loraAlpha'].map((k) => settingFields('lora', 12).find((f) => f.key === k)!);
  assert.deepEqual(parseSettingText(rank, '16'), { ok: true, value: 16 });
  assert.deepEqual(parseSettingText(rank, ''), { ok: true, value: undefined });
  const half = parseSettingText(rank, '2.5');
  assert.equal(!half.ok && half.problem, '"loraRank" must be a positive integer, got 2.5');
  const zero = parseSettingText(alpha, '0');
  assert.equal(!zero.ok && zero.problem, '"loraAlpha" must be a positive number, got 0');
  assert.deepEqual(parseSettingText(alpha, '32'), { ok: true, value: 32 });
  const args = resolveArgs({ loraRank: 16, loraAlpha: 32 });
  assert.deepEqual([args.loraRank, args.loraAlpha], [16, 32]);
});
