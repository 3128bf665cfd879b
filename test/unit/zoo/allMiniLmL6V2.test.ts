// sentence-transformers/all-MiniLM-L6-v2: a bare BertModel checkpoint (no "bert." prefix) with its int64 position_ids buffer,
// sentence-transformers modules, full tokenizer_config.json; fine-tuned as BertForSequenceClassification.
import { bertForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'sentence-transformers/all-MiniLM-L6-v2';
const vocab = configVocab(ID);

zooTests({
  id: ID,
  expected: bertForSequenceClassification({ vocab, hidden: 384, intermediate: 1536, layers: 2, positions: 512, typeVocab: 2, labels: 2 }),
  initialised: ['classifier.weight', 'classifier.bias'],
  unused: ['embeddings.position_ids'],
  ids: { first: 101, last: 102, pad: 0 },
  sameAsSource: [['bert.pooler.dense.weight', 'pooler.dense.weight'], ['bert.embeddings.word_embeddings.weight', 'embeddings.word_embeddings.weight']],
});
