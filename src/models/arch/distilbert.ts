// DistilBERT: no token types, q_lin/k_lin/v_lin/out_lin attention, pre_classifier + ReLU head.
import { activation, scoped, attentionBias, dropout, firstRows, firstToken, layerNorm, linear, lookup, meanPool, onlyFirstRow, positionRange, selfAttention, tiedDecoder } from './common';
import type { BuildContext } from './common';
import type { FamilyBuilder, GraphInputs } from './family';
import type { ModelSpec } from '../modelSpec';

function transformerBlock(ctx: BuildContext, x: string, bias: string, prefix: string, firstOnly: boolean): string {
  const a = `${prefix}.attention`;
  const rows = firstOnly ? firstRows(ctx, x) : x;
  const context = selfAttention(ctx, x, bias, { query: `${a}.q_lin`, key: `${a}.k_lin`, value: `${a}.v_lin`, output: `${a}.out_lin` }, rows);
  const sa = layerNorm(ctx, ctx.b.op('Add', [linear(ctx, context, `${a}.out_lin`), rows]), `${prefix}.sa_layer_norm`);
  const ffn = dropout(ctx, linear(ctx, activation(ctx, linear(ctx, sa, `${prefix}.ffn.lin1`), ctx.spec.hiddenAct), `${prefix}.ffn.lin2`), ctx.spec.hiddenDropout);
  return layerNorm(ctx, ctx.b.op('Add', [ffn, sa]), `${prefix}.output_layer_norm`);
}

/** config.qa_dropout (DistilBertConfig's default 0.1 when the key is absent). */
function qaDropout(spec: ModelSpec): number {
  const v = spec.raw.qa_dropout;
  return typeof v === 'number' && v >= 0 && v < 1 ? v : 0.1;
}

export const distilbert: FamilyBuilder = {
  usesTokenTypes: () => false,
  encode(ctx, inputs) {
    const b = ctx.b;
    const words = lookup(ctx, scoped(ctx, 'embeddings.word_embeddings.weight'), inputs.inputIds);
    const pos = lookup(ctx, scoped(ctx, 'embeddings.position_embeddings.weight'), positionRange(ctx, inputs.inputIds));
    let h = dropout(ctx, layerNorm(ctx, b.op('Add', [words, pos]), scoped(ctx, 'embeddings.LayerNorm')), ctx.spec.hiddenDropout);
    const bias = attentionBias(ctx, inputs.attentionMask);
    for (let i = 0; i < ctx.spec.numLayers; i++) h = transformerBlock(ctx, h, bias, scoped(ctx, `transformer.layer.${i}`), onlyFirstRow(ctx, i));
    return h;
  },
  head(ctx: BuildContext, hidden: string, inputs: GraphInputs, head) {
    switch (head) {
      case 'sentence-embedding':
        return meanPool(ctx, hidden, inputs.attentionMask);
      case 'sequence-classification': {
        const pre = ctx.b.op('Relu', [linear(ctx, firstToken(ctx, hidden), 'pre_classifier')]);
        return linear(ctx, dropout(ctx, pre, ctx.spec.classifierDropout), 'classifier');
      }
      case 'token-classification':
        return linear(ctx, dropout(ctx, hidden, ctx.spec.hiddenDropout), 'classifier');
      case 'question-answering':
        // DistilBertForQuestionAnswering, unlike BERT's, drops out the hidden states first, with its own qa_dropout.
        return linear(ctx, dropout(ctx, hidden, qaDropout(ctx.spec)), 'qa_outputs');
      case 'masked-lm': {
        const t = activation(ctx, linear(ctx, hidden, 'vocab_transform'), ctx.spec.hiddenAct);
        return tiedDecoder(ctx, layerNorm(ctx, t, 'vocab_layer_norm'), scoped(ctx, 'embeddings.word_embeddings.weight'), 'vocab_projector.bias');
      }
    }
  },
};
