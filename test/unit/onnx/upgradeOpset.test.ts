import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { GraphBuilder } from '../../../src/onnx/builder';
import { Model, int, ints, tensor } from '../../../src/onnx/ir';
import { modelToBytes } from '../../../src/onnx/serialize';
import { upgradeToOpset13 } from '../../../src/onnx/upgradeOpset';

/** An opset-11 graph using every op whose signature changed in 13: axes/split as attributes. */
function opset11(softmaxAxis = -1): Model {
  const b = new GraphBuilder('old');
  const x = b.input('x', 'float32', ['batch', 3, 4]);
  b.initializer('proj.weight', tensor('float32', [4, 4], Array.from({ length: 16 }, (_, i) => ((i * 7) % 5) / 5 - 0.4)));
  const h = b.op('Softmax', [b.op('MatMul', [x, 'proj.weight'])], { axis: int(softmaxAxis) });
  const u = b.op('Squeeze', [b.op('Unsqueeze', [h], { axes: ints([0]) })], { axes: ints([0]) });
  const [a, c] = b.opMulti('Split', [u], { axis: int(2), split: ints([1, 3]) }, 2);
  const s = b.op('ReduceSum', [c], { axes: ints([2]), keepdims: int(1) });
  const logits = b.op('Concat', [a, s], { axis: int(2) });
  b.op('Reshape', [logits, b.int64s([0, -1])], {}, { output: 'logits' });
  b.output('logits', 'float32', ['batch', 6]);
  return { graph: b.build(), opsetImports: [{ domain: '', version: 11 }], irVersion: 6, producerName: 'old-exporter' };
}

test('an opset-11 model computes the same after the upgrade to 13', async () => {
  const old = opset11();
  const upgraded = upgradeToOpset13(old);
  assert.equal(upgraded.opsetImports[0].version, 13);
  assert.equal(old.opsetImports[0].version, 11, 'the input model is left alone');
  const x = new ort.Tensor('float32', Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), [2, 3, 4]);
  const run = async (m: Model) => (await (await ort.InferenceSession.create(modelToBytes(m), { logSeverityLevel: 3 })).run({ x })).logits.data as Float32Array;
  assert.deepEqual(Array.from(await run(upgraded)), Array.from(await run(old)));
});

test('an opset-11 model trains after the automatic upgrade', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-'));
  generateArtifacts(opset11(), { trainable: ['proj.weight'], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' }, maxGradNorm: 0 }, dir);
  const s = await TrainingSession.open(dir);
  const batch = { x: new ort.Tensor('float32', Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)), [2, 3, 4]), labels: new ort.Tensor('int64', BigInt64Array.from([2n, 5n]), [2]) };
  const first = (await s.trainStep(batch, 0.5)).loss;
  let last = first;
  for (let i = 0; i < 5; i++) last = (await s.trainStep(batch, 0.5)).loss;
  assert.ok(last < first, `${first} → ${last}`);
});

test('softmax over a non-last axis in opset 11 is refused with the node and the fix', () => {
  assert.throws(() => upgradeToOpset13(opset11(1)), /Softmax node "Softmax".*only the last axis means the same in opset 13: re-export/);
});
