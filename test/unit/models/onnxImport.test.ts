// ONNX-only model folders (Optimum / transformers.js exports) as a weight source: the HF-named tensors read back from
// onnx/model.onnx equal the safetensors ones exactly, a forward graph built from them reproduces the export's logits,
// and exports that cannot be trained (quantized, fp16, ORT-fused, decoders, pickle) are refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeOptimumExport, type OptimumTask } from '../../../scripts/fixtures/optimumExport';
import { buildForwardModel, graphInputNames } from '../../../src/models/arch/forward';
import { basePrefix, modelParameters } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { readModelSpec } from '../../../src/models/modelSpec';
import { readOnnxWeights } from '../../../src/models/onnxImport';
import { loadWeights } from '../../../src/models/weights';
import { OnnxWeightSource, openWeightSource } from '../../../src/models/weightSource';
import { Graph, Model, TensorData } from '../../../src/onnx/ir';
import { loadModel, saveModel } from '../../../src/onnx/serialize';
import { REPO, fixtureModel, ortSession, runSession, tempDir, torchMissing } from './support';

const INPUTS = { input_ids: [[2, 134, 150, 136, 3, 0], [2, 77, 3, 0, 0, 0]], attention_mask: [[1, 1, 1, 1, 1, 0], [1, 1, 1, 0, 0, 0]], token_type_ids: [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]] };

function safetensors(dir: string): Map<string, Float32Array> {
  const ckpt = Checkpoint.open(dir);
  return new Map(ckpt.names().map((n) => [n, ckpt.readFloat32(n)]));
}

function optimumFolder(model: string, task: OptimumTask, externalData = false) {
  return writeOptimumExport(fixtureModel(model), tempDir(`optimum-${model}`), task, { externalData });
}

/** The export's initializers, anonymous ones by shape only (their numbers are arbitrary), for comparing layouts. */
function layout(g: Graph): string[] {
  return [...g.initializers].filter(([, t]) => t.dtype === 'float32' && t.dims.length >= 1)
    .map(([n, t]) => (n.startsWith('onnx::MatMul_') ? `onnx::MatMul [${t.dims}]` : `${n} [${t.dims}]`)).sort();
}

const gemms = (g: Graph) => g.nodes.filter((n) => n.opType === 'Gemm').map((n) => `${n.inputs[1]}·transB=${n.attrs.transB?.value}`).sort();

const CASES = [
  ['tiny-bert', 'text-classification'], ['tiny-distilbert', 'text-classification'], ['tiny-roberta', 'text-classification'], ['tiny-electra', 'text-classification'],
  ['tiny-bert', 'feature-extraction'], ['tiny-distilbert', 'feature-extraction'],
] as const;

for (const [model, task] of CASES) {
  test(`${model} ${task} export: every weight comes back under its HF name, bit-identical to model.safetensors`, () => {
    const exp = optimumFolder(model, task);
    const g = loadModel(exp.file).graph;
    assert.ok(![...g.initializers.keys()].some((n) => n.endsWith('.weight') && /(query|key|value|dense|q_lin|k_lin|v_lin|out_lin|lin1|lin2)\.weight$/.test(n) && /(encoder|transformer)\./.test(n)),
      'the generator left an encoder Linear weight under its HF name');
    const read = readOnnxWeights(exp.dir);
    assert.deepEqual(read.renamed, exp.anonymous);
    assert.deepEqual(read.unnamed, []);
    // 2 layers × 6 Linears on 3-D tensors are anonymous, and ELECTRA's embeddings_project.
    assert.equal(read.renamed.size, model === 'tiny-electra' ? 13 : 12);
    const original = safetensors(fixtureModel(model));
    const prefix = `${basePrefix(readModelSpec(fixtureModel(model)).family)}.`;
    for (const [name, t] of read.tensors) {
      const hf = original.has(name) ? name : `${prefix}${name}`;
      assert.ok(original.has(hf), `${name} is not a parameter of ${model}`);
      assert.deepEqual(t.data, original.get(hf), name);
    }
    // A feature-extraction export has no head, and BERT's pooler is dropped because last_hidden_state does not use it.
    const expected = [...original.keys()].filter((n) => task === 'text-classification' || !/^(classifier|pre_classifier|bert\.pooler)\./.test(n));
    assert.equal(read.tensors.size, expected.length);
    assert.deepEqual(read.outputs, [task === 'text-classification' ? 'logits' : 'last_hidden_state']);
  });
}

test('the generator lays weights out as a real torch.onnx export does (PyTorch reference exported here)', { skip: torchMissing }, () => {
  for (const [model, task] of CASES) {
    {
      const out = path.join(tempDir('torch-onnx'), 'model.onnx');
      const r = spawnSync('/usr/bin/python3', [path.join(REPO, 'test/reference/export_onnx.py'), fixtureModel(model), task, out], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } });
      assert.equal(r.status, 0, r.stderr);
      const torchGraph = loadModel(out).graph;
      const ours = loadModel(optimumFolder(model, task).file).graph;
      assert.deepEqual(layout(ours), layout(torchGraph), `${model} ${task}: initializer names and shapes`);
      assert.deepEqual(gemms(ours), gemms(torchGraph), `${model} ${task}: Gemm heads`);
      // And the real export reads back to the same HF-named values.
      const fromTorch = readOnnxWeights(out);
      const fromOurs = readOnnxWeights(optimumFolder(model, task).file);
      assert.deepEqual([...fromTorch.tensors.keys()].sort(), [...fromOurs.tensors.keys()].sort());
      for (const [name, t] of fromTorch.tensors) assert.deepEqual(t.data, fromOurs.tensors.get(name)?.data, `${model} ${task}: ${name}`);
    }
  }
});

test('a forward graph built from the ONNX weights reproduces the export\'s own logits; external data is read', async () => {
  for (const model of ['tiny-bert', 'tiny-distilbert', 'tiny-roberta', 'tiny-electra']) {
    const exp = optimumFolder(model, 'text-classification', true);
    assert.ok(fs.statSync(`${exp.file}.data`).size > fs.statSync(exp.file).size, 'the weights should live in onnx/model.onnx.data');
    const spec = readModelSpec(exp.dir);
    const source = openWeightSource(exp.dir);
    assert.ok(source instanceof OnnxWeightSource);
    const loaded = loadWeights(source, spec, 'sequence-classification');
    assert.deepEqual(loaded.initialised, [], 'a text-classification export keeps its head and pooler');
    const inputs = Object.fromEntries(graphInputNames(spec).map((n) => [n, INPUTS[n as keyof typeof INPUTS]]));
    const theirs = (await runSession(await ortSession(loadModel(exp.file)), inputs)).logits.data as Float32Array;
    const ours = (await runSession(await ortSession(buildForwardModel(spec, loaded.tensors, { head: 'sequence-classification' })), inputs)).logits.data as Float32Array;
    assert.equal(theirs.length, 4);
    for (let i = 0; i < theirs.length; i++) assert.ok(Math.abs(theirs[i] - ours[i]) < 1e-5, `${model} logit ${i}: ${theirs[i]} vs ${ours[i]}`);
  }
});

test('openWeightSource prefers safetensors, then onnx/model.onnx; a feature-extraction export gets a fresh head', () => {
  assert.equal(openWeightSource(fixtureModel('tiny-bert')).format, 'safetensors', 'the fixture has both; safetensors wins');
  const exp = optimumFolder('tiny-bert', 'feature-extraction');
  const spec = readModelSpec(fixtureModel('tiny-bert'));
  const loaded = loadWeights(openWeightSource(exp.dir), spec, 'sequence-classification', { seed: 3 });
  assert.deepEqual(loaded.initialised, ['bert.pooler.dense.weight', 'bert.pooler.dense.bias', 'classifier.weight', 'classifier.bias']);
  const fromSafetensors = loadWeights(Checkpoint.open(fixtureModel('tiny-bert')), spec, 'sequence-classification');
  for (const p of modelParameters(spec, 'sequence-classification')) {
    if (loaded.initialised.includes(p.name)) continue;
    assert.deepEqual(loaded.tensors.get(p.name), fromSafetensors.tensors.get(p.name), p.name);
  }
  // New labels: the export's 2-label classifier is re-initialised, its encoder and pooler are kept.
  const cls = optimumFolder('tiny-bert', 'text-classification');
  const three = { ...spec, numLabels: 3, id2label: { 0: 'a', 1: 'b', 2: 'c' }, label2id: { a: 0, b: 1, c: 2 } };
  const relabelled = loadWeights(openWeightSource(cls.dir), three, 'sequence-classification', { ignoreMismatchedHead: true });
  assert.deepEqual(relabelled.initialised, ['classifier.weight', 'classifier.bias']);
});

function withGraph(edit: (m: Model) => void): string {
  const exp = optimumFolder('tiny-bert', 'text-classification');
  const m = loadModel(exp.file);
  edit(m);
  saveModel(m, exp.file);
  return exp.dir;
}

test('exports that cannot be fine-tuned are refused, saying why and what to use instead', () => {
  const quantOnly = tempDir('quant-only');
  fs.copyFileSync(path.join(fixtureModel('tiny-bert'), 'config.json'), path.join(quantOnly, 'config.json'));
  fs.mkdirSync(path.join(quantOnly, 'onnx'));
  fs.copyFileSync(path.join(fixtureModel('tiny-bert'), 'onnx', 'model_quantized.onnx'), path.join(quantOnly, 'onnx', 'model_quantized.onnx'));
  fs.writeFileSync(path.join(quantOnly, 'onnx', 'model_fp16.onnx'), '');
  assert.throws(() => openWeightSource(quantOnly), /has only onnx\/model_fp16\.onnx, onnx\/model_quantized\.onnx: int8\/fp16 weights cannot be trained\. Use the repo's float32 onnx\/model\.onnx .* or its model\.safetensors/);

  // A quantized graph saved as model.onnx is still refused (the real quantized fixture, renamed).
  const renamed = tempDir('quant-renamed');
  fs.mkdirSync(path.join(renamed, 'onnx'));
  fs.copyFileSync(path.join(fixtureModel('tiny-bert'), 'onnx', 'model_quantized.onnx'), path.join(renamed, 'onnx', 'model.onnx'));
  assert.throws(() => openWeightSource(renamed), /the graph is quantized \(\w+\): int8 weights cannot be trained/);

  const half = withGraph((m) => m.graph.initializers.set('classifier.bias', { dtype: 'float16', dims: [2], data: new Uint16Array(2) }));
  assert.throws(() => openWeightSource(half), /initializer "classifier\.bias" is float16: fp16 weights cannot be trained/);

  const fused = withGraph((m) => {
    const ln = m.graph.nodes.find((n) => n.opType === 'LayerNormalization')!;
    Object.assign(ln, { opType: 'SkipLayerNormalization', domain: 'com.microsoft' });
    m.opsetImports.push({ domain: 'com.microsoft', version: 1 });
  });
  assert.throws(() => openWeightSource(fused), /optimized by onnxruntime \(fused com\.microsoft\.SkipLayerNormalization\).*without --optimize/);

  const decoder = withGraph((m) => m.graph.inputs.push({ name: 'past_key_values.0.key', dtype: 'float32', shape: ['batch', 4, 'past', 8] }));
  assert.throws(() => openWeightSource(decoder), /graph input "past_key_values\.0\.key" is not one of input_ids, attention_mask, token_type_ids/);

  const pickle = tempDir('pickle');
  fs.writeFileSync(path.join(pickle, 'pytorch_model.bin'), 'x');
  assert.throws(() => openWeightSource(pickle), /pytorch_model\.bin is a PyTorch pickle checkpoint/);
  assert.throws(() => openWeightSource(tempDir('empty')), /no model weights found: expected model\.safetensors, model\.safetensors\.index\.json or onnx\/model\.onnx/);
});

test('a weight whose name cannot be recovered is named in the error, with the reason', () => {
  // The first anonymous MatMul loses its bias Add (as if the exporter had fused it elsewhere).
  const dir = withGraph((m) => {
    const g = m.graph;
    const mm = g.nodes.find((n) => n.opType === 'MatMul' && n.inputs[1].startsWith('onnx::MatMul_'))!;
    const add = g.nodes.find((n) => n.opType === 'Add' && n.inputs.includes(mm.outputs[0]))!;
    const bias = add.inputs.find((i) => i.endsWith('.bias'))!;
    const t = g.initializers.get(bias) as TensorData;
    g.initializers.delete(bias);
    g.initializers.set('onnx::Add_9', t);
    add.inputs = add.inputs.map((i) => (i === bias ? 'onnx::Add_9' : i));
  });
  const spec = readModelSpec(fixtureModel('tiny-bert'));
  assert.throws(
    () => loadWeights(openWeightSource(dir), spec, 'sequence-classification'),
    /lacks 2 encoder weight\(s\) .*"bert\.encoder\.layer\.0\.attention\.self\.query\.weight".*model\.onnx has 1 weight\(s\) whose parameter name could not be recovered \("onnx::MatMul_\d+" \[32, 32\]: its MatMul .* is not followed by a named bias/,
  );
});
