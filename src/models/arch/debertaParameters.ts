// DeBERTa-v2/v3 parameter names and shapes as DebertaV2Model and its task heads register them (state_dict order).
// Kept apart from parameters.ts so that file stays a table of the BERT-shaped families; it calls in here.
import type { ModelSpec } from '../modelSpec';
import { type HeadKind, type ParamShape, SPAN_LOGITS, linear, norm } from './paramShapes';

/** The DeBERTa part of a spec; parseModelSpec always sets it for this family. */
export function debertaOf(spec: ModelSpec): NonNullable<ModelSpec['deberta']> {
  if (!spec.deberta) throw new Error(`${spec.modelType}: no DeBERTa settings in the spec`);
  return spec.deberta;
}

/** `p` is the encoder prefix with its dot ("deberta." in task models, "" in a bare model). */
export function debertaEncoderParameters(spec: ModelSpec, p: string): ParamShape[] {
  const d = debertaOf(spec);
  const H = spec.hiddenSize;
  const E = spec.embeddingSize;
  const I = spec.intermediateSize;
  const out: ParamShape[] = [{ name: `${p}embeddings.word_embeddings.weight`, shape: [spec.vocabSize, E] }];
  if (d.positionBiasedInput) out.push({ name: `${p}embeddings.position_embeddings.weight`, shape: [spec.maxPositions, E] });
  if (spec.typeVocabSize > 0) out.push({ name: `${p}embeddings.token_type_embeddings.weight`, shape: [spec.typeVocabSize, E] });
  // DebertaV2Embeddings.embed_proj has no bias.
  if (E !== H) out.push({ name: `${p}embeddings.embed_proj.weight`, shape: [H, E] });
  out.push(...norm(`${p}embeddings.LayerNorm`, H));
  for (let i = 0; i < spec.numLayers; i++) {
    const l = `${p}encoder.layer.${i}`;
    const a = `${l}.attention.self`;
    out.push(...linear(`${a}.query_proj`, H, H), ...linear(`${a}.key_proj`, H, H), ...linear(`${a}.value_proj`, H, H));
    if (!d.shareAttKey) {
      if (d.posAttType.includes('c2p')) out.push(...linear(`${a}.pos_key_proj`, H, H));
      if (d.posAttType.includes('p2c')) out.push(...linear(`${a}.pos_query_proj`, H, H));
    }
    out.push(
      ...linear(`${l}.attention.output.dense`, H, H), ...norm(`${l}.attention.output.LayerNorm`, H),
      ...linear(`${l}.intermediate.dense`, I, H), ...linear(`${l}.output.dense`, H, I), ...norm(`${l}.output.LayerNorm`, H),
    );
  }
  out.push({ name: `${p}encoder.rel_embeddings.weight`, shape: [d.relEmbeddingRows, H] });
  if (d.normRelEmbeddings) out.push(...norm(`${p}encoder.LayerNorm`, H));
  return out;
}

export function debertaHeadParameters(spec: ModelSpec, head: HeadKind): ParamShape[] {
  const H = spec.hiddenSize;
  switch (head) {
    case 'sentence-embedding':
      return [];
    case 'sequence-classification':
      // ContextPooler is a top-level `pooler`, not `deberta.pooler`.
      return [...linear('pooler.dense', H, H), ...linear('classifier', spec.numLabels, H)];
    case 'token-classification':
      return linear('classifier', spec.numLabels, H);
    case 'question-answering':
      // DebertaV2ForQuestionAnswering: qa_outputs straight on the last hidden state (no dropout, no pooler).
      return linear('qa_outputs', SPAN_LOGITS, H);
    case 'masked-lm':
      // DebertaV2OnlyMLMHead as the Hub's checkpoints carry it (lm_predictions.lm_head.*); its own bias is listed first.
      return [{ name: 'lm_predictions.lm_head.bias', shape: [spec.vocabSize] }, ...linear('lm_predictions.lm_head.dense', H, H), ...norm('lm_predictions.lm_head.LayerNorm', H)];
  }
}
