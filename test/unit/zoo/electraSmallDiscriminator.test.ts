// google/electra-small-discriminator: embedding_size 128 projected to hidden 256, the discriminator head it was pre-trained
// with, tokenizer_config.json that is only {"do_lower_case": true}.
import { electraForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'google/electra-small-discriminator';
const vocab = configVocab(ID);

zooTests({
  id: ID,
  expected: electraForSequenceClassification({ vocab, hidden: 256, intermediate: 1024, layers: 2, positions: 512, typeVocab: 2, labels: 2, embedding: 128 }),
  initialised: ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias'],
  unused: ['discriminator_predictions.dense.weight', 'discriminator_predictions.dense.bias', 'discriminator_predictions.dense_prediction.weight', 'discriminator_predictions.dense_prediction.bias'],
  ids: { first: 101, last: 102, pad: 0 },
  sameAsSource: [['electra.embeddings_project.weight', 'electra.embeddings_project.weight']],
});
