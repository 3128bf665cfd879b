// The state_dict of HF transformers' *ForSequenceClassification per family, written out from the modules as
// modeling_bert.py / modeling_roberta.py / modeling_distilbert.py / modeling_electra.py register them — deliberately
// NOT derived from src/models/arch/parameters.ts, so a naming or shape bug there shows up as a difference here.
// Non-persistent buffers (position_ids, token_type_ids) are not in a saved state_dict and so not listed.

export interface Dims {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  positions: number;
  typeVocab: number;
  labels: number;
  /** ELECTRA's embedding width (embedding_size), projected to hidden by embeddings_project. */
  embedding?: number;
}

export type Tensors = Map<string, number[]>;

const put = (m: Tensors, name: string, ...shape: number[]) => m.set(name, shape);

/** BertLayer / RobertaLayer / ElectraLayer: self-attention, its output, intermediate, output. */
function bertStyleLayer(m: Tensors, p: string, h: number, i: number): void {
  for (const proj of ['query', 'key', 'value']) {
    put(m, `${p}.attention.self.${proj}.weight`, h, h);
    put(m, `${p}.attention.self.${proj}.bias`, h);
  }
  put(m, `${p}.attention.output.dense.weight`, h, h);
  put(m, `${p}.attention.output.dense.bias`, h);
  put(m, `${p}.attention.output.LayerNorm.weight`, h);
  put(m, `${p}.attention.output.LayerNorm.bias`, h);
  put(m, `${p}.intermediate.dense.weight`, i, h);
  put(m, `${p}.intermediate.dense.bias`, i);
  put(m, `${p}.output.dense.weight`, h, i);
  put(m, `${p}.output.dense.bias`, h);
  put(m, `${p}.output.LayerNorm.weight`, h);
  put(m, `${p}.output.LayerNorm.bias`, h);
}

function bertStyleEmbeddings(m: Tensors, p: string, d: Dims, width: number): void {
  put(m, `${p}.embeddings.word_embeddings.weight`, d.vocab, width);
  put(m, `${p}.embeddings.position_embeddings.weight`, d.positions, width);
  put(m, `${p}.embeddings.token_type_embeddings.weight`, d.typeVocab, width);
  put(m, `${p}.embeddings.LayerNorm.weight`, width);
  put(m, `${p}.embeddings.LayerNorm.bias`, width);
}

/** BertForSequenceClassification: bert (with pooler) + dropout + classifier Linear(hidden, labels). */
export function bertForSequenceClassification(d: Dims): Tensors {
  const m: Tensors = new Map();
  bertStyleEmbeddings(m, 'bert', d, d.hidden);
  for (let l = 0; l < d.layers; l++) bertStyleLayer(m, `bert.encoder.layer.${l}`, d.hidden, d.intermediate);
  put(m, 'bert.pooler.dense.weight', d.hidden, d.hidden);
  put(m, 'bert.pooler.dense.bias', d.hidden);
  put(m, 'classifier.weight', d.labels, d.hidden);
  put(m, 'classifier.bias', d.labels);
  return m;
}

/**
 * RobertaForSequenceClassification (XLMRobertaForSequenceClassification is the same module tree): roberta built with
 * add_pooling_layer=False, then RobertaClassificationHead (dense hidden→hidden, out_proj hidden→labels).
 */
export function robertaForSequenceClassification(d: Dims): Tensors {
  const m: Tensors = new Map();
  bertStyleEmbeddings(m, 'roberta', d, d.hidden);
  for (let l = 0; l < d.layers; l++) bertStyleLayer(m, `roberta.encoder.layer.${l}`, d.hidden, d.intermediate);
  put(m, 'classifier.dense.weight', d.hidden, d.hidden);
  put(m, 'classifier.dense.bias', d.hidden);
  put(m, 'classifier.out_proj.weight', d.labels, d.hidden);
  put(m, 'classifier.out_proj.bias', d.labels);
  return m;
}

/** DistilBertForSequenceClassification: distilbert + pre_classifier Linear(dim, dim) + classifier Linear(dim, labels). */
export function distilbertForSequenceClassification(d: Dims): Tensors {
  const m: Tensors = new Map();
  const h = d.hidden;
  put(m, 'distilbert.embeddings.word_embeddings.weight', d.vocab, h);
  put(m, 'distilbert.embeddings.position_embeddings.weight', d.positions, h);
  put(m, 'distilbert.embeddings.LayerNorm.weight', h);
  put(m, 'distilbert.embeddings.LayerNorm.bias', h);
  for (let l = 0; l < d.layers; l++) {
    const p = `distilbert.transformer.layer.${l}`;
    for (const lin of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) {
      put(m, `${p}.attention.${lin}.weight`, h, h);
      put(m, `${p}.attention.${lin}.bias`, h);
    }
    put(m, `${p}.sa_layer_norm.weight`, h);
    put(m, `${p}.sa_layer_norm.bias`, h);
    put(m, `${p}.ffn.lin1.weight`, d.intermediate, h);
    put(m, `${p}.ffn.lin1.bias`, d.intermediate);
    put(m, `${p}.ffn.lin2.weight`, h, d.intermediate);
    put(m, `${p}.ffn.lin2.bias`, h);
    put(m, `${p}.output_layer_norm.weight`, h);
    put(m, `${p}.output_layer_norm.bias`, h);
  }
  put(m, 'pre_classifier.weight', h, h);
  put(m, 'pre_classifier.bias', h);
  put(m, 'classifier.weight', d.labels, h);
  put(m, 'classifier.bias', d.labels);
  return m;
}

/**
 * ElectraForSequenceClassification: electra (embeddings at embedding_size, embeddings_project to hidden when they
 * differ, no pooler) + ElectraClassificationHead (dense hidden→hidden, out_proj hidden→labels).
 */
export function electraForSequenceClassification(d: Dims): Tensors {
  const m: Tensors = new Map();
  const e = d.embedding ?? d.hidden;
  bertStyleEmbeddings(m, 'electra', d, e);
  if (e !== d.hidden) {
    put(m, 'electra.embeddings_project.weight', d.hidden, e);
    put(m, 'electra.embeddings_project.bias', d.hidden);
  }
  for (let l = 0; l < d.layers; l++) bertStyleLayer(m, `electra.encoder.layer.${l}`, d.hidden, d.intermediate);
  put(m, 'classifier.dense.weight', d.hidden, d.hidden);
  put(m, 'classifier.dense.bias', d.hidden);
  put(m, 'classifier.out_proj.weight', d.labels, d.hidden);
  put(m, 'classifier.out_proj.bias', d.labels);
  return m;
}

/** RobertaClassificationHead's parameters, which a RoBERTa / XLM-R masked-LM checkpoint lacks. */
export const ROBERTA_CLASSIFIER = ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias'];
/** What a RobertaForMaskedLM checkpoint holds that the sequence classifier does not use: the pooler and lm_head. */
export const ROBERTA_MLM_UNUSED = ['roberta.pooler.dense.weight', 'roberta.pooler.dense.bias', 'lm_head.bias', 'lm_head.dense.weight', 'lm_head.dense.bias', 'lm_head.layer_norm.weight', 'lm_head.layer_norm.bias'];

/**
 * DebertaV2ForSequenceClassification as microsoft/deberta-v3-* configure it (position_biased_input false, no token
 * types, share_att_key): deberta (embeddings, layers with query_proj/key_proj/value_proj, rel_embeddings [2 × buckets]
 * and its LayerNorm) + a top-level ContextPooler `pooler.dense` + classifier.
 */
export function debertaV3ForSequenceClassification(d: Dims & { buckets: number }): Tensors {
  const m: Tensors = new Map();
  const h = d.hidden;
  put(m, 'deberta.embeddings.word_embeddings.weight', d.vocab, h);
  put(m, 'deberta.embeddings.LayerNorm.weight', h);
  put(m, 'deberta.embeddings.LayerNorm.bias', h);
  for (let l = 0; l < d.layers; l++) {
    const p = `deberta.encoder.layer.${l}`;
    for (const proj of ['query_proj', 'key_proj', 'value_proj']) {
      put(m, `${p}.attention.self.${proj}.weight`, h, h);
      put(m, `${p}.attention.self.${proj}.bias`, h);
    }
    put(m, `${p}.attention.output.dense.weight`, h, h);
    put(m, `${p}.attention.output.dense.bias`, h);
    put(m, `${p}.attention.output.LayerNorm.weight`, h);
    put(m, `${p}.attention.output.LayerNorm.bias`, h);
    put(m, `${p}.intermediate.dense.weight`, d.intermediate, h);
    put(m, `${p}.intermediate.dense.bias`, d.intermediate);
    put(m, `${p}.output.dense.weight`, h, d.intermediate);
    put(m, `${p}.output.dense.bias`, h);
    put(m, `${p}.output.LayerNorm.weight`, h);
    put(m, `${p}.output.LayerNorm.bias`, h);
  }
  put(m, 'deberta.encoder.rel_embeddings.weight', 2 * d.buckets, h);
  put(m, 'deberta.encoder.LayerNorm.weight', h);
  put(m, 'deberta.encoder.LayerNorm.bias', h);
  put(m, 'pooler.dense.weight', h, h);
  put(m, 'pooler.dense.bias', h);
  put(m, 'classifier.weight', d.labels, h);
  put(m, 'classifier.bias', d.labels);
  return m;
}

/**
 * MPNetForSequenceClassification: mpnet built with add_pooling_layer=False (embeddings without token types,
 * attention.attn.{q,k,v,o} + attention.LayerNorm, one relative_attention_bias [32, heads]) + MPNetClassificationHead
 * (dense hidden→hidden, out_proj hidden→labels).
 */
export function mpnetForSequenceClassification(d: Dims & { heads: number }): Tensors {
  const m: Tensors = new Map();
  const h = d.hidden;
  put(m, 'mpnet.embeddings.word_embeddings.weight', d.vocab, h);
  put(m, 'mpnet.embeddings.position_embeddings.weight', d.positions, h);
  put(m, 'mpnet.embeddings.LayerNorm.weight', h);
  put(m, 'mpnet.embeddings.LayerNorm.bias', h);
  for (let l = 0; l < d.layers; l++) {
    const p = `mpnet.encoder.layer.${l}`;
    for (const proj of ['q', 'k', 'v', 'o']) {
      put(m, `${p}.attention.attn.${proj}.weight`, h, h);
      put(m, `${p}.attention.attn.${proj}.bias`, h);
    }
    put(m, `${p}.attention.LayerNorm.weight`, h);
    put(m, `${p}.attention.LayerNorm.bias`, h);
    put(m, `${p}.intermediate.dense.weight`, d.intermediate, h);
    put(m, `${p}.intermediate.dense.bias`, d.intermediate);
    put(m, `${p}.output.dense.weight`, h, d.intermediate);
    put(m, `${p}.output.dense.bias`, h);
    put(m, `${p}.output.LayerNorm.weight`, h);
    put(m, `${p}.output.LayerNorm.bias`, h);
  }
  put(m, 'mpnet.encoder.relative_attention_bias.weight', 32, d.heads);
  put(m, 'classifier.dense.weight', h, h);
  put(m, 'classifier.dense.bias', h);
  put(m, 'classifier.out_proj.weight', d.labels, h);
  put(m, 'classifier.out_proj.bias', d.labels);
  return m;
}

/**
 * ModernBertForSequenceClassification as ModernBERT-base configures it (no biases, norm_bias false): model (tok_embeddings,
 * norm, layers with attn_norm from layer 1, Wqkv, Wo, mlp_norm, Wi [2·I, H], Wo, final_norm) + head (dense, norm) +
 * classifier (with bias).
 */
export function modernbertForSequenceClassification(d: Dims): Tensors {
  const m: Tensors = new Map();
  const h = d.hidden;
  put(m, 'model.embeddings.tok_embeddings.weight', d.vocab, h);
  put(m, 'model.embeddings.norm.weight', h);
  for (let l = 0; l < d.layers; l++) {
    const p = `model.layers.${l}`;
    if (l > 0) put(m, `${p}.attn_norm.weight`, h);
    put(m, `${p}.attn.Wqkv.weight`, 3 * h, h);
    put(m, `${p}.attn.Wo.weight`, h, h);
    put(m, `${p}.mlp_norm.weight`, h);
    put(m, `${p}.mlp.Wi.weight`, 2 * d.intermediate, h);
    put(m, `${p}.mlp.Wo.weight`, h, d.intermediate);
  }
  put(m, 'model.final_norm.weight', h);
  put(m, 'head.dense.weight', h, h);
  put(m, 'head.norm.weight', h);
  put(m, 'classifier.weight', d.labels, h);
  put(m, 'classifier.bias', d.labels);
  return m;
}
