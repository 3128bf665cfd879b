// LoRA on the Hub-layout zoo (real file sets, tensor names and configs; 2 layers): a short LoRA run per repo through the
// general trainer writes an adapter file whose names are exactly what PEFT saves for that repo's HF task class —
// `base_model.model.<module>.lora_A/B.weight` for each Linear the family's default targets name, found here from the
// repo's own checkpoint names (not from our graph), plus the task head as PEFT's modules_to_save keeps it. A new head
// is saved (the lost-head bug), a pretrained pooler is not (PEFT leaves it frozen), a missing one (DeBERTa-v3) is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile } from '../../../src/models/safetensors';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { runTraining } from '../../../src/training/run';
import type { ZooRepoId } from '../../../scripts/fixtures/hubZoo';
import { zooRepo } from './support';

const ROOT = path.resolve(__dirname, '../../../..');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const SENTIMENT = path.join(WS, 'data/sentiment_train.csv');

const CLASSIFIER = ['classifier.weight', 'classifier.bias'];
const CLASSIFICATION_HEAD = ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias'];

interface Case {
  id: ZooRepoId;
  /** The HF task class's encoder prefix, and the prefix the repo's own checkpoint uses (sentence-transformers: none). */
  prefix: string;
  checkpointPrefix?: string;
  /** PEFT's default target_modules for the family (ours where PEFT has none). */
  targets: string[];
  /** The task head's tensors in the HF class. */
  head: string[];
  data?: string;
  peftTask: string;
  modulesToSave?: string[];
}

const CASES: Case[] = [
  { id: 'google-bert/bert-base-uncased', prefix: 'bert', targets: ['query', 'value'], head: CLASSIFIER, peftTask: 'SEQ_CLS' },
  { id: 'sentence-transformers/all-MiniLM-L6-v2', prefix: 'bert', checkpointPrefix: '', targets: ['query', 'value'], head: CLASSIFIER, peftTask: 'SEQ_CLS' },
  { id: 'FacebookAI/roberta-base', prefix: 'roberta', targets: ['query', 'value'], head: CLASSIFICATION_HEAD, peftTask: 'SEQ_CLS' },
  { id: 'FacebookAI/xlm-roberta-base', prefix: 'roberta', targets: ['query', 'value'], head: CLASSIFICATION_HEAD, peftTask: 'SEQ_CLS' },
  { id: 'google/electra-small-discriminator', prefix: 'electra', targets: ['query', 'value'], head: CLASSIFICATION_HEAD, peftTask: 'SEQ_CLS' },
  { id: 'distilbert/distilbert-base-uncased', prefix: 'distilbert', targets: ['q_lin', 'v_lin'], head: ['pre_classifier.weight', 'pre_classifier.bias', ...CLASSIFIER], peftTask: 'SEQ_CLS', modulesToSave: ['classifier', 'score', 'pre_classifier'] },
  // deberta-v3-small has no pooler in its checkpoint: ContextPooler is new, so it is trained and saved with the classifier.
  { id: 'microsoft/deberta-v3-small', prefix: 'deberta', targets: ['query_proj', 'value_proj'], head: ['pooler.dense.weight', 'pooler.dense.bias', ...CLASSIFIER], peftTask: 'SEQ_CLS', modulesToSave: ['classifier', 'score', 'pooler'] },
  { id: 'sentence-transformers/all-mpnet-base-v2', prefix: 'mpnet', checkpointPrefix: '', targets: ['q', 'v'], head: CLASSIFICATION_HEAD, peftTask: 'SEQ_CLS' },
  { id: 'answerdotai/ModernBERT-base', prefix: 'model', targets: ['Wqkv'], head: ['head.dense.weight', 'head.norm.weight', ...CLASSIFIER], peftTask: 'SEQ_CLS', modulesToSave: ['classifier', 'score', 'head'] },
  { id: 'dslim/bert-base-NER', prefix: 'bert', targets: ['query', 'value'], head: CLASSIFIER, data: path.join(WS, 'data/ner/train.conll'), peftTask: 'TOKEN_CLS' },
  { id: 'deepset/roberta-base-squad2', prefix: 'roberta', targets: ['query', 'value'], head: ['qa_outputs.weight', 'qa_outputs.bias'], data: path.join(WS, 'data/qa/squad_train.json'), peftTask: 'QUESTION_ANS', modulesToSave: ['qa_outputs'] },
];

/** PEFT's adapter file names for `c`: from the repo checkpoint's Linear weights that a target names. */
function expectedNames(c: Case, dir: string): string[] {
  const ckpt = SafetensorsFile.open(path.join(dir, 'model.safetensors'));
  const from = c.checkpointPrefix ?? c.prefix;
  const modules = ckpt.names()
    .filter((n) => n.endsWith('.weight') && c.targets.some((t) => n.endsWith(`.${t}.weight`)))
    .map((n) => n.slice(0, -'.weight'.length))
    .map((m) => (from === c.prefix ? m : `${c.prefix}.${from ? m.slice(from.length + 1) : m}`));
  assert.ok(modules.length >= 2, `${c.id}: no checkpoint weight ends in ${c.targets.join(' / ')}`);
  return [
    ...modules.flatMap((m) => [`base_model.model.${m}.lora_A.weight`, `base_model.model.${m}.lora_B.weight`]),
    ...c.head.map((h) => `base_model.model.${h}`),
  ].sort();
}

for (const c of CASES) {
  test(`LoRA on ${c.id}: the adapter file holds PEFT's names for the ${c.peftTask} model, head included`, async () => {
    const dir = zooRepo(c.id);
    const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-zoo-'));
    const messages: FromWorker[] = [];
    const config: RunConfig = {
      model: dir, data: c.data ?? SENTIMENT, strategy: 'lora', runsRoot, device: 'cpu',
      settings: { maxSteps: 1, batchSize: 4, evalBatchSize: 8, maxLength: c.peftTask === 'QUESTION_ANS' ? 96 : c.peftTask === 'TOKEN_CLS' ? 64 : 24, threads: 1, loraRank: 2 },
      dataLimits: { train: 16, validation: 8 },
    } as RunConfig;
    await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
    const done = messages.find((m) => m.type === 'done');
    assert.ok(done && done.type === 'done' && done.status === 'completed', JSON.stringify(messages.filter((m) => m.type === 'error')));
    const adapterDir = path.join(done.runDir, 'adapter');
    const names = SafetensorsFile.open(path.join(adapterDir, 'adapter_model.safetensors')).names().sort();
    assert.deepEqual(names, expectedNames(c, dir));
    const ac = JSON.parse(fs.readFileSync(path.join(adapterDir, 'adapter_config.json'), 'utf8'));
    assert.equal(ac.task_type, c.peftTask);
    assert.deepEqual(ac.target_modules, c.targets);
    assert.deepEqual(ac.modules_to_save, c.modulesToSave ?? ['classifier', 'score']);
    assert.equal(ac.base_model_name_or_path, dir);
  });
}
