// End to end on the generated tiny BERT: NER (CoNLL files, task read off the data) and extractive QA (SQuAD v1.1 and
// v2.0) train through the general trainer, beat a trivial baseline computed here from the same data, record their
// task and metrics, export folders transformers.js' pipelines load, and `eval --run` scores them again.
// Needs `npm run fixtures` (npm test runs it first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNerSplits } from '../../../src/data/ner';
import { loadQaSplits } from '../../../src/data/qa';
import { loadTransformers } from '../../../src/models/tokenizer';
import type { EvalEntry, FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';
import { seqevalReport } from '../../../src/training/worker/seqeval';
import { normalizeAnswer, squadScores } from '../../../src/training/worker/squadMetrics';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const MODEL = path.join(WS, 'models/tiny-bert');
const NER_TRAIN = path.join(WS, 'data/ner/train.conll');
const SQUAD_TRAIN = path.join(WS, 'data/qa/squad_train.json');
const SQUAD2_TRAIN = path.join(WS, 'data/qa/squad2_train.json');
const CLI = path.join(ROOT, 'out/src/cli.js');

async function train(data: string, settings: Record<string, unknown>, extra: Partial<RunConfig> = {}): Promise<{ runDir: string; messages: FromWorker[] }> {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'token-runs-'));
  const messages: FromWorker[] = [];
  const config: RunConfig = { model: MODEL, data, strategy: 'full', runsRoot, device: 'cpu', settings: { batchSize: 16, maxLength: 64, learningRate: 3e-3, warmupRatio: 0.1, ...settings }, ...extra };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done' && done.status === 'completed', `run did not complete: ${JSON.stringify(messages.filter((m) => m.type === 'error' || m.type === 'done'))}`);
  return { runDir: done.runDir, messages };
}

const lastEval = (runDir: string) => readMetrics(runDir).filter((e): e is EvalEntry & Record<string, unknown> => e.type === 'eval').at(-1)!;

test('NER from CoNLL files: the task is read off the data, entity F1 beats the all-O baseline, per-type table and confusion are recorded', async () => {
  const splits = await loadNerSplits(NER_TRAIN, { seed: 42 });
  // The trivial baseline: every word O (seqeval gives it F1 0), and the stronger one of tagging each word with its most
  // frequent training tag; the model has to find entities by context as well as by word.
  const allO = seqevalReport(splits.validation.map((e) => e.tags), splits.validation.map((e) => e.tags.map(() => 'O')));
  assert.equal(allO.f1, 0);
  const { runDir } = await train(NER_TRAIN, { epochs: 6 });
  const record = readRun(runDir)!;
  assert.equal(record.dataset.task, 'token-classification');
  assert.deepEqual(record.dataset.labels, splits.labels);
  const ev = lastEval(runDir);
  assert.ok(ev.metrics.f1 > 0.6, `entity F1 ${ev.metrics.f1}`);
  assert.ok(ev.metrics.accuracy > 0.9, `word accuracy ${ev.metrics.accuracy}`);
  for (const k of ['precision', 'recall', 'macroF1', 'strictF1', 'loss']) assert.equal(typeof ev.metrics[k], 'number', k);
  const types = [...new Set(splits.labels.filter((t) => t !== 'O').map((t) => t.slice(2)))].sort();
  assert.deepEqual(ev.perClass!.map((r) => r.label), types);
  assert.deepEqual(ev.confusionLabels, ['O', ...types]);
  const words = splits.validation.reduce((n, e) => n + e.tokens.length, 0);
  assert.equal(ev.confusion!.flat().reduce((a, b) => a + b, 0), words, 'the confusion counts every validation word once');

  // The export: *ForTokenClassification with the IOB2 tags as id2label, loadable by transformers.js' pipeline.
  const modelDir = path.join(runDir, 'model');
  const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
  assert.deepEqual(cfg.architectures, ['BertForTokenClassification']);
  assert.deepEqual(Object.values(cfg.id2label), splits.labels);
  const { pipeline } = await loadTransformers();
  const ner = await pipeline('token-classification', modelDir);
  const sentence = splits.validation.find((e) => e.tags.some((t) => t.startsWith('B-')))!;
  const found = (await ner(sentence.tokens.join(' '))) as unknown as { entity: string; word: string }[];
  assert.ok(found.length > 0, 'the pipeline finds entities in a sentence that has some');
  assert.ok(found.every((e) => splits.labels.includes(e.entity)), JSON.stringify(found));

  // Continuing from the export (a NER checkpoint trained on these tags): its head is kept row for row, not re-initialised.
  const again = await train(NER_TRAIN, { maxSteps: 1, learningRate: 1e-9 }, { model: modelDir });
  const logs = again.messages.flatMap((m) => (m.type === 'log' ? [m.message] : []));
  assert.ok(logs.some((l) => /head was trained on these \d+ tags: it is kept/.test(l)), logs.join('\n'));
  assert.ok(!logs.some((l) => /newly initialised.*classifier/.test(l)), logs.join('\n'));

  // `eval --run` scores the export on the validation file with the same evaluator.
  const validationFile = splits.files.validation!;
  const out = child_process.execFileSync(process.execPath, [CLI, 'eval', '--run', runDir, '--data', validationFile, '--json'], { encoding: 'utf8' });
  const cliMetrics = JSON.parse(out.trim().split('\n').at(-1)!).metrics as Record<string, number>;
  assert.ok(Math.abs(cliMetrics.f1 - ev.metrics.f1) < 1e-9, `eval --run f1 ${cliMetrics.f1} vs training's last eval ${ev.metrics.f1}`);
});

test('extractive QA on SQuAD v1.1: exact match and F1 beat answering every question with the most frequent answer; the export answers in transformers.js', async () => {
  const splits = await loadQaSplits(SQUAD_TRAIN, { seed: 42 });
  const counts = new Map<string, number>();
  for (const e of splits.train) for (const a of e.answers.text.slice(0, 1)) counts.set(normalizeAnswer(a), (counts.get(normalizeAnswer(a)) ?? 0) + 1);
  const mostFrequent = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const refs = splits.validation.map((e) => ({ id: e.id, answers: e.answers.text }));
  const baseline = squadScores(splits.validation.map((e) => ({ id: e.id, text: mostFrequent })), refs);
  const { runDir } = await train(SQUAD_TRAIN, { epochs: 8, maxLength: 128 });
  const record = readRun(runDir)!;
  assert.equal(record.dataset.task, 'question-answering');
  const ev = lastEval(runDir);
  assert.ok(ev.metrics.exactMatch > baseline.exactMatch + 20, `EM ${ev.metrics.exactMatch} vs baseline ${baseline.exactMatch}`);
  assert.ok(ev.metrics.f1 > baseline.f1 + 20, `F1 ${ev.metrics.f1} vs baseline ${baseline.f1}`);
  assert.equal(ev.metrics.noAnsExactMatch, undefined, 'no NoAns figures without unanswerable questions');

  const modelDir = path.join(runDir, 'model');
  const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
  assert.deepEqual(cfg.architectures, ['BertForQuestionAnswering']);
  const { pipeline } = await loadTransformers();
  const qa = await pipeline('question-answering', modelDir);
  const sample = splits.validation.slice(0, 30);
  const answers: { id: string; text: string }[] = [];
  for (const e of sample) answers.push({ id: e.id, text: ((await qa(e.question, e.context)) as unknown as { answer: string }).answer });
  const viaPipeline = squadScores(answers, sample.map((e) => ({ id: e.id, answers: e.answers.text })));
  assert.ok(viaPipeline.f1 > baseline.f1 + 20, `transformers.js pipeline F1 ${viaPipeline.f1} on 30 questions vs baseline ${baseline.f1}`);
});

test('SQuAD v2.0: unanswerable questions are scored with HasAns / NoAns figures, through the CLI with --task', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'token-cli-'));
  const out = child_process.execFileSync(process.execPath, [
    CLI, 'train', '--model', MODEL, '--data', SQUAD2_TRAIN, '--task', 'question-answering', '--runs', runsRoot, '--device', 'cpu', '--json',
    '--set', 'epochs=6', '--set', 'batchSize=16', '--set', 'maxLength=128', '--set', 'learningRate=3e-3',
  ], { encoding: 'utf8' });
  const messages = out.trim().split('\n').map((l) => JSON.parse(l) as FromWorker);
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done' && done.status === 'completed', out.slice(-2000));
  const ev = lastEval(done.runDir);
  for (const k of ['hasAnsExactMatch', 'hasAnsF1', 'noAnsExactMatch']) assert.equal(typeof ev.metrics[k], 'number', `${k} in ${JSON.stringify(ev.metrics)}`);
  // Always answering "no answer" scores the unanswerable share; the model must beat it on the whole set.
  const splits = await loadQaSplits(SQUAD2_TRAIN, { seed: 42 });
  const noAnswerShare = (100 * splits.validation.filter((e) => e.answers.text.length === 0).length) / splits.validation.length;
  assert.ok(ev.metrics.f1 > noAnswerShare + 10, `F1 ${ev.metrics.f1} vs always-no-answer ${noAnswerShare}`);
});

test('a token task refuses settings that do not apply, and SetFit refuses token data', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'token-refuse-'));
  const base: RunConfig = { model: MODEL, data: NER_TRAIN, strategy: 'full', runsRoot, device: 'cpu' };
  const run = (c: RunConfig) => runTraining(c, { emit: () => {}, isCancelled: () => false, isPaused: () => false });
  await assert.rejects(run({ ...base, settings: { classWeights: 'balanced' } }), /"classWeights" weighs classes of a sequence classifier; this run trains token classification/);
  await assert.rejects(run({ ...base, strategy: 'setfit' }), /SetFit trains a sentence classifier; this data is for token classification/);
  assert.deepEqual(fs.readdirSync(runsRoot), [], 'a run that cannot start leaves no folder');
});
