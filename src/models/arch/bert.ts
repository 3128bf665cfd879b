// BERT (incl. MiniLM and the small Turc et al. BERTs): HF BertModel + its task heads.
import { activation, scoped, attentionBias, bertLayer, dropout, firstToken, layerNorm, linear, lookup, meanPool, onlyFirstRow, positionRange, tiedDecoder } from './common';
import type { BuildContext } from './common';
import type { FamilyBuilder, GraphInputs } from './family';
import type { HeadKind } from './parameters';

/** Encoder shared with RoBERTa and ELECTRA, which differ only in how positions and embeddings are formed. */
export function bertEncoder(ctx: BuildContext, embeddings: string, inputs: GraphInputs): string {
  const bias = attentionBias(ctx, inputs.attentionMask);
  let h = embeddings;
  for (let i = 0; i < ctx.spec.numLayers; i++) h = bertLayer(ctx, h, bias, scoped(ctx, `encoder.layer.${i}`), onlyFirstRow(ctx, i));
  return h;
}

/** words + positions + token types → LayerNorm → dropout (BertEmbeddings). */
export function bertEmbeddings(ctx: BuildContext, inputs: GraphInputs, positionIds: string): string {
  const b = ctx.b;
  const e = scoped(ctx, 'embeddings');
  const words = lookup(ctx, `${e}.word_embeddings.weight`, inputs.inputIds);
  // Without a token_type_ids input every token is segment 0, as HF's default buffer of zeros.
  const types = inputs.tokenTypeIds ?? b.constant(0, 'int64', 'token_type_zero');
  const sum = b.op('Add', [b.op('Add', [words, lookup(ctx, `${e}.token_type_embeddings.weight`, types)]), lookup(ctx, `${e}.position_embeddings.weight`, positionIds)]);
  return dropout(ctx, layerNorm(ctx, sum, `${e}.LayerNorm`), ctx.spec.hiddenDropout);
}

export const bert: FamilyBuilder = {
  usesTokenTypes: () => true,
  encode(ctx, inputs) {
    return bertEncoder(ctx, bertEmbeddings(ctx, inputs, positionRange(ctx, inputs.inputIds)), inputs);
  },
  head(ctx: BuildContext, hidden: string, inputs: GraphInputs, head: HeadKind): string {
    const b = ctx.b;
    switch (head) {
      case 'sentence-embedding':
        return meanPool(ctx, hidden, inputs.attentionMask);
      case 'sequence-classification': {
        const pooled = b.op('Tanh', [linear(ctx, firstToken(ctx, hidden), scoped(ctx, 'pooler.dense'))]);
        return linear(ctx, dropout(ctx, pooled, ctx.spec.classifierDropout), 'classifier');
      }
      case 'token-classification':
        return linear(ctx, dropout(ctx, hidden, ctx.spec.classifierDropout), 'classifier');
      case 'question-answering':
        // BertForQuestionAnswering: qa_outputs reads the last hidden state directly (no dropout before it).
        return linear(ctx, hidden, 'qa_outputs');
      case 'masked-lm': {
        const t = activation(ctx, linear(ctx, hidden, 'cls.predictions.transform.dense'), ctx.spec.hiddenAct);
        const n = layerNorm(ctx, t, 'cls.predictions.transform.LayerNorm');
        return tiedDecoder(ctx, n, scoped(ctx, 'embeddings.word_embeddings.weight'), 'cls.predictions.bias');
      }
    }
  },
};
