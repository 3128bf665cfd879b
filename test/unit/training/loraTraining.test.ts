// LoRA end to end through the general trainer on the generated tiny BERT: the PEFT adapter folder's names and config are
// PEFT's for BertForSequenceClassification (the list is written out here from PEFT's naming rule, not read from our
// code), the merged export is W + s·B·A over untouched base weights, checkpoints hold only adapters and head, a killed
// run resumes to the same adapter, a run continued from the adapter folder starts from its head exactly, the token
// tasks get their PEFT task types, and bad settings are refused before any run folder exists.
// Needs `npm run fixtures` (npm test runs it first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SafetensorsFile } from '../../../src/models/safetensors';
import { loadModel } from '../../../src/onnx/serialize';
import type { FromWorker, RunConfig, SummaryEntry } from '../../../src/training/protocol';
import { latestCheckpoint, readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const DATA = path.join(WS, 'data/sentiment_train.csv');
const NER_TRAIN = path.join(WS, 'data/ner/train.conll');
const SQUAD_TRAIN = path.join(WS, 'data/qa/squad_train.json');
const CLI = path.join(ROOT, 'out/src/cli.js');

const base = SafetensorsFile.open(path.join(MODEL, 'model.safetensors'));
const config = JSON.parse(fs.readFileSync(path.join(MODEL, 'config.json'), 'utf8')) as { num_hidden_layers: number; hidden_size: number };
const L = config.num_hidden_layers;
const H = config.hidden_size;

interface Run { runDir: string; messages: FromWorker[] }

async function train(settings: Record<string, unknown>, extra: Partial<RunConfig> = {}, opts: { cancelAt?: number; resume?: string } = {}): Promise<Run> {
  const runsRoot = extra.runsRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lora-runs-'));
  const messages: FromWorker[] = [];
  let cancel = false;
  const cfg: RunConfig = {
    model: MODEL, data: DATA, strategy: 'lora', runsRoot, device: 'cpu',
    settings: { batchSize: 16, maxLength: 32, learningRate: 3e-3, threads: 1, loggingSteps: 1, ...settings }, ...extra,
  };
  await runTraining(cfg, {
    emit: (m) => {
      messages.push(m);
      if (opts.cancelAt !== undefined && m.type === 'progress' && m.step >= opts.cancelAt) cancel = true;
    },
    isCancelled: () => cancel, isPaused: () => false,
  }, opts.resume);
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done', `run did not end: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return { runDir: done.runDir, messages };
}

const tensors = (file: string) => {
  const f = SafetensorsFile.open(file);
  return new Map(f.names().map((n) => [n, { shape: [...f.entry(n).shape], data: f.readFloat32(n) }]));
};
const logs = (r: Run) => r.messages.flatMap((m) => (m.type === 'log' ? [m.message] : []));
const summary = (runDir: string) => readMetrics(runDir).find((e) => e.type === 'summary') as unknown as SummaryEntry;

/** PEFT's state-dict names for BertForSequenceClassification with target_modules ["query", "value"] and the SEQ_CLS head. */
function peftNamesForBert(layers: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < layers; i++) {
    for (const m of ['query', 'value']) {
      for (const f of ['lora_A', 'lora_B']) names.push(`base_model.model.bert.encoder.layer.${i}.attention.self.${m}.${f}.weight`);
    }
  }
  names.push('base_model.model.classifier.bias', 'base_model.model.classifier.weight');
  return names.sort();
}

test('a LoRA run writes a PEFT adapter folder with PEFT\'s names, a merged model over untouched base weights, and small checkpoints', async () => {
  const r = await train({ epochs: 1, loraRank: 4, loraAlpha: 8 });
  const record = readRun(r.runDir)!;
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.lora?.targetModules, ['query', 'value']);
  assert.equal(record.lora?.adaptedModules, 2 * L);
  assert.equal(record.lora?.scaling, 2);

  // adapter_config.json: what PeftConfig.from_pretrained reads.
  const adapterDir = path.join(r.runDir, 'adapter');
  const ac = JSON.parse(fs.readFileSync(path.join(adapterDir, 'adapter_config.json'), 'utf8'));
  assert.equal(ac.peft_type, 'LORA');
  assert.equal(ac.task_type, 'SEQ_CLS');
  assert.equal(ac.r, 4);
  assert.equal(ac.lora_alpha, 8);
  assert.equal(ac.bias, 'none');
  assert.equal(ac.use_rslora, false);
  assert.deepEqual(ac.target_modules, ['query', 'value']);
  assert.ok(ac.modules_to_save.includes('classifier'), JSON.stringify(ac.modules_to_save));
  assert.equal(ac.base_model_name_or_path, MODEL);

  // adapter_model.safetensors: exactly PEFT's names and shapes (lora_A [r, in], lora_B [out, r]), the head included.
  const adapter = tensors(path.join(adapterDir, 'adapter_model.safetensors'));
  assert.deepEqual([...adapter.keys()].sort(), peftNamesForBert(L));
  for (const [n, t] of adapter) {
    if (n.endsWith('lora_A.weight')) assert.deepEqual(t.shape, [4, H], n);
    if (n.endsWith('lora_B.weight')) assert.deepEqual(t.shape, [H, 4], n);
  }
  const bMoved = [...adapter].filter(([n, t]) => n.endsWith('lora_B.weight') && t.data.some((v) => v !== 0));
  assert.equal(bMoved.length, 2 * L, 'every lora_B left zero: the adapters trained');
  // The labels PEFT does not keep are in config.json beside it.
  assert.deepEqual(Object.values(JSON.parse(fs.readFileSync(path.join(adapterDir, 'config.json'), 'utf8')).id2label), record.dataset.labels);

  // The merged export: W + (alpha/r)·B·A on the adapted weights, every other encoder weight exactly the base's.
  const merged = tensors(path.join(r.runDir, 'model', 'model.safetensors'));
  let worst = 0;
  for (let i = 0; i < L; i++) {
    for (const m of ['query', 'value']) {
      const name = `bert.encoder.layer.${i}.attention.self.${m}.weight`;
      const a = adapter.get(`base_model.model.bert.encoder.layer.${i}.attention.self.${m}.lora_A.weight`)!.data;
      const b = adapter.get(`base_model.model.bert.encoder.layer.${i}.attention.self.${m}.lora_B.weight`)!.data;
      const w = base.readFloat32(name);
      const got = merged.get(name)!.data;
      for (let o = 0; o < H; o++) {
        for (let j = 0; j < H; j++) {
          let d = 0;
          for (let k = 0; k < 4; k++) d += b[o * 4 + k] * a[k * H + j];
          worst = Math.max(worst, Math.abs(got[o * H + j] - (w[o * H + j] + 2 * d)));
        }
      }
    }
  }
  assert.ok(worst < 1e-6, `merged weight differs from W + s·B·A by ${worst}`);
  for (const name of base.names()) {
    if (!merged.has(name) || /attention\.self\.(query|value)\.weight$/.test(name) || name.startsWith('classifier.')) continue;
    assert.deepEqual(merged.get(name)!.data, base.readFloat32(name), `${name} changed: LoRA must leave the base weights frozen`);
  }
  assert.deepEqual(merged.get('classifier.weight')!.data, adapter.get('base_model.model.classifier.weight')!.data);

  // Checkpoints hold the adapters and the head only; the summary counts what trained.
  const ckpt = tensors(path.join(latestCheckpoint(r.runDir)!, 'weights.safetensors'));
  assert.deepEqual([...ckpt.keys()].sort(), [...adapter.keys()].map((n) => n.slice('base_model.model.'.length)).sort());
  const s = summary(r.runDir);
  assert.equal(s.trainableParams, 2 * L * 4 * (H + H) + 2 * H + 2);
  assert.ok(s.adapterBytes! < s.modelBytes! / 10, `adapter ${s.adapterBytes} B vs model ${s.modelBytes} B`);

  // The merged onnx/model.onnx computes what the adapted training graph computed: same logits as the eval graph of the
  // run on one input (re-derived through the merged weights, so equal within float32 rounding of W + s·B·A).
  const session = await ort.InferenceSession.create(path.join(r.runDir, 'model', 'onnx', 'model.onnx'));
  const ids = new ort.Tensor('int64', BigInt64Array.from([2n, 10n, 11n, 12n, 3n]), [1, 5]);
  const out = await session.run({ input_ids: ids, attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n, 1n, 1n]), [1, 5]), token_type_ids: new ort.Tensor('int64', new BigInt64Array(5), [1, 5]) });
  assert.equal((out.logits.data as Float32Array).length, 2);
  assert.ok([...(out.logits.data as Float32Array)].every(Number.isFinite));

  // `export --adapter` hands out the adapter folder, `eval --run` scores the merged model as the run's last evaluation did.
  const outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lora-export-')), 'adapter');
  child_process.execFileSync(process.execPath, [CLI, 'export', '--run', r.runDir, '--adapter', '--out', outDir], { encoding: 'utf8' });
  assert.deepEqual(fs.readFileSync(path.join(outDir, 'adapter_model.safetensors')), fs.readFileSync(path.join(adapterDir, 'adapter_model.safetensors')));
  // The run scored its test split once with the adapted graph; the merged model scores the same file alike.
  const testFile = path.join(WS, 'data/sentiment_test.csv');
  const scored = JSON.parse(child_process.execFileSync(process.execPath, [CLI, 'eval', '--run', r.runDir, '--data', testFile, '--json'], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as { metrics: Record<string, number> };
  assert.equal(record.test?.examples, 200);
  assert.equal(scored.metrics.accuracy, readRun(r.runDir)!.test!.metrics.accuracy);
  assert.ok(Math.abs(scored.metrics.loss - readRun(r.runDir)!.test!.metrics.loss) < 1e-5, `${scored.metrics.loss} vs ${readRun(r.runDir)!.test!.metrics.loss}`);
});

test('a LoRA run killed mid-epoch resumes to the same adapter as an uninterrupted run', async () => {
  const settings = { epochs: 1, maxSteps: 12, evalEvery: 4, loraRank: 4 };
  const whole = await train(settings);
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-resume-'));
  const first = await train(settings, { runsRoot }, { cancelAt: 6 });
  assert.equal(readRun(first.runDir)!.status, 'cancelled');
  const resumed = await train(settings, { runsRoot }, { resume: first.runDir });
  assert.equal(resumed.runDir, first.runDir);
  const a = tensors(path.join(whole.runDir, 'adapter', 'adapter_model.safetensors'));
  const b = tensors(path.join(first.runDir, 'adapter', 'adapter_model.safetensors'));
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [n, t] of a) assert.deepEqual(b.get(n)!.data, t.data, n);
});

test('a run continued from the adapter folder starts from its adapters and head exactly', async () => {
  const first = await train({ epochs: 1, loraRank: 4, loraAlpha: 8 });
  const adapterDir = path.join(first.runDir, 'adapter');
  const saved = tensors(path.join(adapterDir, 'adapter_model.safetensors'));
  // A learning rate of 1e-12 and no decay: the continued run's single step moves nothing measurable, so its own
  // adapter folder and its first evaluation show what it started from.
  const again = await train({ maxSteps: 1, learningRate: 1e-12, weightDecay: 0, warmupRatio: 0 }, { model: adapterDir });
  assert.ok(logs(again).some((l) => /continuing the LoRA adapter in .*; head restored/.test(l)), logs(again).join('\n'));
  const record = readRun(again.runDir)!;
  assert.equal(record.lora?.fromAdapter, adapterDir);
  assert.equal(record.lora?.rank, 4, 'the adapter folder fixes the rank');
  const after = tensors(path.join(again.runDir, 'adapter', 'adapter_model.safetensors'));
  const worst = Math.max(...[...saved].map(([n, t]) => Math.max(...t.data.map((v, i) => Math.abs(v - after.get(n)!.data[i])))));
  assert.ok(worst < 1e-9, `continued adapter moved by ${worst}`);
  const firstEval = (runDir: string) => readMetrics(runDir).filter((e) => e.type === 'eval') as unknown as { metrics: Record<string, number> }[];
  assert.ok(Math.abs(firstEval(again.runDir)[0].metrics.loss - firstEval(first.runDir).at(-1)!.metrics.loss) < 1e-5, 'the same model scores the same validation loss');
  // The base model recorded is the one the adapter names, not the adapter folder.
  assert.equal(JSON.parse(fs.readFileSync(path.join(again.runDir, 'adapter', 'adapter_config.json'), 'utf8')).base_model_name_or_path, MODEL);
});

test('token classification and question answering get TOKEN_CLS / QUESTION_ANS adapters with their heads saved', async () => {
  const ner = await train({ maxSteps: 4, maxLength: 64 }, { data: NER_TRAIN });
  const nerCfg = JSON.parse(fs.readFileSync(path.join(ner.runDir, 'adapter', 'adapter_config.json'), 'utf8'));
  assert.equal(nerCfg.task_type, 'TOKEN_CLS');
  assert.ok(tensors(path.join(ner.runDir, 'adapter', 'adapter_model.safetensors')).has('base_model.model.classifier.weight'));
  const qa = await train({ maxSteps: 4, maxLength: 128 }, { data: SQUAD_TRAIN });
  const qaCfg = JSON.parse(fs.readFileSync(path.join(qa.runDir, 'adapter', 'adapter_config.json'), 'utf8'));
  assert.equal(qaCfg.task_type, 'QUESTION_ANS');
  assert.deepEqual(qaCfg.modules_to_save, ['qa_outputs']);
  const qaTensors = tensors(path.join(qa.runDir, 'adapter', 'adapter_model.safetensors'));
  assert.deepEqual(qaTensors.get('base_model.model.qa_outputs.weight')!.shape, [2, H]);
});

test('LoRA composes with gradual unfreezing (adapters unfreeze top down) and partial (adapters above the frozen layers only)', async () => {
  const gradual = await train({ epochs: 2, adapter: 'lora' }, { strategy: 'gradual-unfreezing' });
  const phases = logs(gradual).filter((l) => /^epoch \d+: training/.test(l));
  assert.deepEqual(phases.map((l) => Number(/training (\d+) of/.exec(l)![1])), [2, 2 + 4], phases.join('\n'));
  const partial = await train({ epochs: 1, adapter: 'lora', freezeLayers: 1 }, { strategy: 'partial' });
  const ac = JSON.parse(fs.readFileSync(path.join(partial.runDir, 'adapter', 'adapter_config.json'), 'utf8'));
  assert.deepEqual(ac.layers_to_transform, Array.from({ length: L - 1 }, (_, k) => k + 1));
  const names = [...tensors(path.join(partial.runDir, 'adapter', 'adapter_model.safetensors')).keys()];
  assert.ok(!names.some((n) => n.includes('layer.0.')), names.join('\n'));
  // The frozen prefix ends where the first adapter begins: layer 0 (no adapter) runs in frozen_prefix.onnx without a
  // backward pass, and the training graph starts at layer 1.
  const artifacts = path.join(partial.runDir, 'artifacts', 'epoch-0');
  const inits = (file: string) => [...loadModel(path.join(artifacts, file)).graph.initializers.keys()];
  assert.ok(inits('frozen_prefix.onnx').some((n) => n.startsWith('bert.encoder.layer.0.')), 'layer 0 is in the frozen prefix');
  assert.ok(!inits('training_model.onnx').some((n) => n.startsWith('bert.encoder.layer.0.')), 'the training graph holds no layer-0 weight');
  // Above it the frozen weights stay initializers of the training graph (gradients flow through them, none for them).
  assert.ok(inits('training_model.onnx').includes('bert.encoder.layer.1.attention.output.dense.weight'));
  const manifest = JSON.parse(fs.readFileSync(path.join(artifacts, 'manifest.json'), 'utf8')) as { params: { name: string }[] };
  assert.ok(manifest.params.every((p) => p.name.includes('.lora_') || p.name.startsWith('classifier.')), JSON.stringify(manifest.params.map((p) => p.name)));
});

test('bad LoRA settings are refused before any run folder exists', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-bad-'));
  const refused = async (settings: Record<string, unknown>, strategy: RunConfig['strategy'], pattern: RegExp) => {
    await assert.rejects(runTraining({ model: MODEL, data: DATA, strategy, runsRoot, device: 'cpu', settings }, { emit: () => undefined, isCancelled: () => false, isPaused: () => false }), pattern);
  };
  await refused({ loraTargetModules: ['q', 'v'] }, 'lora', /"q" matches no Linear module \(did you mean "query"/);
  await refused({ loraRank: 4 }, 'full', /"loraRank" applies to LoRA runs only/);
  await refused({ adapter: 'lora' }, 'feature-extraction', /LoRA adapters train under the strategies/);
  await refused({ loraTargetModules: ['classifier'] }, 'lora', /part of the head, which trains fully/);
  await refused({ adapter: 'lora' }, 'setfit', /LoRA adapters train under the strategies/);
  assert.deepEqual(fs.readdirSync(runsRoot), [], 'no run folder for a refused run');
});
