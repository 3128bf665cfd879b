// Turns a Hugging Face config.json into one typed ModelSpec, whatever key names the family uses
// (DistilBERT says dim/n_layers/hidden_dim where BERT says hidden_size/num_hidden_layers/intermediate_size).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ConfigError, type HiddenAct } from './configError';
import { DebertaConfig, parseDebertaConfig } from './debertaConfig';
import { ModernBertConfig, parseModernBertConfig } from './modernbertConfig';

export type ModelFamily = 'bert' | 'roberta' | 'distilbert' | 'electra' | 'deberta-v2' | 'mpnet' | 'modernbert';
export type { HiddenAct } from './configError';
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

export interface ModelSpec {
  family: ModelFamily;
  /** config.json model_type as given ("xlm-roberta" keeps its own name for export). */
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  /** ELECTRA may embed in a smaller size and project up; equals hiddenSize elsewhere. */
  embeddingSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  hiddenAct: HiddenAct;
  maxPositions: number;
  /** 0 when the family has no token type embeddings (DistilBERT). */
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  hiddenDropout: number;
  attentionDropout: number;
  /** Dropout before the classification head; HF falls back to hiddenDropout when classifier_dropout is null. */
  classifierDropout: number;
  numLabels: number;
  id2label: Record<number, string>;
  label2id: Record<string, number>;
  problemType?: ProblemType;
  architectures: string[];
  /** DeBERTa-v2/v3's disentangled attention and pooler settings (family 'deberta-v2' only). */
  deberta?: DebertaConfig;
  /** ModernBERT's rotary / local attention / bias settings (family 'modernbert' only). */
  modernbert?: ModernBertConfig;
  /** MPNet's relative attention bias table rows (relative_attention_num_buckets; family 'mpnet' only). */
  relativeAttentionBuckets?: number;
  /** The parsed config.json, kept so export can carry through keys we do not model. */
  raw: Record<string, unknown>;
}

export { ConfigError };

const FAMILY_OF: Record<string, ModelFamily> = {
  bert: 'bert', roberta: 'roberta', 'xlm-roberta': 'roberta', camembert: 'roberta', distilbert: 'distilbert', electra: 'electra',
  'deberta-v2': 'deberta-v2', mpnet: 'mpnet', modernbert: 'modernbert',
};

/**
 * Position-table slots a model never gives a token: RoBERTa-style models number positions from padding_idx + 1, so a
 * 514-row table takes 512 tokens. Works from config.json's raw model_type (any model, supported family or not).
 */
export function reservedPositions(modelType: string, padTokenId: number): number {
  return FAMILY_OF[modelType] === 'roberta' || FAMILY_OF[modelType] === 'mpnet' ? padTokenId + 1 : 0;
}

export function readModelSpec(dir: string): ModelSpec {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read (${(e as Error).message}); a model folder needs config.json.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message}).`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: expected a JSON object.`);
  return parseModelSpec(raw as Record<string, unknown>, file);
}

export function parseModelSpec(raw: Record<string, unknown>, file = 'config.json'): ModelSpec {
  const modelType = raw.model_type;
  if (typeof modelType !== 'string') throw new ConfigError(`${file}: missing "model_type".`);
  const family = FAMILY_OF[modelType];
  if (!family) {
    throw new ConfigError(`${file}: model_type "${modelType}" is not supported; supported: ${Object.keys(FAMILY_OF).join(', ')}. Fine-Tune Studio builds the network itself from config.json, so an ONNX export of another model type cannot be trained either.`);
  }
  const int = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(`${file}: "${key}" must be a non-negative integer, got ${JSON.stringify(raw[key])}.`);
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${file}: "${key}" must be a number, got ${JSON.stringify(raw[key])}.`);
    return v;
  };
  const act = (key: string, fallback: string): HiddenAct => {
    const v = raw[key] ?? fallback;
    if (v !== 'gelu' && v !== 'gelu_new' && v !== 'relu') throw new ConfigError(`${file}: "${key}" = ${JSON.stringify(v)} is not supported (gelu, gelu_new, relu).`);
    return v;
  };

  let spec: Omit<ModelSpec, 'numLabels' | 'id2label' | 'label2id' | 'problemType' | 'architectures' | 'raw'>;
  if (family === 'deberta-v2') {
    const hidden = int('hidden_size', 1536);
    const hiddenDropout = num('hidden_dropout_prob', 0.1);
    spec = {
      family, modelType, vocabSize: int('vocab_size'), hiddenSize: hidden, embeddingSize: int('embedding_size', hidden),
      numLayers: int('num_hidden_layers', 24), numHeads: int('num_attention_heads', 24), intermediateSize: int('intermediate_size', 6144),
      hiddenAct: act('hidden_act', 'gelu'), maxPositions: int('max_position_embeddings', 512), typeVocabSize: int('type_vocab_size', 0),
      layerNormEps: num('layer_norm_eps', 1e-7), padTokenId: int('pad_token_id', 0), hiddenDropout,
      attentionDropout: num('attention_probs_dropout_prob', 0.1),
      // DebertaV2ForSequenceClassification: cls_dropout, else hidden_dropout_prob.
      classifierDropout: raw.cls_dropout == null ? hiddenDropout : num('cls_dropout', hiddenDropout),
      deberta: parseDebertaConfig(raw, file, { hidden, act }),
    };
  } else if (family === 'modernbert') {
    spec = {
      family, modelType, vocabSize: int('vocab_size'), hiddenSize: int('hidden_size', 768), embeddingSize: int('hidden_size', 768),
      numLayers: int('num_hidden_layers', 22), numHeads: int('num_attention_heads', 12), intermediateSize: int('intermediate_size', 1152),
      hiddenAct: act('hidden_activation', 'gelu'), maxPositions: int('max_position_embeddings', 8192), typeVocabSize: 0,
      layerNormEps: num('norm_eps', 1e-5), padTokenId: int('pad_token_id', 50283), hiddenDropout: 0,
      attentionDropout: num('attention_dropout', 0), classifierDropout: num('classifier_dropout', 0),
      modernbert: parseModernBertConfig(raw, file, { num, act }),
    };
  } else if (family === 'mpnet') {
    const hidden = int('hidden_size', 768);
    const hiddenDropout = num('hidden_dropout_prob', 0.1);
    const buckets = int('relative_attention_num_buckets', 32);
    // MPNetEncoder.compute_position_bias always buckets into 32 (its default argument), whatever the config says.
    if (buckets !== 32) throw new ConfigError(`${file}: "relative_attention_num_buckets" ${buckets} is not supported: HF's MPNet computes 32 buckets whatever the table size, so only 32 works.`);
    spec = {
      family, modelType, vocabSize: int('vocab_size'), hiddenSize: hidden, embeddingSize: hidden, numLayers: int('num_hidden_layers', 12),
      numHeads: int('num_attention_heads', 12), intermediateSize: int('intermediate_size', 3072), hiddenAct: act('hidden_act', 'gelu'),
      maxPositions: int('max_position_embeddings', 514), typeVocabSize: 0, layerNormEps: num('layer_norm_eps', 1e-12), padTokenId: int('pad_token_id', 1),
      hiddenDropout, attentionDropout: num('attention_probs_dropout_prob', 0.1), classifierDropout: hiddenDropout, relativeAttentionBuckets: buckets,
    };
  } else if (family === 'distilbert') {
    const dropout = num('dropout', 0.1);
    spec = {
      family, modelType, vocabSize: int('vocab_size'), hiddenSize: int('dim', 768), embeddingSize: int('dim', 768), numLayers: int('n_layers', 6),
      numHeads: int('n_heads', 12), intermediateSize: int('hidden_dim', 3072), hiddenAct: act('activation', 'gelu'),
      maxPositions: int('max_position_embeddings', 512), typeVocabSize: 0, layerNormEps: 1e-12, padTokenId: int('pad_token_id', 0),
      hiddenDropout: dropout, attentionDropout: num('attention_dropout', 0.1), classifierDropout: num('seq_classif_dropout', 0.2),
    };
  } else {
    const hidden = int('hidden_size', 768);
    const hiddenDropout = num('hidden_dropout_prob', 0.1);
    spec = {
      family, modelType, vocabSize: int('vocab_size'), hiddenSize: hidden,
      embeddingSize: family === 'electra' ? int('embedding_size', hidden) : hidden,
      numLayers: int('num_hidden_layers', 12), numHeads: int('num_attention_heads', 12), intermediateSize: int('intermediate_size', 3072),
      hiddenAct: act('hidden_act', 'gelu'), maxPositions: int('max_position_embeddings', 512), typeVocabSize: int('type_vocab_size', 2),
      layerNormEps: num('layer_norm_eps', 1e-12), padTokenId: int('pad_token_id', family === 'roberta' ? 1 : 0),
      hiddenDropout, attentionDropout: num('attention_probs_dropout_prob', 0.1),
      classifierDropout: raw.classifier_dropout == null ? hiddenDropout : num('classifier_dropout', hiddenDropout),
    };
    const posType = raw.position_embedding_type ?? 'absolute';
    if (posType !== 'absolute') throw new ConfigError(`${file}: position_embedding_type "${String(posType)}" is not supported (only "absolute").`);
  }
  if (spec.hiddenSize % spec.numHeads !== 0) {
    throw new ConfigError(`${file}: hidden size ${spec.hiddenSize} is not divisible by ${spec.numHeads} attention heads.`);
  }
  const { id2label, label2id } = parseLabels(raw, file);
  const numLabels = Object.keys(id2label).length;
  const problemType = raw.problem_type;
  if (problemType != null && problemType !== 'single_label_classification' && problemType !== 'multi_label_classification' && problemType !== 'regression') {
    throw new ConfigError(`${file}: problem_type ${JSON.stringify(problemType)} is not one of single_label_classification, multi_label_classification, regression.`);
  }
  return {
    ...spec, numLabels, id2label, label2id, problemType: (problemType ?? undefined) as ProblemType | undefined,
    architectures: Array.isArray(raw.architectures) ? raw.architectures.filter((a): a is string => typeof a === 'string') : [],
    raw,
  };
}

/** HF's PretrainedConfig: id2label wins, else num_labels (default 2) generic LABEL_i names. */
function parseLabels(raw: Record<string, unknown>, file: string): { id2label: Record<number, string>; label2id: Record<string, number> } {
  const id2label: Record<number, string> = {};
  if (raw.id2label && typeof raw.id2label === 'object') {
    for (const [k, v] of Object.entries(raw.id2label as Record<string, unknown>)) {
      const id = Number(k);
      if (!Number.isInteger(id) || id < 0 || typeof v !== 'string') throw new ConfigError(`${file}: id2label entry ${JSON.stringify(k)}: ${JSON.stringify(v)} must map an integer id to a label name.`);
      id2label[id] = v;
    }
    const n = Object.keys(id2label).length;
    for (let i = 0; i < n; i++) if (!(i in id2label)) throw new ConfigError(`${file}: id2label must cover ids 0..${n - 1}; id ${i} is missing.`);
  } else {
    const n = typeof raw.num_labels === 'number' ? raw.num_labels : 2;
    for (let i = 0; i < n; i++) id2label[i] = `LABEL_${i}`;
  }
  const label2id: Record<string, number> = {};
  for (const [id, name] of Object.entries(id2label)) label2id[name] = Number(id);
  return { id2label, label2id };
}

/** The spec for a new task: other label names (id order) and problem type, everything else unchanged. */
export function withLabels(spec: ModelSpec, labels: string[], problemType?: ProblemType): ModelSpec {
  if (labels.length === 0) throw new ConfigError('withLabels: a classification head needs at least one label.');
  if (new Set(labels).size !== labels.length) throw new ConfigError(`withLabels: label names must be unique, got ${JSON.stringify(labels)}.`);
  return {
    ...spec,
    numLabels: labels.length,
    id2label: Object.fromEntries(labels.map((l, i) => [i, l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    problemType: problemType ?? spec.problemType,
  };
}
