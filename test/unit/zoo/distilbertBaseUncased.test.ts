// distilbert/distilbert-base-uncased: distilbert.* names, the vocab_transform / vocab_layer_norm / vocab_projector MLM head,
// tokenizer_config.json that is only {"do_lower_case": true}.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { distilbertForSequenceClassification } from './hfParameters';
import { zooRepo } from './support';
import { zooTests } from './zooCase';

const ID = 'distilbert/distilbert-base-uncased';
/** vocab_size as the repo's config.json says (the zoo reduces the vocabulary; HF sizes the tables from the config). */
const vocab = (JSON.parse(fs.readFileSync(path.join(zooRepo(ID), 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;

zooTests({
  id: ID,
  expected: distilbertForSequenceClassification({ vocab, hidden: 768, intermediate: 3072, layers: 2, positions: 512, typeVocab: 0, labels: 2 }),
  initialised: ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias'],
  unused: ['vocab_transform.weight', 'vocab_transform.bias', 'vocab_layer_norm.weight', 'vocab_layer_norm.bias', 'vocab_projector.bias'],
  ids: { first: 101, last: 102, pad: 0 },
  sameAsSource: [['distilbert.transformer.layer.1.output_layer_norm.weight', 'distilbert.transformer.layer.1.output_layer_norm.weight']],
});
