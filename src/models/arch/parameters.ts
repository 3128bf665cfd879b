// The exact Hugging Face parameter names and shapes of each family and head, as their PyTorch modules register them.
// One list drives loading (shape checks against config.json), fixture generation, the graph builders and export,
// so a name can never drift between what we read and what we write.
import type { ModelFamily, ModelSpec } from '../modelSpec';
import { debertaEncoderParameters, debertaHeadParameters } from './debertaParameters';
import { modernbertEncoderParameters, modernbertHeadParameters } from './modernbertParameters';
import { mpnetEncoderParameters } from './mpnetParameters';
import { type HeadKind, type ParamShape, SPAN_LOGITS, linear, norm } from './paramShapes';

export type { HeadKind, ParamShape };

/** The attribute name of the encoder inside HF's task models (`self.bert`, `self.roberta`, `self.deberta`, ...). */
const BASE_PREFIX: Record<ModelFamily, string> = { bert: 'bert', roberta: 'roberta', distilbert: 'distilbert', electra: 'electra', 'deberta-v2': 'deberta', mpnet: 'mpnet', modernbert: 'model' };

export function basePrefix(family: ModelFamily): string {
  return BASE_PREFIX[family];
}

/** HF class name written to config.json "architectures". */
export function architectureName(spec: ModelSpec, head: HeadKind): string {
  const cls: Record<string, string> = { bert: 'Bert', roberta: 'Roberta', 'xlm-roberta': 'XLMRoberta', camembert: 'Camembert', distilbert: 'DistilBert', electra: 'Electra', 'deberta-v2': 'DebertaV2', mpnet: 'MPNet', modernbert: 'ModernBert' };
  const base = cls[spec.modelType] ?? cls[spec.family];
  switch (head) {
    case 'sequence-classification': return `${base}ForSequenceClassification`;
    case 'token-classification': return `${base}ForTokenClassification`;
    case 'question-answering': return `${base}ForQuestionAnswering`;
    case 'masked-lm': return `${base}ForMaskedLM`;
    case 'sentence-embedding': return `${base}Model`;
  }
}


/** Encoder parameters under `prefix` ('' for a bare model such as a sentence-transformers checkpoint). */
export function encoderParameters(spec: ModelSpec, prefix: string, withPooler: boolean): ParamShape[] {
  const p = prefix ? `${prefix}.` : '';
  const H = spec.hiddenSize;
  const E = spec.embeddingSize;
  const I = spec.intermediateSize;
  const out: ParamShape[] = [];
  if (spec.family === 'deberta-v2') return debertaEncoderParameters(spec, p);
  if (spec.family === 'mpnet') return mpnetEncoderParameters(spec, p, withPooler);
  if (spec.family === 'modernbert') return modernbertEncoderParameters(spec, p);
  if (spec.family === 'distilbert') {
    out.push(
      { name: `${p}embeddings.word_embeddings.weight`, shape: [spec.vocabSize, H] },
      { name: `${p}embeddings.position_embeddings.weight`, shape: [spec.maxPositions, H] },
      ...norm(`${p}embeddings.LayerNorm`, H),
    );
    for (let i = 0; i < spec.numLayers; i++) {
      const l = `${p}transformer.layer.${i}`;
      out.push(
        ...linear(`${l}.attention.q_lin`, H, H), ...linear(`${l}.attention.k_lin`, H, H), ...linear(`${l}.attention.v_lin`, H, H),
        ...linear(`${l}.attention.out_lin`, H, H), ...norm(`${l}.sa_layer_norm`, H),
        ...linear(`${l}.ffn.lin1`, I, H), ...linear(`${l}.ffn.lin2`, H, I), ...norm(`${l}.output_layer_norm`, H),
      );
    }
    return out;
  }
  out.push(
    { name: `${p}embeddings.word_embeddings.weight`, shape: [spec.vocabSize, E] },
    { name: `${p}embeddings.position_embeddings.weight`, shape: [spec.maxPositions, E] },
    { name: `${p}embeddings.token_type_embeddings.weight`, shape: [spec.typeVocabSize, E] },
    ...norm(`${p}embeddings.LayerNorm`, E),
  );
  if (spec.family === 'electra' && E !== H) out.push(...linear(`${p}embeddings_project`, H, E));
  for (let i = 0; i < spec.numLayers; i++) {
    const l = `${p}encoder.layer.${i}`;
    out.push(
      ...linear(`${l}.attention.self.query`, H, H), ...linear(`${l}.attention.self.key`, H, H), ...linear(`${l}.attention.self.value`, H, H),
      ...linear(`${l}.attention.output.dense`, H, H), ...norm(`${l}.attention.output.LayerNorm`, H),
      ...linear(`${l}.intermediate.dense`, I, H), ...linear(`${l}.output.dense`, H, I), ...norm(`${l}.output.LayerNorm`, H),
    );
  }
  if (withPooler) out.push(...linear(`${p}pooler.dense`, H, H));
  return out;
}

/**
 * Parameters of `head` on top of the encoder, in the order HF's state_dict lists them. Tied decoder weights
 * (MLM output projection = word embeddings) are not listed: save_pretrained drops them from safetensors too.
 */
export function headParameters(spec: ModelSpec, head: HeadKind): ParamShape[] {
  const H = spec.hiddenSize;
  const L = spec.numLabels;
  if (spec.family === 'deberta-v2') return debertaHeadParameters(spec, head);
  if (spec.family === 'modernbert') return modernbertHeadParameters(spec, head);
  switch (head) {
    case 'sentence-embedding':
      return [];
    case 'token-classification':
      return linear('classifier', L, H);
    case 'question-answering':
      // BertForQuestionAnswering and its siblings (RoBERTa, DistilBERT, ELECTRA, MPNet): one nn.Linear(hidden, 2).
      return linear('qa_outputs', SPAN_LOGITS, H);
    case 'sequence-classification':
      switch (spec.family) {
        case 'bert': return linear('classifier', L, H);
        case 'distilbert': return [...linear('pre_classifier', H, H), ...linear('classifier', L, H)];
        case 'roberta': case 'electra': case 'mpnet': return [...linear('classifier.dense', H, H), ...linear('classifier.out_proj', L, H)];
      }
      break;
    case 'masked-lm':
      switch (spec.family) {
        case 'bert': return [{ name: 'cls.predictions.bias', shape: [spec.vocabSize] }, ...linear('cls.predictions.transform.dense', H, H), ...norm('cls.predictions.transform.LayerNorm', H)];
        case 'roberta': case 'mpnet': return [{ name: 'lm_head.bias', shape: [spec.vocabSize] }, ...linear('lm_head.dense', H, H), ...norm('lm_head.layer_norm', H)];
        case 'distilbert': return [...linear('vocab_transform', H, H), ...norm('vocab_layer_norm', H), { name: 'vocab_projector.bias', shape: [spec.vocabSize] }];
        case 'electra': return [
          ...linear('generator_predictions.dense', spec.embeddingSize, H), ...norm('generator_predictions.LayerNorm', spec.embeddingSize),
          { name: 'generator_lm_head.bias', shape: [spec.vocabSize] },
        ];
      }
  }
  throw new Error(`no ${head} head for family ${spec.family}`);
}

/** Whether HF's task model keeps the pooler: only BERT's sequence classifier (and the bare BertModel) uses it. */
export function usesPooler(spec: ModelSpec, head: HeadKind): boolean {
  return spec.family === 'bert' && head === 'sequence-classification';
}

/** Every parameter of the HF task model for `head`, with HF names and shapes. */
export function modelParameters(spec: ModelSpec, head: HeadKind): ParamShape[] {
  const prefix = head === 'sentence-embedding' ? '' : basePrefix(spec.family);
  return [...encoderParameters(spec, prefix, usesPooler(spec, head)), ...headParameters(spec, head)];
}
