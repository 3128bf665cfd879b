// microsoft/deberta-v3-small: model_type deberta-v2, spm.model and no tokenizer.json (the tokenizer is converted from
// SentencePiece as AutoTokenizer converts it), deberta.* with the relative-position table, no token types, the MLM head
// lm_predictions.lm_head.* the classifier does not use; [CLS] 1 … [SEP] 2, [PAD] 0.
import { debertaV3ForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'microsoft/deberta-v3-small';

zooTests({
  id: ID,
  expected: debertaV3ForSequenceClassification({ vocab: configVocab(ID), hidden: 768, intermediate: 3072, layers: 2, positions: 512, typeVocab: 0, labels: 2, buckets: 256 }),
  initialised: ['pooler.dense.weight', 'pooler.dense.bias', 'classifier.weight', 'classifier.bias'],
  unused: ['lm_predictions.lm_head.bias', 'lm_predictions.lm_head.dense.weight', 'lm_predictions.lm_head.dense.bias', 'lm_predictions.lm_head.LayerNorm.weight', 'lm_predictions.lm_head.LayerNorm.bias'],
  ids: { first: 1, last: 2, pad: 0 },
  sameAsSource: [['deberta.encoder.rel_embeddings.weight', 'deberta.encoder.rel_embeddings.weight']],
});
