// finetuneStudio.device reaches inference too: the classifier runs on the provider chosen as for training, says which
// and why, and an explicit provider that cannot start is an error, not a silent CPU run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadClassifier } from '../../../src/inference/classifier';
import { ModelCache } from '../../../src/inference/modelCache';
import { chooseDevice, ortBinaryDir } from '../../../src/onnx/device';
import { fixtureModel } from '../models/support';

const NLI = fixtureModel('tiny-nli-bert');
const ZS = { labels: ['sports', 'politics', 'cooking'], hypothesisTemplate: 'This text is about {}.', multiLabel: false };
const TEXTS = ['The team won the match in the last minute.', 'Simmer the sauce for ten minutes.'];
const cudaLibrary = fs.existsSync(path.join(ortBinaryDir(ort), 'libonnxruntime_providers_cuda.so'));
const noWebGpu: Promise<string | false> = chooseDevice(ort, 'webgpu').then(() => false as const, (e: Error) => `no WebGPU adapter here (${e.message.split('.')[0]})`);

test('no device given: the CPU, and the load info says so', async () => {
  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot' });
  try {
    assert.equal(zs.info.device, 'cpu');
    assert.match(zs.info.deviceReason, /cpu/);
  } finally {
    await zs.dispose();
  }
});

test('auto without a CUDA provider library runs on the CPU and says why', { skip: cudaLibrary && 'this machine has the CUDA provider library' }, async () => {
  const zs = await loadClassifier({ folder: NLI, task: 'zero-shot', device: 'auto' });
  try {
    assert.equal(zs.info.device, 'cpu');
    assert.match(zs.info.deviceReason, /^auto: no CUDA provider library/);
  } finally {
    await zs.dispose();
  }
});

test('cuda without its provider library is an error naming the missing file', { skip: cudaLibrary && 'this machine has the CUDA provider library' }, async () => {
  await assert.rejects(loadClassifier({ folder: NLI, task: 'zero-shot', device: 'cuda' }), /finetuneStudio\.device is "cuda" but .*libonnxruntime_providers_cuda\.so is missing/);
});

test('webgpu: the same scores as the CPU, on the WebGPU provider', async (t) => {
  const skip = await noWebGpu;
  if (skip) return t.skip(String(skip));
  const cpu = await loadClassifier({ folder: NLI, task: 'zero-shot', device: 'cpu' });
  const gpu = await loadClassifier({ folder: NLI, task: 'zero-shot', device: 'webgpu' });
  try {
    assert.equal(gpu.info.device, 'webgpu');
    const [a, b] = [await cpu.classify(TEXTS, ZS), await gpu.classify(TEXTS, ZS)];
    a.forEach((r, i) => {
      assert.deepEqual(b[i].scores.map((s) => s.label), r.scores.map((s) => s.label));
      r.scores.forEach((s, k) => assert.ok(Math.abs(s.score - b[i].scores[k].score) < 1e-4, `${s.label}: cpu ${s.score} vs webgpu ${b[i].scores[k].score}`));
    });
  } finally {
    await cpu.dispose();
    await gpu.dispose();
  }
});

test('the model cache keeps a model per device: switching the setting loads it on the new one', async () => {
  const loads: string[] = [];
  const cache = new ModelCache(async (ref) => {
    loads.push(ref.device ?? 'cpu');
    return { info: { folder: ref.folder, task: ref.task, onnxFile: 'onnx/model.onnx', loadMs: 0, device: 'cpu', deviceReason: '' }, classify: async () => [], dispose: async () => undefined };
  });
  await cache.get({ folder: NLI, task: 'zero-shot', device: 'cpu' });
  await cache.get({ folder: NLI, task: 'zero-shot', device: 'cpu' });
  await cache.get({ folder: NLI, task: 'zero-shot', device: 'webgpu' });
  assert.deepEqual(loads, ['cpu', 'webgpu']);
});
