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
/** nn.Linear(inp, out): weight [out, inp], bias [out]. */
const putLinear = (m: Tensors, name: string, out: number, inp: number) => {
  put(m, `${name}.weight`, out, inp);
  put(m, `${name}.bias`, out);
};
/** nn.LayerNorm(size): weight, bias. */
const putNorm = (m: Tensors, name: string, size: number) => {
  put(m, `${name}.weight`, size);
  put(m, `${name}.bias`, size);
};

/** BertLayer / RobertaLayer / ElectraLayer: self-attention, its output, intermediate, output. */
function bertStyleLayer(m: Tensors, p: string, h: number, i: number): void {
  for (const proj of ['query', 'key', 'value']) {
    putLinear(m, `${p}.attention.self.${proj}`, h, h);
  }
  putLinear(m, `${p}.attention.output.dense`, h, h);
  putNorm(m, `${p}.attention.output.LayerNorm`, h);
  putLinear(m, `${p}.intermediate.dense`, i, h);
  putLinear(m, `${p}.output.dense`, h, i);
  putNorm(m, `${p}.output.LayerNorm`, h);
}

function bertStyleEmbeddings(m: Tensors, p: string, d: Dims, width: number): void {
  put(m, `${p}.embeddings.word_embeddings.weight`, d.vocab, width);
  put(m, `${p}.embeddings.position_embeddings.weight`, d.positions, width);
  put(m, `${p}.embeddings.token_type_embeddings.weight`, d.typeVocab, width);
  putNorm(m, `${p}.embeddings.LayerNorm`, width);
}

/** BertForSequenceClassification: bert (with pooler) + dropout + classifier Linear(hidden, labels). */
export function bertForSequenceClassification(d: Dims): Tensors {
  const m: Tensors = new Map();
  bertStyleEmbeddings(m, 'bert', d, d.hidden);
  for (let l = 0; l < d.layers; l++) bertStyleLayer(m, `bert.encoder.layer.${l}`, d.hidden, d.intermediate);
  putLinear(m, 'bert.pooler.dense', d.hidden, d.hidden);
  putLinear(m, 'classifier', d.labels, d.hidden);
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
  putLinear(m, 'classifier.dense', d.hidden, d.hidden);
  putLinear(m, 'classifier.out_proj', d.labels, d.hidden);
  return m;
}

/** DistilBertForSequenceClassification: distilbert + pre_classifier Linear(dim, dim) + classifier Linear(dim, labels). */
export function distilbertForSequenceClassification(d: Dims): Tensors {
  const m: Tensors = new Map();
  const h = d.hidden;
  put(m, 'distilbert.embeddings.word_embeddings.weight', d.vocab, h);
  put(m, 'distilbert.embeddings.position_embeddings.weight', d.positions, h);
  putNorm(m, 'distilbert.embeddings.LayerNorm', h);
  for (let l = 0; l < d.layers; l++) {
    const p = `distilbert.transformer.layer.${l}`;
    for (const lin of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) {
      putLinear(m, `${p}.attention.${lin}`, h, h);
    }
    putNorm(m, `${p}.sa_layer_norm`, h);
    putLinear(m, `${p}.ffn.lin1`, d.intermediate, h);
    putLinear(m, `${p}.ffn.lin2`, h, d.intermediate);
    putNorm(m, `${p}.output_layer_norm`, h);
  }
  putLinear(m, 'pre_classifier', h, h);
  putLinear(m, 'classifier', d.labels, h);
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
    putLinear(m, 'electra.embeddings_project', d.hidden, e);
  }
  for (let l = 0; l < d.layers; l++) bertStyleLayer(m, `electra.encoder.layer.${l}`, d.hidden, d.intermediate);
  putLinear(m, 'classifier.dense', d.hidden, d.hidden);
  putLinear(m, 'classifier.out_proj', d.labels, d.hidden);
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
  putNorm(m, 'deberta.embeddings.LayerNorm', h);
  for (let l = 0; l < d.layers; l++) {
    const p = `deberta.encoder.layer.${l}`;
    for (const proj of ['query_proj', 'key_proj', 'value_proj']) {
      putLinear(m, `${p}.attention.self.${proj}`, h, h);
    }
    putLinear(m, `${p}.attention.output.dense`, h, h);
    putNorm(m, `${p}.attention.output.LayerNorm`, h);
    putLinear(m, `${p}.intermediate.dense`, d.intermediate, h);
    putLinear(m, `${p}.output.dense`, h, d.intermediate);
    putNorm(m, `${p}.output.LayerNorm`, h);
  }
  put(m, 'deberta.encoder.rel_embeddings.weight', 2 * d.buckets, h);
  putNorm(m, 'deberta.encoder.LayerNorm', h);
  putLinear(m, 'pooler.dense', h, h);
  putLinear(m, 'classifier', d.labels, h);
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
  putNorm(m, 'mpnet.embeddings.LayerNorm', h);
  for (let l = 0; l < d.layers; l++) {
    const p = `mpnet.encoder.layer.${l}`;
    for (const proj of ['q', 'k', 'v', 'o']) {
      putLinear(m, `${p}.attention.attn.${proj}`, h, h);
    }
    putNorm(m, `${p}.attention.LayerNorm`, h);
    putLinear(m, `${p}.intermediate.dense`, d.intermediate, h);
    putLinear(m, `${p}.output.dense`, h, d.intermediate);
    putNorm(m, `${p}.output.LayerNorm`, h);
  }
  put(m, 'mpnet.encoder.relative_attention_bias.weight', 32, d.heads);
  putLinear(m, 'classifier.dense', h, h);
  putLinear(m, 'classifier.out_proj', d.labels, h);
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
  putLinear(m, 'classifier', d.labels, h);
  return m;
}
