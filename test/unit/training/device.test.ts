import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { chooseDevice, ortBinaryDir } from '../../../src/onnx/device';

const cudaInstalled = fs.existsSync(`${ortBinaryDir(ort)}/libonnxruntime_providers_cuda.so`);

test('cpu is taken as asked', async () => {
  assert.deepEqual(await chooseDevice(ort, 'cpu'), { executionProvider: 'cpu', reason: 'finetuneStudio.device is "cpu"' });
});

test('auto says why it runs where it runs', async () => {
  const d = await chooseDevice(ort, 'auto');
  if (cudaInstalled) assert.ok(d.reason.startsWith('auto:'));
  else assert.deepEqual(d, { executionProvider: 'cpu', reason: 'auto: no CUDA provider library next to onnxruntime-node (it is fetched by an online install on Linux x64)' });
});

test('an explicit cuda without its libraries is an error, not a silent CPU run', { skip: cudaInstalled && 'CUDA provider present' }, async () => {
  await assert.rejects(chooseDevice(ort, 'cuda'), /finetuneStudio.device is "cuda" but .*libonnxruntime_providers_cuda.so is missing/);
});

test('an unknown setting is rejected', async () => {
  await assert.rejects(chooseDevice(ort, 'tpu' as never), /must be one of auto, cpu, cuda, webgpu; got "tpu"/);
});
