// sentence-transformers/all-mpnet-base-v2: a bare MPNetModel checkpoint (no "mpnet." prefix) with its position_ids
// buffer and unused pooler, sentence-transformers modules, MPNetTokenizer files; fine-tuned as
// MPNetForSequenceClassification.
import { ROBERTA_CLASSIFIER, mpnetForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'sentence-transformers/all-mpnet-base-v2';

zooTests({
  id: ID,
  expected: mpnetForSequenceClassification({ vocab: configVocab(ID), hidden: 768, intermediate: 3072, layers: 2, positions: 514, typeVocab: 0, labels: 2, heads: 12 }),
  initialised: ROBERTA_CLASSIFIER,
  unused: ['embeddings.position_ids', 'pooler.dense.weight', 'pooler.dense.bias'],
  ids: { first: 0, last: 2, pad: 1 },
  sameAsSource: [['mpnet.encoder.relative_attention_bias.weight', 'encoder.relative_attention_bias.weight']],
});
