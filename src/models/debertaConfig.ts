// DeBERTa-v2/v3's own config.json keys (DebertaV2Config): disentangled attention with relative position buckets and the
// ContextPooler. Values HF would accept but the graph builder does not implement are refused by name, never ignored.
import { ConfigError, type HiddenAct } from './configError';

export type PositionAttention = 'c2p' | 'p2c';

export interface DebertaConfig {
  /** Relative position span before bucketing (max_relative_positions, or max_position_embeddings when < 1). */
  maxRelativePositions: number;
  /** position_buckets (256 in v3); 0 = no log buckets, relative positions used as they are. */
  positionBuckets: number;
  /** Rows of rel_embeddings: 2 × position_buckets, else 2 × max_relative_positions. */
  relEmbeddingRows: number;
  posAttType: PositionAttention[];
  /** Positions reuse query_proj / key_proj (v3) instead of their own pos_query_proj / pos_key_proj. */
  shareAttKey: boolean;
  /** norm_rel_ebd "layer_norm": rel_embeddings pass through encoder.LayerNorm. */
  normRelEmbeddings: boolean;
  /** Absolute position embeddings added to the input (v2 true by default, v3 false). */
  positionBiasedInput: boolean;
  poolerDropout: number;
  poolerHiddenAct: HiddenAct;
}

interface Readers {
  hidden: number;
  act: (key: string, fallback: string) => HiddenAct;
}

export function parseDebertaConfig(raw: Record<string, unknown>, file: string, r: Readers): DebertaConfig {
  const intOr = (key: string, fallback: number) => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(`${file}: "${key}" must be an integer, got ${JSON.stringify(raw[key])}.`);
    return v;
  };
  // DebertaV2Config defaults relative_attention to false; every checkpoint on the Hub sets it true.
  if (raw.relative_attention !== true) {
    throw new ConfigError(`${file}: "relative_attention" ${JSON.stringify(raw.relative_attention ?? false)} is not supported: only DeBERTa with relative attention (as every DeBERTa-v2/v3 checkpoint on the Hub) is implemented.`);
  }
  if (intOr('conv_kernel_size', 0) > 0) {
    throw new ConfigError(`${file}: "conv_kernel_size" ${String(raw.conv_kernel_size)} (DeBERTa-v2-xlarge's convolution after the first layer) is not supported; DeBERTa-v3 models have none.`);
  }
  const heads = intOr('num_attention_heads', 24);
  if (raw.attention_head_size != null && raw.attention_head_size !== r.hidden / heads) {
    throw new ConfigError(`${file}: "attention_head_size" ${String(raw.attention_head_size)} differs from hidden_size / num_attention_heads (${r.hidden / heads}); that is not supported.`);
  }
  const pooler = intOr('pooler_hidden_size', r.hidden);
  if (pooler !== r.hidden) throw new ConfigError(`${file}: "pooler_hidden_size" ${pooler} must equal hidden_size ${r.hidden} (the classifier reads the pooler's output).`);
  // HF accepts "p2c|c2p" as well as a list.
  const rawTypes = raw.pos_att_type ?? [];
  const types = (typeof rawTypes === 'string' ? rawTypes.toLowerCase().split('|') : Array.isArray(rawTypes) ? rawTypes : [rawTypes]).map((t) => String(t).trim()).filter(Boolean);
  for (const t of types) {
    if (t !== 'c2p' && t !== 'p2c') throw new ConfigError(`${file}: "pos_att_type" ${JSON.stringify(raw.pos_att_type)}: "${t}" is not supported (c2p, p2c).`);
  }
  let maxRel = intOr('max_relative_positions', -1);
  if (maxRel < 1) maxRel = intOr('max_position_embeddings', 512);
  const buckets = Math.max(0, intOr('position_buckets', -1));
  const norm = String(raw.norm_rel_ebd ?? 'none').toLowerCase().split('|').map((x) => x.trim());
  const dropout = raw.pooler_dropout ?? 0;
  if (typeof dropout !== 'number') throw new ConfigError(`${file}: "pooler_dropout" must be a number, got ${JSON.stringify(dropout)}.`);
  return {
    maxRelativePositions: maxRel,
    positionBuckets: buckets,
    relEmbeddingRows: 2 * (buckets > 0 ? buckets : maxRel),
    posAttType: [...new Set(types)] as PositionAttention[],
    shareAttKey: raw.share_att_key === true,
    normRelEmbeddings: norm.includes('layer_norm'),
    positionBiasedInput: raw.position_biased_input !== false,
    poolerDropout: dropout,
    poolerHiddenAct: r.act('pooler_hidden_act', 'gelu'),
  };
}
