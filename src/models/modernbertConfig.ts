// ModernBERT's own config.json keys (ModernBertConfig): rotary positions with a global and a local theta, alternating
// global / sliding-window attention, optional biases, the prediction head and its pooling. Values the graph builder
// does not implement are refused by name.
import { ConfigError, type HiddenAct } from './configError';

export interface ModernBertConfig {
  globalRopeTheta: number;
  localRopeTheta: number;
  /** Layer i attends globally when i % globalEvery == 0, else within ±localWindow/2. */
  globalEvery: number;
  localWindow: number;
  normBias: boolean;
  attentionBias: boolean;
  mlpBias: boolean;
  classifierBias: boolean;
  decoderBias: boolean;
  classifierPooling: 'cls' | 'mean';
  classifierActivation: HiddenAct;
  embeddingDropout: number;
  mlpDropout: number;
}

interface Readers {
  num: (key: string, fallback: number) => number;
  act: (key: string, fallback: string) => HiddenAct;
}

export function parseModernBertConfig(raw: Record<string, unknown>, file: string, r: Readers): ModernBertConfig {
  const bool = (key: string, fallback: boolean) => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(`${file}: "${key}" must be true or false, got ${JSON.stringify(raw[key])}.`);
    return v;
  };
  const pooling = raw.classifier_pooling ?? 'cls';
  if (pooling !== 'cls' && pooling !== 'mean') throw new ConfigError(`${file}: "classifier_pooling" ${JSON.stringify(pooling)} is not supported (cls, mean).`);
  const every = r.num('global_attn_every_n_layers', 3);
  if (!Number.isInteger(every) || every < 1) throw new ConfigError(`${file}: "global_attn_every_n_layers" must be a positive integer, got ${JSON.stringify(raw.global_attn_every_n_layers)}.`);
  const global = r.num('global_rope_theta', 160000);
  return {
    globalRopeTheta: global,
    // HF falls back to the global theta when local_rope_theta is null.
    localRopeTheta: raw.local_rope_theta == null ? global : r.num('local_rope_theta', 10000),
    globalEvery: every,
    localWindow: r.num('local_attention', 128),
    normBias: bool('norm_bias', false),
    attentionBias: bool('attention_bias', false),
    mlpBias: bool('mlp_bias', false),
    classifierBias: bool('classifier_bias', false),
    decoderBias: bool('decoder_bias', true),
    classifierPooling: pooling,
    classifierActivation: r.act('classifier_activation', 'gelu'),
    embeddingDropout: r.num('embedding_dropout', 0),
    mlpDropout: r.num('mlp_dropout', 0),
  };
}
