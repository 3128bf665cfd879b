// FacebookAI/xlm-roberta-base: model_type xlm-roberta, a Unigram (SentencePiece) tokenizer.json plus sentencepiece.bpe.model,
// no tokenizer_config.json; roberta.* tensor names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { robertaForSequenceClassification } from './hfParameters';
import { zooRepo } from './support';
import { zooTests } from './zooCase';

const ID = 'FacebookAI/xlm-roberta-base';
/** vocab_size as the repo's config.json says (the zoo reduces the vocabulary; HF sizes the tables from the config). */
const vocab = (JSON.parse(fs.readFileSync(path.join(zooRepo(ID), 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;

zooTests({
  id: ID,
  expected: robertaForSequenceClassification({ vocab, hidden: 768, intermediate: 3072, layers: 2, positions: 514, typeVocab: 1, labels: 2 }),
  initialised: ['classifier.dense.weight', 'classifier.dense.bias', 'classifier.out_proj.weight', 'classifier.out_proj.bias'],
  unused: ['roberta.pooler.dense.weight', 'roberta.pooler.dense.bias', 'lm_head.bias', 'lm_head.dense.weight', 'lm_head.dense.bias', 'lm_head.layer_norm.weight', 'lm_head.layer_norm.bias'],
  ids: { first: 0, last: 2, pad: 1 },
  sameAsSource: [['roberta.encoder.layer.0.attention.self.query.weight', 'roberta.encoder.layer.0.attention.self.query.weight']],
});
