import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../src/onnx/builder';
import { float, int, ints, Model, str, tensor, tensorValues } from '../../../src/onnx/ir';
import { loadModel, modelFromBytes, modelToBytes, saveModel } from '../../../src/onnx/serialize';
import { inferTypes } from '../../../src/onnx/shapes';

function mlp(): Model {
  const b = new GraphBuilder('mlp');
  const x = b.input('x', 'float32', ['batch', 3]);
  const w = b.initializer('dense.weight', tensor('float32', [3, 2], [1, 2, 3, 4, 5, 6]));
  const bias = b.initializer('dense.bias', tensor('float32', [2], [0.5, -0.5]));
  const h = b.op('Add', [b.op('MatMul', [x, w]), bias]);
  const y = b.op('LeakyRelu', [h], { alpha: float(0.25) });
  const s = b.op('Softmax', [y], { axis: int(-1) });
  b.op('Identity', [s], {}, { output: 'probs' });
  b.output('probs', 'float32', ['batch', 2]);
  return { graph: b.build(), opsetImports: [{ domain: '', version: 17 }], irVersion: 8, producerName: 'test', metadata: { purpose: 'unit' } };
}

test('a built graph round-trips through bytes with attributes, initializers and metadata intact', () => {
  const m = mlp();
  const back = modelFromBytes(modelToBytes(m));
  assert.equal(back.graph.nodes.length, m.graph.nodes.length);
  assert.deepEqual(back.graph.nodes.map((n) => n.opType), ['MatMul', 'Add', 'LeakyRelu', 'Softmax', 'Identity']);
  assert.deepEqual(back.graph.nodes[2].attrs.alpha, { type: 'float', value: 0.25 });
  assert.deepEqual(back.graph.nodes[3].attrs.axis, { type: 'int', value: -1 });
  assert.deepEqual(tensorValues(back.graph.initializers.get('dense.weight')!), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(back.graph.inputs, [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }]);
  assert.deepEqual(back.metadata, { purpose: 'unit' });
  assert.deepEqual(back.opsetImports, [{ domain: '', version: 17 }]);
});

test('a built graph runs in onnxruntime-node and matches a hand computation', async () => {
  const session = await ort.InferenceSession.create(modelToBytes(mlp()));
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 0, -1, 0, 1, 0]), [2, 3]) });
  const probs = out.probs.data as Float32Array;
  // Row 1: x·W + b = [1-5+0.5, 2-6-0.5] = [-3.5, -4.5] → LeakyRelu 0.25 → [-0.875, -1.125]
  // Row 2: [3+0.5, 4-0.5] = [3.5, 3.5] → softmax [0.5, 0.5]
  const e = Math.exp(-0.875 + 1.125);
  assert.ok(Math.abs(probs[0] - e / (1 + e)) < 1e-6);
  assert.ok(Math.abs(probs[2] - 0.5) < 1e-6 && Math.abs(probs[3] - 0.5) < 1e-6);
});

test('int64, bool, float64 and string/ints attributes survive serialisation', () => {
  const b = new GraphBuilder('types');
  const x = b.input('x', 'float64', [2, 2]);
  b.initializer('i', tensor('int64', [3], [-1, 0, 2 ** 40]));
  b.initializer('m', tensor('bool', [2], [1, 0]));
  const t = b.op('Transpose', [x], { perm: ints([1, 0]) });
  b.op('Gelu', [t], { approximate: str('tanh') }, { output: 'y' });
  b.output('y', 'float64', [2, 2]);
  const back = modelFromBytes(modelToBytes({ graph: b.build(), opsetImports: [{ domain: '', version: 20 }], irVersion: 9, producerName: 't' }));
  assert.deepEqual(Array.from(back.graph.initializers.get('i')!.data as BigInt64Array), [-1n, 0n, 2n ** 40n]);
  assert.equal(back.graph.initializers.get('m')!.dtype, 'bool');
  assert.deepEqual(back.graph.nodes[0].attrs.perm, { type: 'ints', value: [1, 0] });
  assert.deepEqual(back.graph.nodes[1].attrs.approximate, { type: 'string', value: 'tanh' });
  assert.equal(back.graph.inputs[0].dtype, 'float64');
});

test('external data: tensors go to a side file that both loadModel and onnxruntime read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ir-ext-'));
  const m = mlp();
  const big = new Float32Array(3 * 2048).map((_, i) => (i % 7) / 7);
  m.graph.initializers.set('dense.weight', { dtype: 'float32', dims: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  m.graph.initializers.set('unused.big', { dtype: 'float32', dims: [3, 2048], data: big });
  const file = path.join(dir, 'model.onnx');
  const written = saveModel(m, file, { externalData: true, externalThreshold: 16 });
  assert.deepEqual(written, [file, `${file}.data`]);
  assert.ok(fs.statSync(file).size < 2048, 'weights must not be inline');
  const back = loadModel(file);
  assert.deepEqual(tensorValues(back.graph.initializers.get('unused.big')!), Array.from(big));
  const session = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([0, 0, 0]), [1, 3]) });
  assert.equal(out.probs.dims.join(','), '1,2');
  fs.rmSync(dir, { recursive: true });
});

test('loading a truncated external data file names the tensor and the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ir-ext-'));
  const m = mlp();
  const file = path.join(dir, 'model.onnx');
  saveModel(m, file, { externalData: true, externalThreshold: 1 });
  fs.truncateSync(`${file}.data`, 4);
  assert.throws(() => loadModel(file), /dense\.(weight|bias)".*model\.onnx\.data/);
  fs.rmSync(dir, { recursive: true });
});

test('garbage bytes give a clear error', () => {
  assert.throws(() => modelFromBytes(Uint8Array.from([0xff, 0xff, 0xff, 0x01])), /not a valid ONNX model/);
});

test('shape inference follows broadcasting, MatMul, Reshape with -1 and 0, Gather and reductions', () => {
  const b = new GraphBuilder('shapes');
  const x = b.input('x', 'float32', ['batch', 'seq', 8]);
  const ids = b.input('ids', 'int64', ['batch', 'seq']);
  const emb = b.initializer('emb', tensor('float32', [10, 8], new Array(80).fill(0)));
  const g = b.op('Gather', [emb, ids], { axis: int(0) });
  const s = b.op('Add', [x, g]);
  const w = b.initializer('w', tensor('float32', [8, 4], new Array(32).fill(0)));
  const mm = b.op('MatMul', [s, w]);
  const r = b.op('Reshape', [mm, b.int64s([0, 0, 2, -1])]);
  const tr = b.op('Transpose', [r], { perm: ints([0, 2, 1, 3]) });
  const red = b.op('ReduceSum', [tr, b.int64s([-1])], { keepdims: int(0) });
  const c = b.op('Cast', [red], { to: int(11) });
  const types = inferTypes(b.build());
  assert.deepEqual(types.get(g), { dtype: 'float32', shape: ['batch', 'seq', 8] });
  assert.deepEqual(types.get(mm)?.shape, ['batch', 'seq', 4]);
  assert.deepEqual(types.get(r)?.shape, ['batch', 'seq', 2, 2]);
  assert.deepEqual(types.get(tr)?.shape, ['batch', 2, 'seq', 2]);
  assert.deepEqual(types.get(red)?.shape, ['batch', 2, 'seq']);
  assert.equal(types.get(c)?.dtype, 'float64');
});

test('shape values computed in the graph (Shape → Gather → Range, Concat → Reshape) keep their symbols', () => {
  const b = new GraphBuilder('symbolic');
  const ids = b.input('input_ids', 'int64', ['batch', 'sequence']);
  const x = b.input('x', 'float32', ['batch', 'sequence', 8]);
  const seq = b.op('Gather', [b.op('Shape', [ids]), b.constant(tensor('int64', [], [1]), 'int64')], { axis: int(0) });
  const positions = b.op('Range', [b.constant(tensor('int64', [], [0]), 'int64'), seq, b.constant(tensor('int64', [], [1]), 'int64')]);
  const shape = b.op('Concat', [b.op('Shape', [x], { end: int(2) }), b.int64s([2, 4])], { axis: int(0) });
  const heads = b.op('Reshape', [x, shape]);
  const merged = b.op('Reshape', [heads, b.int64s([0, -1, 8])]);
  const types = inferTypes(b.build());
  assert.deepEqual(types.get(positions)?.shape, ['sequence']);
  assert.deepEqual(types.get(heads)?.shape, ['batch', 'sequence', 2, 4]);
  assert.deepEqual(types.get(merged)?.shape, ['batch', 'sequence', 8]);
});
