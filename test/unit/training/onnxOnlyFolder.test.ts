// Fine-tuning from ONNX-only folders (config + tokenizer + onnx/model.onnx, as Optimum / transformers.js repos ship):
// the run is the same as from model.safetensors, bit for bit, and the export is an HF folder with HF-named safetensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeOptimumExport } from '../../../scripts/fixtures/optimumExport';
import { modelParameters } from '../../../src/models/arch/parameters';
import { readModelSpec } from '../../../src/models/modelSpec';
import { SafetensorsFile } from '../../../src/models/safetensors';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import type { StrategyId } from '../../../src/training/strategies';
import { evaluateFolder } from '../../../src/training/worker/evaluateFolder';
import { runTraining } from '../../../src/training/run';
import { fixtureModel, fixtureWorkspace, tempDir } from '../models/support';

function smallDataset(rows: number): string {
  const lines = fs.readFileSync(path.join(fixtureWorkspace(), 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  const file = path.join(tempDir('onnx-only-data'), 'small.csv');
  fs.writeFileSync(file, [lines[0], ...lines.slice(1, rows + 1)].join('\n') + '\n');
  return file;
}

const DATA = smallDataset(40);

function config(model: string, strategy: StrategyId, settings: Record<string, unknown> = {}): RunConfig {
  // One thread: runs from the two folders must sum in the same order to be compared bit for bit.
  return { model, data: DATA, strategy, runsRoot: tempDir('onnx-only-runs'), device: 'cpu', settings: { batchSize: 8, maxLength: 32, learningRate: 1e-3, maxSteps: 4, threads: 1, seed: 5, ...settings } };
}

async function train(model: string, strategy: StrategyId, settings: Record<string, unknown> = {}): Promise<{ runDir: string; logs: string[] }> {
  const messages: FromWorker[] = [];
  await runTraining(config(model, strategy, settings), { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return { runDir: done.runDir, logs: readMetrics(done.runDir).filter((m) => m.type === 'log').map((m) => String(m.message)) };
}

function exported(runDir: string): Map<string, { shape: number[]; bytes: Buffer }> {
  const st = SafetensorsFile.open(path.join(runDir, 'model', 'model.safetensors'));
  return new Map(st.names().map((n) => {
    const v = st.readFloat32(n);
    return [n, { shape: st.entry(n).shape, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength) }];
  }));
}

/** Names and shapes HF's *ForSequenceClassification has for this config, sorted by name. */
function hfNamesAndShapes(dir: string): [string, number[]][] {
  return modelParameters(readModelSpec(dir), 'sequence-classification').map((p): [string, number[]] => [p.name, p.shape]).sort(([a], [b]) => (a < b ? -1 : 1));
}

const namesAndShapes = (m: Map<string, { shape: number[] }>) => [...m].map(([n, t]): [string, number[]] => [n, t.shape]).sort(([a], [b]) => (a < b ? -1 : 1));

const onnxBert = writeOptimumExport(fixtureModel('tiny-bert'), tempDir('onnx-only-bert'), 'text-classification');

for (const strategy of ['feature-extraction', 'full'] as const) {
  test(`${strategy} from an ONNX-only text-classification folder equals the run from model.safetensors, bit for bit`, async () => {
    assert.ok(!fs.existsSync(path.join(onnxBert.dir, 'model.safetensors')));
    const [fromOnnx, fromSafetensors] = await Promise.all([train(onnxBert.dir, strategy), train(fixtureModel('tiny-bert'), strategy)]);
    const a = exported(fromOnnx.runDir);
    const b = exported(fromSafetensors.runDir);
    assert.deepEqual(namesAndShapes(a), hfNamesAndShapes(onnxBert.dir), 'export names and shapes are BertForSequenceClassification\'s');
    for (const [name, t] of a) assert.ok(t.bytes.equals(b.get(name)!.bytes), `${strategy}: ${name} differs from the safetensors run`);
    const before = SafetensorsFile.open(path.join(fixtureModel('tiny-bert'), 'model.safetensors')).readFloat32('classifier.weight');
    assert.ok(!a.get('classifier.weight')!.bytes.equals(Buffer.from(before.buffer, before.byteOffset, before.byteLength)), 'the runs did not train');
    // The export's classifier and pooler are reused (the task's labels are config.json's), nothing is initialised.
    assert.ok(!fromOnnx.logs.some((l) => l.startsWith('newly initialised')), fromOnnx.logs.join('\n'));
    const config = JSON.parse(fs.readFileSync(path.join(fromOnnx.runDir, 'model', 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
    assert.ok(fs.existsSync(path.join(fromOnnx.runDir, 'model', 'onnx', 'model.onnx')));
  });
}

test('full fine-tuning from a feature-extraction export (DistilBertModel, last_hidden_state) gets a fresh head and trains the encoder', async () => {
  const exp = writeOptimumExport(fixtureModel('tiny-distilbert'), tempDir('onnx-only-distil'), 'feature-extraction');
  const { runDir, logs } = await train(exp.dir, 'full', { maxSteps: 3 });
  assert.ok(logs.includes('newly initialised (not in the checkpoint): pre_classifier.weight, pre_classifier.bias, classifier.weight, classifier.bias'), logs.join('\n'));
  const out = exported(runDir);
  assert.deepEqual(namesAndShapes(out), hfNamesAndShapes(exp.dir));
  const base = SafetensorsFile.open(path.join(fixtureModel('tiny-distilbert'), 'model.safetensors'));
  const moved = [...out.keys()].filter((n) => n.startsWith('distilbert.') && !Buffer.from(base.readFloat32(n).buffer).equals(out.get(n)!.bytes));
  assert.ok(moved.includes('distilbert.transformer.layer.0.attention.q_lin.weight') && moved.includes('distilbert.embeddings.word_embeddings.weight'), `encoder weights that trained: ${moved.join(', ')}`);
  const config = JSON.parse(fs.readFileSync(path.join(runDir, 'model', 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['DistilBertForSequenceClassification']);
  assert.deepEqual(config.id2label, { 0: 'negative', 1: 'positive' });
});

test('eval of an ONNX-only classifier folder gives the metrics of its safetensors twin', async () => {
  const { runDir } = await train(fixtureModel('tiny-bert'), 'feature-extraction', { maxSteps: 1 });
  const record = readRun(runDir);
  const test = path.join(fixtureWorkspace(), 'data/sentiment_test.csv');
  const [a, b] = await Promise.all([evaluateFolder(onnxBert.dir, test, record), evaluateFolder(fixtureModel('tiny-bert'), test, record)]);
  assert.ok(Number.isFinite(a.metrics.accuracy));
  assert.deepEqual(a.metrics, b.metrics);
});

test('a folder with only quantized / fp16 ONNX graphs is refused before training, with what to use instead', async () => {
  const dir = tempDir('quantized-only');
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) fs.copyFileSync(path.join(fixtureModel('tiny-bert'), f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, 'onnx'));
  fs.copyFileSync(path.join(fixtureModel('tiny-bert'), 'onnx', 'model_quantized.onnx'), path.join(dir, 'onnx', 'model_quantized.onnx'));
  const messages: FromWorker[] = [];
  await assert.rejects(
    runTraining(config(dir, 'feature-extraction'), { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false }),
    /has only onnx\/model_quantized\.onnx: int8\/fp16 weights cannot be trained\. Use the repo's float32 onnx\/model\.onnx/,
  );
  assert.ok(!messages.some((m) => m.type === 'progress'));
});
