// Weights and optimizer state stay in GPU buffers between steps on the WebGPU provider. Runs wherever a WebGPU
// adapter exists: .ci/run installs Mesa's software Vulkan driver (lavapipe, bookworm-backports), which Dawn accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildForwardModel } from '../../../src/models/arch/forward';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadWeights } from '../../../src/models/weights';
import { generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { chooseDevice } from '../../../src/onnx/device';
import { fixtureModel, tempDir } from '../models/support';

const noWebGpu: Promise<string | false> = chooseDevice(ort, 'webgpu').then(() => false as const, (e: Error) => `no WebGPU adapter here (${e.message.split('.')[0]})`);

function artifacts(): string {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
  const out = tempDir('resident');
  // Full fine-tuning (every tensor, word embeddings included), AdamW with decay and clipping, no dropout.
  generateArtifacts(buildForwardModel(spec, tensors, { head: 'sequence-classification' }), { trainable: [...tensors.keys()], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0.01 }, maxGradNorm: 1 }, out);
  return out;
}

function batch(k: number): Record<string, ort.Tensor> {
  const rows = 4;
  const seq = 8;
  const n = rows * seq;
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(((i + 7 * k) * 13) % 100 + 5)), [rows, seq]),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => (i % seq < seq - (i % 3) ? 1n : 0n)), [rows, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [rows, seq]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt((i + k) % 2)), [rows]),
  };
}

test('WebGPU: weights and AdamW state stay on the device between steps and train like the CPU', async (t) => {
  const skip = await noWebGpu;
  if (skip) return t.skip(String(skip));
  const dir = artifacts();
  const run = async (ep: 'cpu' | 'webgpu') => {
    const s = await TrainingSession.open(dir, { sessionOptions: { executionProviders: [ep] } });
    const losses: number[] = [];
    const locations = new Set<string>();
    for (let k = 0; k < 6; k++) {
      losses.push((await s.trainStep(batch(k), 1e-3)).loss);
      for (const x of [...s.params.values(), ...s.state.values()]) locations.add(x.location);
    }
    return { s, losses, locations };
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  assert.deepEqual([...cpu.locations], ['cpu']);
  assert.deepEqual([...gpu.locations], ['gpu-buffer'], 'every weight and moment stays in a GPU buffer after each step');
  assert.equal(gpu.s.deviceResident, true);
  for (let k = 0; k < 6; k++) assert.ok(Math.abs(cpu.losses[k] - gpu.losses[k]) < 1e-4, `step ${k + 1}: cpu ${cpu.losses[k]} vs webgpu ${gpu.losses[k]}`);
  assert.ok(cpu.losses[5] < cpu.losses[0], 'the run must learn for the comparison to mean something');

  // Host reads need the explicit download; it brings every tensor back and the next step uploads them again.
  assert.throws(() => gpu.s.weights(), /weights are in device memory; await toHost\(\) first/);
  assert.throws(() => gpu.s.saveCheckpoint(tempDir('ckpt')), /await toHost\(\) first/);
  await gpu.s.toHost();
  assert.equal(gpu.s.onDevice, false);
  const a = cpu.s.weights();
  const b = gpu.s.weights();
  let d = 0;
  for (const [k, v] of a) for (let i = 0; i < v.length; i++) d = Math.max(d, Math.abs(v[i] - b.get(k)![i]));
  // AdamW divides by √v: where a gradient is ~0, float rounding can flip an update of size lr (1e-3).
  assert.ok(d < 2e-3, `max |Δw| ${d}`);
  const next = [(await cpu.s.trainStep(batch(6), 1e-3)).loss, (await gpu.s.trainStep(batch(6), 1e-3)).loss];
  assert.ok(Math.abs(next[0] - next[1]) < 1e-4, `after toHost the run goes on: ${next.join(' vs ')}`);
  await cpu.s.release();
  await gpu.s.release();
});

test('device residency is refused where the provider cannot keep outputs on the device', async () => {
  await assert.rejects(TrainingSession.open(artifacts(), { deviceResident: true, sessionOptions: { executionProviders: ['cpu'] } }), /deviceResident needs the webgpu execution provider .*got cpu/);
});
