// FLOP counts for a BERT encoder step, the usual accounting (Kaplan et al. / PaLM MFU): 2 FLOPs per weight per token
// forward, 6 forward + backward, plus the attention score and context products that the weight count misses.
import type { ModelSpec } from '../../src/models/modelSpec';

/** Parameters every token passes through: the encoder layers (embeddings are lookups, the head sees one token). */
export function encoderLayerParams(spec: ModelSpec): number {
  const h = spec.hiddenSize;
  const i = spec.intermediateSize;
  const attention = 4 * (h * h + h);
  const ffn = h * i + i + i * h + h;
  const norms = 2 * 2 * h;
  return spec.numLayers * (attention + ffn + norms);
}

/** Q·Kᵀ and P·V: 2 products of B·S²·H multiply-adds each, per layer. */
export function attentionForwardFlops(spec: ModelSpec, batch: number, seq: number): number {
  return spec.numLayers * 2 * 2 * batch * seq * seq * spec.hiddenSize;
}

export function forwardFlops(spec: ModelSpec, batch: number, seq: number): number {
  return 2 * encoderLayerParams(spec) * batch * seq + attentionForwardFlops(spec, batch, seq);
}

/** Forward + backward (the backward costs twice the forward); the optimizer's elementwise work is not counted. */
export function trainStepFlops(spec: ModelSpec, batch: number, seq: number): number {
  return 3 * forwardFlops(spec, batch, seq);
}
