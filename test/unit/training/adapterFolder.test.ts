// Reading PEFT adapter folders: what a LoRA adapter_config.json may say, what is refused with the reason (DoRA, trained
// biases, per-module ranks, a pickle-only adapter), and where its base model is found (a folder, or a Hub id in the
// Hugging Face cache layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSafetensors } from '../../../src/models/safetensors';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, readAdapterFolder, resolveAdapterBase } from '../../../src/training/lora/adapterFolder';

const CONFIG = {
  base_model_name_or_path: 'google-bert/bert-base-uncased', bias: 'none', fan_in_fan_out: false, lora_alpha: 16, lora_dropout: 0.1,
  modules_to_save: ['classifier', 'score'], peft_type: 'LORA', r: 8, rank_pattern: {}, alpha_pattern: {}, target_modules: ['query', 'value'],
  task_type: 'SEQ_CLS', use_dora: false, use_rslora: true, layers_to_transform: null,
};

function folder(config: Record<string, unknown>, weights = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapter-'));
  fs.writeFileSync(path.join(dir, ADAPTER_CONFIG), JSON.stringify(config));
  if (weights) {
    writeSafetensors(path.join(dir, ADAPTER_WEIGHTS), new Map([
      ['base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight', { dtype: 'F32' as const, shape: [8, 4], data: new Float32Array(32).fill(0.5) }],
      ['base_model.model.classifier.weight', { dtype: 'F32' as const, shape: [2, 4], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }],
    ]), { format: 'pt' });
  }
  return dir;
}

test('a PEFT LoRA folder reads back with its config and every tensor under our names', () => {
  const dir = folder(CONFIG);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ id2label: { 1: 'positive', 0: 'negative' } }));
  const a = readAdapterFolder(dir);
  assert.equal(a.taskType, 'SEQ_CLS');
  assert.equal(a.rank, 8);
  assert.equal(a.alpha, 16);
  assert.equal(a.useRslora, true);
  assert.deepEqual(a.targetModules, ['query', 'value']);
  assert.equal(a.layersToTransform, undefined);
  assert.deepEqual([...a.tensors.keys()].sort(), ['bert.encoder.layer.0.attention.self.query.lora_A.weight', 'classifier.weight']);
  assert.deepEqual([...a.tensors.get('classifier.weight')!.data], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(a.labels, ['negative', 'positive'], 'labels in id order');
});

test('adapters the trainer cannot reproduce are refused with the reason', () => {
  const refused = (patch: Record<string, unknown>, pattern: RegExp, weights = true) => assert.throws(() => readAdapterFolder(folder({ ...CONFIG, ...patch }, weights)), pattern);
  refused({ use_dora: true }, /DoRA adapters are not supported/);
  refused({ bias: 'all' }, /only "none"/);
  refused({ peft_type: 'IA3' }, /only LoRA adapters/);
  refused({ task_type: 'CAUSAL_LM' }, /expected SEQ_CLS, TOKEN_CLS or QUESTION_ANS/);
  refused({ rank_pattern: { query: 4 } }, /own rank or alpha/);
  refused({ r: 0 }, /"r" must be a positive integer/);
  refused({ base_model_name_or_path: '' }, /does not say which model it adapts/);
  const binOnly = folder(CONFIG, false);
  fs.writeFileSync(path.join(binOnly, 'adapter_model.bin'), 'pickle');
  assert.throws(() => readAdapterFolder(binOnly), /only adapter_model\.bin, a pickle, which is never loaded/);
});

test('the base model is a folder, or a Hub id found in the Hugging Face cache; else the message says what to do', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-cache-'));
  const snapshot = path.join(cache, 'models--google-bert--bert-base-uncased', 'snapshots', 'abc123');
  fs.mkdirSync(snapshot, { recursive: true });
  fs.writeFileSync(path.join(snapshot, 'config.json'), '{}');
  fs.mkdirSync(path.join(cache, 'models--google-bert--bert-base-uncased', 'refs'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'models--google-bert--bert-base-uncased', 'refs', 'main'), 'abc123');
  const dir = folder(CONFIG);
  assert.equal(await resolveAdapterBase(readAdapterFolder(dir), cache), snapshot);
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'base-'));
  fs.writeFileSync(path.join(local, 'config.json'), '{}');
  assert.equal(await resolveAdapterBase({ dir, baseModel: local }, cache), local);
  await assert.rejects(resolveAdapterBase({ dir, baseModel: 'someone/missing-model' }, cache), /neither a folder here nor in the Hugging Face cache .*download it first/);
});
