// FacebookAI/xlm-roberta-base: model_type xlm-roberta, a Unigram (SentencePiece) tokenizer.json plus sentencepiece.bpe.model,
// no tokenizer_config.json; roberta.* tensor names.
import { ROBERTA_CLASSIFIER, ROBERTA_MLM_UNUSED, robertaForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'FacebookAI/xlm-roberta-base';
const vocab = configVocab(ID);

zooTests({
  id: ID,
  expected: robertaForSequenceClassification({ vocab, hidden: 768, intermediate: 3072, layers: 2, positions: 514, typeVocab: 1, labels: 2 }),
  initialised: ROBERTA_CLASSIFIER,
  unused: ROBERTA_MLM_UNUSED,
  ids: { first: 0, last: 2, pad: 1 },
  sameAsSource: [['roberta.encoder.layer.0.attention.self.query.weight', 'roberta.encoder.layer.0.attention.self.query.weight']],
});
