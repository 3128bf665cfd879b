// ModernBERT parameter names and shapes as ModernBertModel and its heads register them: no biases unless configured,
// layer 0 without attn_norm (an Identity in HF), fused Wqkv, GeGLU Wi [2·I, H], a final_norm, the prediction head.
import type { ModelSpec } from '../modelSpec';
import { type HeadKind, type ParamShape, SPAN_LOGITS } from './paramShapes';

export function modernbertOf(spec: ModelSpec): NonNullable<ModelSpec['modernbert']> {
  if (!spec.modernbert) throw new Error(`${spec.modelType}: no ModernBERT settings in the spec`);
  return spec.modernbert;
}

const lin = (name: string, out: number, inp: number, bias: boolean): ParamShape[] => [{ name: `${name}.weight`, shape: [out, inp] }, ...(bias ? [{ name: `${name}.bias`, shape: [out] }] : [])];
const ln = (name: string, size: number, bias: boolean): ParamShape[] => [{ name: `${name}.weight`, shape: [size] }, ...(bias ? [{ name: `${name}.bias`, shape: [size] }] : [])];

export function modernbertEncoderParameters(spec: ModelSpec, p: string): ParamShape[] {
  const m = modernbertOf(spec);
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const out: ParamShape[] = [{ name: `${p}embeddings.tok_embeddings.weight`, shape: [spec.vocabSize, H] }, ...ln(`${p}embeddings.norm`, H, m.normBias)];
  for (let i = 0; i < spec.numLayers; i++) {
    const l = `${p}layers.${i}`;
    if (i > 0) out.push(...ln(`${l}.attn_norm`, H, m.normBias));
    out.push(
      ...lin(`${l}.attn.Wqkv`, 3 * H, H, m.attentionBias), ...lin(`${l}.attn.Wo`, H, H, m.attentionBias),
      ...ln(`${l}.mlp_norm`, H, m.normBias), ...lin(`${l}.mlp.Wi`, 2 * I, H, m.mlpBias), ...lin(`${l}.mlp.Wo`, H, I, m.mlpBias),
    );
  }
  out.push(...ln(`${p}final_norm`, H, m.normBias));
  return out;
}

export function modernbertHeadParameters(spec: ModelSpec, head: HeadKind): ParamShape[] {
  const m = modernbertOf(spec);
  const H = spec.hiddenSize;
  const predictionHead = [...lin('head.dense', H, H, m.classifierBias), ...ln('head.norm', H, m.normBias)];
  switch (head) {
    case 'sentence-embedding':
      return [];
    case 'sequence-classification':
    case 'token-classification':
      return [...predictionHead, { name: 'classifier.weight', shape: [spec.numLabels, H] }, { name: 'classifier.bias', shape: [spec.numLabels] }];
    case 'question-answering':
      // ModernBertForQuestionAnswering reuses the token classifier's layout (head → drop → classifier) with 2 outputs,
      // and names it `classifier`, not `qa_outputs`.
      return [...predictionHead, { name: 'classifier.weight', shape: [SPAN_LOGITS, H] }, { name: 'classifier.bias', shape: [SPAN_LOGITS] }];
    case 'masked-lm':
      // The decoder's weight is tied to tok_embeddings; only its bias is stored.
      return [...predictionHead, ...(m.decoderBias ? [{ name: 'decoder.bias', shape: [spec.vocabSize] }] : [])];
  }
}
