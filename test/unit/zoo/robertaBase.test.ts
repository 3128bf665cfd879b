// FacebookAI/roberta-base: vocab.json + merges.txt + tokenizer.json + dict.txt and no tokenizer_config.json; roberta.* with a
// pooler the classifier does not use, lm_head.*; pad id 1, 514 positions, one token type.
import { ROBERTA_CLASSIFIER, ROBERTA_MLM_UNUSED, robertaForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'FacebookAI/roberta-base';
const vocab = configVocab(ID);

zooTests({
  id: ID,
  expected: robertaForSequenceClassification({ vocab, hidden: 768, intermediate: 3072, layers: 2, positions: 514, typeVocab: 1, labels: 2 }),
  initialised: ROBERTA_CLASSIFIER,
  unused: ROBERTA_MLM_UNUSED,
  ids: { first: 0, last: 2, pad: 1 },
  sameAsSource: [['roberta.embeddings.position_embeddings.weight', 'roberta.embeddings.position_embeddings.weight']],
});
