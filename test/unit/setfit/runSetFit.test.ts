// SetFit end to end on the generated tiny BERT with 8 real labelled sentences per class: contrastive training lowers the
// pair objective, the export has the sentence-transformers layout, and the combined ONNX classifier equals the exported
// body's embedding followed by the head applied here in JS (and transformers.js' text-classification pipeline agrees).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SafetensorsFile } from '../../../src/models/safetensors';
import { loadTokenizer, loadTransformers } from '../../../src/models/tokenizer';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { evaluateSetFitFolder, isSetFitFolder } from '../../../src/training/setfit/evaluateSetFitFolder';
import { runTraining } from '../../../src/training/run';
import { fixtureModel, fixtureWorkspace, tempDir } from '../models/support';

const MODEL = fixtureModel('tiny-bert');
const SENTENCES = ['Battery life is real good.', 'What a waste of money and time!.', 'The food was cold and the staff rude.', 'I would buy this again.'];

/** 8 positive + 8 negative training sentences and 40 held-out ones, as train.csv / validation.csv side by side. */
function fewShotData(): { file: string; train: { text: string; label: string }[] } {
  const ws = fixtureWorkspace();
  const rows = fs.readFileSync(path.join(ws, 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  const pick = (label: string) => rows.slice(1).filter((l) => l.endsWith(`,${label}`) && !l.startsWith('"')).slice(0, 8);
  const chosen = [...pick('positive'), ...pick('negative')];
  const dir = tempDir('setfit-data');
  fs.writeFileSync(path.join(dir, 'train.csv'), [rows[0], ...chosen].join('\n') + '\n');
  const test = fs.readFileSync(path.join(ws, 'data/sentiment_test.csv'), 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(dir, 'validation.csv'), test.slice(0, 41).join('\n') + '\n');
  return { file: path.join(dir, 'train.csv'), train: chosen.map((l) => ({ text: l.slice(0, l.lastIndexOf(',')), label: l.slice(l.lastIndexOf(',') + 1) })) };
}

const DATA = fewShotData();

async function setfit(settings: Record<string, unknown>, isCancelled: (messages: FromWorker[]) => boolean = () => false): Promise<{ runDir: string; messages: FromWorker[] }> {
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model: MODEL, data: DATA.file, strategy: 'setfit', runsRoot: tempDir('setfit-runs'), device: 'cpu',
    settings: { learningRate: 1e-3, batchSize: 16, maxLength: 32, setfitIterations: 5, seed: 7, ...settings },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => isCancelled(messages), isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `no done message: ${JSON.stringify(messages.filter((m) => m.type === 'error' || m.type === 'log'))}`);
  return { runDir: done.runDir, messages };
}

// Runs shared by several tests (each takes seconds on the tiny model).
const TRAINED = { loggingSteps: 2 };
const trained = setfit(TRAINED);
const frozen = setfit({ setfitBodyEpochs: 0 });

async function embed(onnxFile: string, output: string, texts: string[], tokenizerDir: string): Promise<Float32Array[]> {
  const tok = await loadTokenizer(tokenizerDir);
  const session = await ort.InferenceSession.create(onnxFile);
  const out: Float32Array[] = [];
  for (const t of texts) {
    const enc = tok.encode([t]);
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', enc.inputIds, [1, enc.seq]), attention_mask: new ort.Tensor('int64', enc.attentionMask, [1, enc.seq]) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', enc.tokenTypeIds, [1, enc.seq]);
    out.push(Float32Array.from((await session.run(feeds))[output].data as Float32Array));
  }
  await session.release();
  return out;
}

const cosine = (u: Float32Array, v: Float32Array) => {
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let i = 0; i < u.length; i++) {
    uv += u[i] * v[i];
    uu += u[i] * u[i];
    vv += v[i] * v[i];
  }
  return uv / Math.sqrt(uu * vv);
};

/** The contrastive objective over every pair of training sentences: (cos − 1)² same class, cos² different class. */
function pairObjective(emb: Float32Array[], labels: string[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < emb.length; i++) {
    for (let j = i + 1; j < emb.length; j++) {
      sum += (cosine(emb[i], emb[j]) - (labels[i] === labels[j] ? 1 : 0)) ** 2;
      n++;
    }
  }
  return sum / n;
}

test('contrastive pairs train the body: the pair objective over the training sentences drops, the run logs like the trainer', async () => {
  const [{ runDir }, { runDir: frozenDir }] = await Promise.all([trained, frozen]);
  const texts = DATA.train.map((r) => r.text);
  const labels = DATA.train.map((r) => r.label);
  const st = (dir: string) => path.join(dir, 'model', 'sentence-transformer');
  const before = pairObjective(await embed(path.join(st(frozenDir), 'onnx', 'model.onnx'), 'sentence_embedding', texts, st(frozenDir)), labels);
  const after = pairObjective(await embed(path.join(st(runDir), 'onnx', 'model.onnx'), 'sentence_embedding', texts, st(runDir)), labels);
  assert.ok(after < 0.9 * before, `pair objective ${before.toFixed(4)} → ${after.toFixed(4)}`);

  const metrics = readMetrics(runDir);
  const train = metrics.filter((m) => m.type === 'train');
  // 16 examples × 5 iterations × (1 positive + 1 negative partner) = 160 pairs = 10 steps of 16.
  assert.equal(train.at(-1)!.step, 10);
  assert.ok(train.every((m) => m.phase === 'body' && typeof m.loss === 'number' && typeof m.lr === 'number'));
  assert.ok((train.at(-1)!.loss as number) < (train[0].loss as number), `logged loss ${train[0].loss} → ${train.at(-1)!.loss}`);
  const evals = metrics.filter((m) => m.type === 'eval');
  assert.equal(evals.length, 1);
  const m = evals[0].metrics as Record<string, number>;
  for (const k of ['loss', 'accuracy', 'macroF1', 'microF1', 'weightedF1']) assert.equal(typeof m[k], 'number', k);
  const confusion = evals[0].confusion as number[][];
  assert.equal(confusion.flat().reduce((a, b) => a + b, 0), 40);
  assert.equal(readRun(runDir).status, 'completed');
});

test('export: the body in sentence-transformers layout plus the head, and a classifier folder with id2label', async () => {
  const { runDir } = await trained;
  const model = path.join(runDir, 'model');
  const st = path.join(model, 'sentence-transformer');
  for (const f of ['config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'model_head.json']) assert.ok(fs.existsSync(path.join(model, f)), f);
  assert.ok(!fs.existsSync(path.join(model, 'model.safetensors')), 'no safetensors that an HF sequence classifier would misread');
  for (const f of ['modules.json', '1_Pooling/config.json', 'config_sentence_transformers.json', 'sentence_bert_config.json', 'config.json', 'model.safetensors', 'tokenizer.json', 'vocab.txt', 'onnx/model.onnx', 'model_head.safetensors', 'config_setfit.json']) {
    assert.ok(fs.existsSync(path.join(st, f)), `sentence-transformer/${f}`);
  }
  const modules = JSON.parse(fs.readFileSync(path.join(st, 'modules.json'), 'utf8')) as { path: string; type: string }[];
  assert.deepEqual(modules.map((m) => [m.path, m.type]), [['', 'sentence_transformers.models.Transformer'], ['1_Pooling', 'sentence_transformers.models.Pooling']]);
  const pooling = JSON.parse(fs.readFileSync(path.join(st, '1_Pooling', 'config.json'), 'utf8'));
  assert.equal(pooling.pooling_mode_mean_tokens, true);
  assert.equal(pooling.pooling_mode_cls_token, false);
  assert.equal(pooling.word_embedding_dimension, 32);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(st, 'config.json'), 'utf8')).architectures, ['BertModel']);
  const stOnnx = await ort.InferenceSession.create(path.join(st, 'onnx', 'model.onnx'));
  assert.deepEqual([...stOnnx.outputNames].sort(), ['last_hidden_state', 'sentence_embedding']);
  await stOnnx.release();

  const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
  assert.deepEqual(config.id2label, { 0: 'negative', 1: 'positive' });
  assert.deepEqual(config.label2id, { negative: 0, positive: 1 });
  assert.equal(config.model_type, 'bert');

  // Body: bare BertModel names (no "bert." prefix, no task head), the source's pooler kept unchanged (mean pooling never
  // uses it; BertModel would re-initialise it if missing); the trained run moved the encoder, the frozen one did not.
  const base = SafetensorsFile.open(path.join(MODEL, 'model.safetensors'));
  const body = SafetensorsFile.open(path.join(st, 'model.safetensors'));
  assert.ok(body.names().includes('embeddings.word_embeddings.weight'));
  assert.ok(!body.names().some((n) => n.startsWith('bert.') || n.startsWith('classifier')));
  assert.ok(body.names().includes('pooler.dense.weight') && body.names().includes('pooler.dense.bias'));
  const changed = body.names().filter((n) => body.readFloat32(n).some((v, i) => v !== base.readFloat32(`bert.${n}`)[i]));
  assert.ok(changed.includes('encoder.layer.1.output.dense.weight') && changed.includes('embeddings.word_embeddings.weight'), `changed: ${changed.join(', ')}`);
  assert.ok(!changed.some((n) => n.startsWith('pooler.')), 'the pooler is the source\'s');
  const frozenBody = SafetensorsFile.open(path.join((await frozen).runDir, 'model', 'sentence-transformer', 'model.safetensors'));
  for (const n of frozenBody.names()) assert.deepEqual(frozenBody.readFloat32(n), base.readFloat32(`bert.${n}`), `frozen ${n}`);

  const head = SafetensorsFile.open(path.join(st, 'model_head.safetensors'));
  assert.deepEqual([...head.entry('linear.weight').shape], [2, 32]);
  const json = JSON.parse(fs.readFileSync(path.join(model, 'model_head.json'), 'utf8'));
  assert.deepEqual(json.labels, ['negative', 'positive']);
  assert.deepEqual(json.weight.flat(), Array.from(head.readFloat32('linear.weight')));
});

/** logits = head(embedding) in JS from model_head.json, the embedding from the exported body's ONNX graph. */
async function jsLogits(runDir: string, texts: string[]): Promise<number[][]> {
  const model = path.join(runDir, 'model');
  const st = path.join(model, 'sentence-transformer');
  const head = JSON.parse(fs.readFileSync(path.join(model, 'model_head.json'), 'utf8')) as { weight: number[][]; bias: number[]; normalize_embeddings: boolean };
  return (await embed(path.join(st, 'onnx', 'model.onnx'), 'sentence_embedding', texts, st)).map((e) => {
    const norm = head.normalize_embeddings ? Math.max(Math.sqrt(e.reduce((s, v) => s + v * v, 0)), 1e-12) : 1;
    return head.weight.map((row, k) => row.reduce((s, w, d) => s + w * (e[d] / norm), head.bias[k]));
  });
}

for (const normalize of [false, true]) {
  test(`combined ONNX classifier = exported body embedding → head in JS${normalize ? ' (normalised embeddings)' : ''}; transformers.js text-classification agrees`, async () => {
    const { runDir } = normalize ? await setfit({ setfitNormalize: true, setfitIterations: 2 }) : await trained;
    const model = path.join(runDir, 'model');
    const ours = await jsLogits(runDir, SENTENCES);
    const combined = await embed(path.join(model, 'onnx', 'model.onnx'), 'logits', SENTENCES, model);
    let worst = 0;
    combined.forEach((row, i) => row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - ours[i][k])))));
    assert.ok(worst <= 1e-5, `max |Δlogit| ${worst}`);
    assert.ok(ours.some((r) => Math.abs(r[0] - r[1]) > 1e-3), 'logits must not be all ties');

    const { pipeline } = await loadTransformers();
    const classify = await pipeline('text-classification', model, { local_files_only: true, dtype: 'fp32' });
    for (const [i, s] of SENTENCES.entries()) {
      const preds = (await classify(s, { top_k: null })) as { label: string; score: number }[];
      const z = ours[i];
      const m = Math.max(...z);
      const p = z.map((v) => Math.exp(v - m) / z.reduce((a, u) => a + Math.exp(u - m), 0));
      for (const pr of preds) assert.ok(Math.abs(pr.score - p[['negative', 'positive'].indexOf(pr.label)]) <= 1e-5, `${s}: ${pr.label} ${pr.score} vs ${JSON.stringify(p)}`);
    }
  });
}

test('differentiable head, end to end: head and body both train with cross-entropy; eval after every head epoch', async () => {
  const { runDir } = await setfit({ setfitBodyEpochs: 0, setfitHead: 'differentiable', setfitEndToEnd: true, setfitHeadEpochs: 3, headLearningRate: 1e-2, batchSize: 4, loggingSteps: 1 });
  const metrics = readMetrics(runDir);
  const train = metrics.filter((m) => m.type === 'train');
  assert.equal(train.length, 12);
  assert.ok(train.every((m) => m.phase === 'head'));
  assert.equal(metrics.filter((m) => m.type === 'eval').length, 3);
  const base = SafetensorsFile.open(path.join(MODEL, 'model.safetensors'));
  const body = SafetensorsFile.open(path.join(runDir, 'model', 'sentence-transformer', 'model.safetensors'));
  const n = 'encoder.layer.0.attention.self.query.weight';
  assert.notDeepEqual(body.readFloat32(n), base.readFloat32(`bert.${n}`));
  const ours = await jsLogits(runDir, SENTENCES);
  const combined = await embed(path.join(runDir, 'model', 'onnx', 'model.onnx'), 'logits', SENTENCES, path.join(runDir, 'model'));
  combined.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - ours[i][k]) <= 1e-5)));
});

test('differentiable head alone: the frozen body is bit-identical to the base model', async () => {
  const { runDir } = await setfit({ setfitBodyEpochs: 0, setfitHead: 'differentiable', setfitHeadEpochs: 2, headLearningRate: 1e-2 });
  const base = SafetensorsFile.open(path.join(MODEL, 'model.safetensors'));
  const body = SafetensorsFile.open(path.join(runDir, 'model', 'sentence-transformer', 'model.safetensors'));
  for (const n of body.names()) assert.deepEqual(body.readFloat32(n), base.readFloat32(`bert.${n}`), n);
  assert.equal(readMetrics(runDir).filter((m) => m.type === 'eval').length, 2);
});

test('cancelling stops the body phase at once: status cancelled, no export', async () => {
  const { runDir, messages } = await setfit({ loggingSteps: 1 }, (ms) => ms.some((m) => m.type === 'progress'));
  assert.equal(messages.filter((m) => m.type === 'progress').length, 1);
  assert.deepEqual(messages.at(-1), { type: 'done', runDir, status: 'cancelled' });
  assert.equal(readRun(runDir).status, 'cancelled');
  assert.ok(!fs.existsSync(path.join(runDir, 'model')));
});

test('seeded: the same settings give a bit-identical body and head; another seed does not', async () => {
  const [a, b, c] = await Promise.all([trained, setfit(TRAINED), setfit({ ...TRAINED, seed: 8 })]);
  const files = (dir: string) => ['model.safetensors', 'model_head.safetensors'].map((f) => fs.readFileSync(path.join(dir, 'model', 'sentence-transformer', f)));
  const [fa, fb, fc] = [files(a.runDir), files(b.runDir), files(c.runDir)];
  assert.ok(fa.every((buf, i) => buf.equals(fb[i])), 'same seed, same bytes');
  assert.ok(!fa[0].equals(fc[0]), 'another seed trains differently');
});

test('a run cancelled in the body phase resumes in its own folder and completes', async () => {
  const { runDir } = await setfit({ loggingSteps: 1 }, (ms) => ms.some((m) => m.type === 'progress'));
  const messages: FromWorker[] = [];
  await runTraining({} as RunConfig, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false }, runDir);
  assert.deepEqual(messages.at(-1), { type: 'done', runDir, status: 'completed', bestMetric: readRun(runDir).bestMetric });
  assert.ok(messages.some((m) => m.type === 'log' && m.message.includes('the body phase starts again')));
  assert.ok(fs.existsSync(path.join(runDir, 'model', 'onnx', 'model.onnx')));
});

test('evaluating the exported folder (finetune-studio eval) reproduces the evaluation logged by the run', async () => {
  const { runDir } = await trained;
  const model = path.join(runDir, 'model');
  assert.ok(isSetFitFolder(model));
  assert.ok(!isSetFitFolder(MODEL));
  const again = await evaluateSetFitFolder(model, path.join(path.dirname(DATA.file), 'validation.csv'), readRun(runDir));
  const logged = readMetrics(runDir).filter((m) => m.type === 'eval').at(-1)!.metrics as Record<string, number>;
  assert.equal(again.examples, 40);
  assert.equal(again.metrics.accuracy, logged.accuracy);
  assert.ok(Math.abs(again.metrics.loss - logged.loss) < 1e-9, `${again.metrics.loss} vs ${logged.loss}`);
});
