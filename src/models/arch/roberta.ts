// RoBERTa / XLM-RoBERTa: BERT's encoder with positions counted from padding_idx+1 and its own heads.
import { activation, scoped, dropout, firstToken, layerNorm, linear, meanPool, tiedDecoder } from './common';
import type { BuildContext } from './common';
import { bertEmbeddings, bertEncoder } from './bert';
import type { FamilyBuilder, GraphInputs } from './family';

/** HF create_position_ids_from_input_ids: cumsum(ids ≠ pad)·(ids ≠ pad) + pad, so padding keeps position pad. */
export function robertaPositionIds(ctx: BuildContext, inputIds: string): string {
  const b = ctx.b;
  const pad = b.constant(ctx.spec.padTokenId, 'int64', 'padding_idx');
  const notPad = b.op('Cast', [b.op('Not', [b.op('Equal', [inputIds, pad])])], { to: { type: 'int', value: 7 } });
  const counted = b.op('CumSum', [notPad, b.constant(1, 'int64', 'seq_axis')]);
  return b.op('Add', [b.op('Mul', [counted, notPad]), pad], {}, { name: 'position_ids' });
}

/** RobertaClassificationHead / ElectraClassificationHead: <s> → dropout → dense → act → dropout → out_proj. */
export function denseClassificationHead(ctx: BuildContext, hidden: string, act: 'tanh' | 'gelu'): string {
  const x = dropout(ctx, firstToken(ctx, hidden), ctx.spec.classifierDropout);
  const d = linear(ctx, x, 'classifier.dense');
  const a = act === 'tanh' ? ctx.b.op('Tanh', [d]) : activation(ctx, d, 'gelu');
  return linear(ctx, dropout(ctx, a, ctx.spec.classifierDropout), 'classifier.out_proj');
}

export const roberta: FamilyBuilder = {
  usesTokenTypes: () => false,
  encode(ctx, inputs) {
    return bertEncoder(ctx, bertEmbeddings(ctx, inputs, robertaPositionIds(ctx, inputs.inputIds)), inputs);
  },
  head(ctx: BuildContext, hidden: string, inputs: GraphInputs, head) {
    switch (head) {
      case 'sentence-embedding':
        return meanPool(ctx, hidden, inputs.attentionMask);
      case 'sequence-classification':
        return denseClassificationHead(ctx, hidden, 'tanh');
      case 'token-classification':
        return linear(ctx, dropout(ctx, hidden, ctx.spec.classifierDropout), 'classifier');
      case 'question-answering':
        // RobertaForQuestionAnswering (and MPNetForQuestionAnswering, which shares these heads): qa_outputs reads the last hidden state directly (no dropout before it).
        return linear(ctx, hidden, 'qa_outputs');
      case 'masked-lm': {
        // RobertaLMHead always uses exact GELU, whatever hidden_act says.
        const n = layerNorm(ctx, activation(ctx, linear(ctx, hidden, 'lm_head.dense'), 'gelu'), 'lm_head.layer_norm');
        return tiedDecoder(ctx, n, scoped(ctx, 'embeddings.word_embeddings.weight'), 'lm_head.bias');
      }
    }
  },
};
