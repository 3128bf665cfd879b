// MPNet parameter names and shapes as MPNetModel registers them (state_dict order): RoBERTa-like embeddings without
// token types, attention.attn.{q,k,v,o} + attention.LayerNorm per layer, one relative attention bias table shared by
// every layer, and the pooler of the bare model.
import type { ModelSpec } from '../modelSpec';
import { type ParamShape, linear, norm } from './paramShapes';

export function mpnetEncoderParameters(spec: ModelSpec, p: string, withPooler: boolean): ParamShape[] {
  const H = spec.hiddenSize;
  const I = spec.intermediateSize;
  const out: ParamShape[] = [
    { name: `${p}embeddings.word_embeddings.weight`, shape: [spec.vocabSize, H] },
    { name: `${p}embeddings.position_embeddings.weight`, shape: [spec.maxPositions, H] },
    ...norm(`${p}embeddings.LayerNorm`, H),
  ];
  for (let i = 0; i < spec.numLayers; i++) {
    const l = `${p}encoder.layer.${i}`;
    for (const proj of ['q', 'k', 'v', 'o']) out.push(...linear(`${l}.attention.attn.${proj}`, H, H));
    out.push(...norm(`${l}.attention.LayerNorm`, H), ...linear(`${l}.intermediate.dense`, I, H), ...linear(`${l}.output.dense`, H, I), ...norm(`${l}.output.LayerNorm`, H));
  }
  out.push({ name: `${p}encoder.relative_attention_bias.weight`, shape: [spec.relativeAttentionBuckets ?? 32, spec.numHeads] });
  if (withPooler) out.push(...linear(`${p}pooler.dense`, H, H));
  return out;
}
