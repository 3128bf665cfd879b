// distilbert/distilbert-base-uncased: distilbert.* names, the vocab_transform / vocab_layer_norm / vocab_projector MLM head,
// tokenizer_config.json that is only {"do_lower_case": true}.
import { distilbertForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'distilbert/distilbert-base-uncased';
const vocab = configVocab(ID);

zooTests({
  id: ID,
  expected: distilbertForSequenceClassification({ vocab, hidden: 768, intermediate: 3072, layers: 2, positions: 512, typeVocab: 0, labels: 2 }),
  initialised: ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias'],
  unused: ['vocab_transform.weight', 'vocab_transform.bias', 'vocab_layer_norm.weight', 'vocab_layer_norm.bias', 'vocab_projector.bias'],
  ids: { first: 101, last: 102, pad: 0 },
  sameAsSource: [['distilbert.transformer.layer.1.output_layer_norm.weight', 'distilbert.transformer.layer.1.output_layer_norm.weight']],
});
