// ELECTRA (discriminator and generator checkpoints): BERT's encoder, embeddings possibly narrower and projected up.
import { activation, scoped, dropout, layerNorm, linear, meanPool, positionRange, tiedDecoder } from './common';
import type { BuildContext } from './common';
import { bertEmbeddings, bertEncoder } from './bert';
import type { FamilyBuilder, GraphInputs } from './family';
import { denseClassificationHead } from './roberta';

export const electra: FamilyBuilder = {
  usesTokenTypes: () => true,
  encode(ctx, inputs) {
    let e = bertEmbeddings(ctx, inputs, positionRange(ctx, inputs.inputIds));
    if (ctx.spec.embeddingSize !== ctx.spec.hiddenSize) e = linear(ctx, e, scoped(ctx, 'embeddings_project'));
    return bertEncoder(ctx, e, inputs);
  },
  head(ctx: BuildContext, hidden: string, inputs: GraphInputs, head) {
    switch (head) {
      case 'sentence-embedding':
        return meanPool(ctx, hidden, inputs.attentionMask);
      case 'sequence-classification':
        return denseClassificationHead(ctx, hidden, 'gelu');
      case 'token-classification':
        return linear(ctx, dropout(ctx, hidden, ctx.spec.classifierDropout), 'classifier');
      case 'question-answering':
        // ElectraForQuestionAnswering: qa_outputs reads the last hidden state directly (no dropout before it).
        return linear(ctx, hidden, 'qa_outputs');
      case 'masked-lm': {
        // ElectraGeneratorPredictions: dense (H→E) → gelu → LayerNorm, decoder tied to the word embeddings.
        const t = activation(ctx, linear(ctx, hidden, 'generator_predictions.dense'), 'gelu');
        const n = layerNorm(ctx, t, 'generator_predictions.LayerNorm');
        return tiedDecoder(ctx, n, scoped(ctx, 'embeddings.word_embeddings.weight'), 'generator_lm_head.bias');
      }
    }
  },
};
