// google-bert/bert-base-uncased: the 2018 checkpoint's names (LayerNorm.gamma/beta), its MLM + NSP pre-training heads,
// tokenizer_config.json that is only {"do_lower_case": true}.
import { bertForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'google-bert/bert-base-uncased';
const vocab = configVocab(ID);

zooTests({
  id: ID,
  expected: bertForSequenceClassification({ vocab, hidden: 768, intermediate: 3072, layers: 2, positions: 512, typeVocab: 2, labels: 2 }),
  initialised: ['classifier.weight', 'classifier.bias'],
  unused: [
    'cls.predictions.bias', 'cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias',
    'cls.predictions.transform.LayerNorm.gamma', 'cls.predictions.transform.LayerNorm.beta', 'cls.seq_relationship.weight', 'cls.seq_relationship.bias',
  ],
  ids: { first: 101, last: 102, pad: 0 },
  sameAsSource: [
    ['bert.embeddings.LayerNorm.weight', 'bert.embeddings.LayerNorm.gamma'],
    ['bert.encoder.layer.1.output.LayerNorm.bias', 'bert.encoder.layer.1.output.LayerNorm.beta'],
    ['bert.pooler.dense.weight', 'bert.pooler.dense.weight'],
  ],
});
