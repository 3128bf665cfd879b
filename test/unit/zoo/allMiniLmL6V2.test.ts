// sentence-transformers/all-MiniLM-L6-v2: a bare BertModel checkpoint (no "bert." prefix) with its int64 position_ids buffer,
// sentence-transformers modules, full tokenizer_config.json; fine-tuned as BertForSequenceClassification.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bertForSequenceClassification } from './hfParameters';
import { zooRepo } from './support';
import { zooTests } from './zooCase';

const ID = 'sentence-transformers/all-MiniLM-L6-v2';
/** vocab_size as the repo's config.json says (the zoo reduces the vocabulary; HF sizes the tables from the config). */
const vocab = (JSON.parse(fs.readFileSync(path.join(zooRepo(ID), 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;

zooTests({
  id: ID,
  expected: bertForSequenceClassification({ vocab, hidden: 384, intermediate: 1536, layers: 2, positions: 512, typeVocab: 2, labels: 2 }),
  initialised: ['classifier.weight', 'classifier.bias'],
  unused: ['embeddings.position_ids'],
  ids: { first: 101, last: 102, pad: 0 },
  sameAsSource: [['bert.pooler.dense.weight', 'pooler.dense.weight'], ['bert.embeddings.word_embeddings.weight', 'embeddings.word_embeddings.weight']],
});
