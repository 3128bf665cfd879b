// answerdotai/ModernBERT-base: model_type modernbert, byte-level BPE tokenizer.json with [CLS]/[SEP]/[PAD] after the
// BPE pieces, model.* with the MLM head (head.*, decoder.bias); the sequence classifier reuses head.* and adds classifier.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modernbertForSequenceClassification } from './hfParameters';
import { configVocab, zooRepo } from './support';
import { zooTests } from './zooCase';

const ID = 'answerdotai/ModernBERT-base';
const config = JSON.parse(fs.readFileSync(path.join(zooRepo(ID), 'config.json'), 'utf8')) as { cls_token_id: number; sep_token_id: number; pad_token_id: number };

zooTests({
  id: ID,
  expected: modernbertForSequenceClassification({ vocab: configVocab(ID), hidden: 768, intermediate: 1152, layers: 2, positions: 8192, typeVocab: 0, labels: 2 }),
  initialised: ['classifier.weight', 'classifier.bias'],
  head: ['head.dense.weight', 'head.norm.weight', 'classifier.weight', 'classifier.bias'],
  unused: ['decoder.bias'],
  ids: { first: config.cls_token_id, last: config.sep_token_id, pad: config.pad_token_id },
  sameAsSource: [['model.layers.1.attn.Wqkv.weight', 'model.layers.1.attn.Wqkv.weight'], ['model.final_norm.weight', 'model.final_norm.weight']],
});
