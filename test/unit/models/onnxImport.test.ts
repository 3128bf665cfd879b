import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelParameters } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec } from '../../../src/models/modelSpec';
import { importOnnxForward } from '../../../src/models/onnxImport';
import { Model, Node, TensorData, cloneModel } from '../../../src/training/onnx/ir';
import { loadModel, saveModel } from '../../../src/training/onnx/serialize';
import { fixtureModel, maxAbsDiff, ortSession, runSession, tempDir } from './support';

/** What Optimum's exporter produces: Linear weights stored pre-transposed under anonymous "onnx::MatMul_N" names. */
function optimumStyle(model: Model): Model {
  const m = cloneModel(model);
  const g = m.graph;
  const byOutput = new Map<string, Node>(g.nodes.flatMap((n) => n.outputs.map((o): [string, Node] => [o, n])));
  const drop = new Set<Node>();
  let k = 100;
  for (const n of g.nodes) {
    const t = n.opType === 'MatMul' ? byOutput.get(n.inputs[1]) : undefined;
    if (!t || t.opType !== 'Transpose' || !t.inputs[0].endsWith('.weight')) continue;
    const w = g.initializers.get(t.inputs[0]) as TensorData;
    const [rows, cols] = w.dims;
    const src = w.data as Float32Array;
    const wt = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) wt[c * rows + r] = src[r * cols + c];
    const name = `onnx::MatMul_${k++}`;
    g.initializers.set(name, { dtype: 'float32', dims: [cols, rows], data: wt });
    g.initializers.delete(t.inputs[0]);
    n.inputs[1] = name;
    drop.add(t);
  }
  g.nodes = g.nodes.filter((n) => !drop.has(n));
  return m;
}

const INPUTS = { input_ids: [[2, 134, 150, 136, 3, 0]], attention_mask: [[1, 1, 1, 1, 1, 0]], token_type_ids: [[0, 0, 0, 0, 0, 0]] };

test('an Optimum-style export is accepted: anonymous MatMul weights get their HF names back and outputs are unchanged', async () => {
  const dir = fixtureModel('tiny-bert');
  const original = loadModel(path.join(dir, 'onnx', 'model.onnx'));
  const repo = tempDir('onnx');
  fs.copyFileSync(path.join(dir, 'config.json'), path.join(repo, 'config.json'));
  saveModel(optimumStyle(original), path.join(repo, 'onnx', 'model.onnx'));

  const imported = importOnnxForward(repo);
  assert.equal(imported.outputName, 'logits');
  assert.deepEqual(imported.inputNames, ['input_ids', 'attention_mask', 'token_type_ids']);
  // 2 layers × 6 Linear + pooler + classifier were anonymous.
  assert.equal(imported.renamed.size, 14);
  assert.equal(imported.renamed.get('onnx::MatMul_100'), 'bert.encoder.layer.0.attention.self.query.weight');
  const spec = readModelSpec(dir);
  const hfNames = modelParameters(spec, 'sequence-classification').map((p) => p.name);
  assert.deepEqual([...imported.parameters].sort(), [...hfNames].sort());
  const ckpt = Checkpoint.open(dir);
  for (const name of hfNames) {
    const t = imported.model.graph.initializers.get(name) as TensorData;
    assert.deepEqual(t.dims, ckpt.entry(name).shape, name);
    assert.deepEqual(t.data, ckpt.readFloat32(name), name);
  }
  const before = (await runSession(await ortSession(original), INPUTS)).logits.data as Float32Array;
  const after = (await runSession(await ortSession(imported.model), INPUTS)).logits.data as Float32Array;
  assert.equal(maxAbsDiff(before, after), 0);
});

test('graphs that cannot be fine-tuned are refused with the reason', () => {
  const dir = fixtureModel('tiny-bert');
  const original = loadModel(path.join(dir, 'onnx', 'model.onnx'));

  const quantOnly = tempDir('onnx');
  fs.mkdirSync(path.join(quantOnly, 'onnx'));
  fs.writeFileSync(path.join(quantOnly, 'onnx', 'model_quantized.onnx'), '');
  assert.throws(() => importOnnxForward(quantOnly), /has only model_quantized\.onnx; fine-tuning needs the float32 onnx\/model\.onnx/);

  const decoder = cloneModel(original);
  decoder.graph.inputs.push({ name: 'past_key_values.0.key', dtype: 'float32', shape: ['batch', 4, 'past', 8] });
  const f1 = path.join(tempDir('onnx'), 'model.onnx');
  saveModel(decoder, f1);
  assert.throws(() => importOnnxForward(f1), /graph input "past_key_values\.0\.key" is not one of input_ids, attention_mask, token_type_ids/);

  const half = cloneModel(original);
  half.graph.initializers.set('classifier.bias', { dtype: 'float16', dims: [2], data: new Uint16Array(2) });
  const f2 = path.join(tempDir('onnx'), 'model.onnx');
  saveModel(half, f2);
  assert.throws(() => importOnnxForward(f2), /initializer "classifier\.bias" is float16; fine-tuning needs a float32 export/);

  const renamedOut = cloneModel(original);
  renamedOut.graph.outputs[0] = { ...renamedOut.graph.outputs[0], name: 'scores' };
  renamedOut.graph.nodes = renamedOut.graph.nodes.map((n) => ({ ...n, outputs: n.outputs.map((o) => (o === 'logits' ? 'scores' : o)) }));
  const f3 = path.join(tempDir('onnx'), 'model.onnx');
  saveModel(renamedOut, f3);
  assert.throws(() => importOnnxForward(f3), /no "logits" or "last_hidden_state" output \(outputs: scores\)/);
});

test('loadForward builds from safetensors when present, else imports the ONNX export, else refuses pickle', async () => {
  const { loadForward } = await import('../../../src/models/loadForward');
  const dir = fixtureModel('tiny-bert');
  const fromWeights = loadForward(dir, { head: 'sequence-classification' });
  assert.equal(fromWeights.source, 'safetensors');
  assert.deepEqual(fromWeights.notes, []);
  const relabelled = loadForward(dir, { head: 'sequence-classification', labels: ['a', 'b', 'c'] });
  assert.match(relabelled.notes[0], /classifier\.weight, classifier\.bias/);
  const onnxOnly = tempDir('onnx');
  fs.copyFileSync(path.join(dir, 'config.json'), path.join(onnxOnly, 'config.json'));
  fs.mkdirSync(path.join(onnxOnly, 'onnx'));
  fs.copyFileSync(path.join(dir, 'onnx', 'model.onnx'), path.join(onnxOnly, 'onnx', 'model.onnx'));
  const fromOnnx = loadForward(onnxOnly, { head: 'sequence-classification' });
  assert.equal(fromOnnx.source, 'onnx');
  const a = (await runSession(await ortSession(fromWeights.model), INPUTS)).logits.data as Float32Array;
  const b = (await runSession(await ortSession(fromOnnx.model), INPUTS)).logits.data as Float32Array;
  assert.equal(maxAbsDiff(a, b), 0);
  assert.throws(() => loadForward(onnxOnly, { head: 'sequence-classification', labels: ['x', 'y', 'z'] }), /fixed head \(2 labels/);
  fs.rmSync(path.join(onnxOnly, 'onnx'), { recursive: true });
  fs.writeFileSync(path.join(onnxOnly, 'pytorch_model.bin'), 'x');
  assert.throws(() => loadForward(onnxOnly, { head: 'sequence-classification' }), /pickle/);
});
