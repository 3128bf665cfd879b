import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { addGradients } from '../../../src/training/autodiff/backward';
import { getRule, registerRule } from '../../../src/training/autodiff/registry';
import { runGradcheck } from '../../../src/training/gradcheck';
import { GraphBuilder } from '../../../src/onnx/builder';
import { Graph, int, tensor } from '../../../src/onnx/ir';
import { modelToBytes } from '../../../src/onnx/serialize';

async function run(graph: Graph, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
  const s = await ort.InferenceSession.create(modelToBytes({ graph, opsetImports: [{ domain: '', version: 17 }], irVersion: 8, producerName: 't' }), { logSeverityLevel: 3 });
  return s.run(feeds);
}

test('an op without a rule is named with its node and the parameter that needs it', () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', [2]);
  const w = b.input('encoder.weight', 'float32', [2]);
  const s = b.op('Sin', [b.op('Mul', [x, w])], {}, { name: 'weird_sin' });
  const loss = b.op('ReduceSum', [s], { keepdims: int(0) });
  assert.throws(() => addGradients(b.build(), { loss, wrt: ['encoder.weight'], opset: 17 }), /op Sin \(node "weird_sin"\).*"encoder\.weight"/);
});

test('only the path between trainable parameters and the loss is differentiated', () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', [2]);
  const w = b.input('w', 'float32', [2]);
  // A frozen branch through an op with no rule: it must be left alone.
  const frozen = b.op('Sin', [b.op('Mul', [x, b.initializer('frozen', tensor('float32', [2], [1, 2]))])]);
  const loss = b.op('ReduceSum', [b.op('Mul', [frozen, w])], { keepdims: int(0) });
  const g = b.build();
  const before = g.nodes.length;
  const { grads, unreached } = addGradients(g, { loss, wrt: ['w'], opset: 17 });
  assert.deepEqual(unreached, []);
  assert.ok(grads.has('w'));
  // Backward of Mul for w only (one Mul, no reduction needed) after the seed constant: nothing for the frozen branch.
  const added = g.nodes.slice(before);
  assert.ok(added.every((n) => n.opType !== 'Sin' && !n.inputs.includes('frozen')), added.map((n) => n.opType).join(','));
});

test('a parameter the loss does not use gets zeros and is reported', async () => {
  const b = new GraphBuilder('g');
  const w = b.input('w', 'float32', [3]);
  const unused = b.input('pooler.weight', 'float32', [2, 2]);
  const loss = b.op('ReduceSum', [b.op('Mul', [w, w])], { keepdims: int(0) });
  const g = b.build();
  const { grads, unreached } = addGradients(g, { loss, wrt: ['w', 'pooler.weight'], opset: 17 });
  assert.deepEqual(unreached, ['pooler.weight']);
  g.outputs.push({ name: grads.get('w')!, dtype: 'float32', shape: [3] }, { name: grads.get('pooler.weight')!, dtype: 'float32', shape: [2, 2] });
  const out = await run(g, { w: new ort.Tensor('float32', Float32Array.from([1, -2, 3]), [3]), [unused]: new ort.Tensor('float32', new Float32Array(4), [2, 2]) });
  assert.deepEqual(Array.from(out[grads.get('w')!].data as Float32Array), [2, -4, 6]);
  assert.deepEqual(Array.from(out[grads.get('pooler.weight')!].data as Float32Array), [0, 0, 0, 0]);
});

test('broadcast gradients are reduced at run time when symbolic shapes hide which dims were broadcast', async () => {
  const b = new GraphBuilder('g');
  const x = b.input('x', 'float32', ['batch', 'm']);
  const bias = b.input('bias', 'float32', ['k']);
  const loss = b.op('ReduceSum', [b.op('Mul', [b.op('Add', [x, bias]), x])], { keepdims: int(0) });
  const g = b.build();
  const { grads } = addGradients(g, { loss, wrt: ['bias'], opset: 17 });
  assert.ok(g.nodes.some((n) => n.opType === 'Compress'), 'expected the dynamic reduction path');
  g.outputs.push({ name: grads.get('bias')!, dtype: 'float32', shape: ['k'] });
  const xv = Float32Array.from([1, 2, 3, 4, 5, 6]);
  // dL/dbias = Σ over broadcast positions of x.
  const full = await run(g, { x: new ort.Tensor('float32', xv, [2, 3]), bias: new ort.Tensor('float32', new Float32Array(3), [3]) });
  assert.deepEqual(Array.from(full[grads.get('bias')!].data as Float32Array), [5, 7, 9]);
  const one = await run(g, { x: new ort.Tensor('float32', xv, [2, 3]), bias: new ort.Tensor('float32', new Float32Array(1), [1]) });
  assert.deepEqual(Array.from(one[grads.get('bias')!].data as Float32Array), [21]);
});

test('the finite-difference check catches a wrong rule (it is not vacuous)', async () => {
  const right = getRule('', 'Tanh')!;
  // Off by a factor of 2: d tanh = 2(1 − y²) is wrong.
  registerRule('Tanh', (ctx) => right(ctx).map((d) => (d ? ctx.g.mul(d, ctx.g.scalarLike(2, d)) : d)));
  try {
    const [r] = await runGradcheck({ ops: ['Tanh'] });
    assert.equal(r.ok, false);
    assert.ok(r.maxRelError > 0.4, String(r.maxRelError));
  } finally {
    registerRule('Tanh', right);
  }
});

test('an embedding gradient adds up rows of repeated tokens (Gather → ScatterND add)', async () => {
  const b = new GraphBuilder('g');
  const ids = b.input('ids', 'int64', ['batch', 'seq']);
  const emb = b.input('word_embeddings.weight', 'float32', [4, 2]);
  const loss = b.op('ReduceSum', [b.op('Gather', [emb, ids], { axis: int(0) })], { keepdims: int(0) });
  const g = b.build();
  const { grads } = addGradients(g, { loss, wrt: ['word_embeddings.weight'], opset: 17 });
  g.outputs.push({ name: grads.get('word_embeddings.weight')!, dtype: 'float32', shape: [4, 2] });
  const out = await run(g, { ids: new ort.Tensor('int64', BigInt64Array.from([1n, 3n, 1n, 1n, 0n, -1n]), [2, 3]), 'word_embeddings.weight': new ort.Tensor('float32', new Float32Array(8), [4, 2]) });
  // token 0 once, token 1 three times, token 3 twice (−1 is the last row).
  assert.deepEqual(Array.from(out[grads.get('word_embeddings.weight')!].data as Float32Array), [1, 1, 3, 3, 0, 0, 2, 2]);
});
