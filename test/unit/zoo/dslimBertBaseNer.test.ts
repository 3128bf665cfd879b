// dslim/bert-base-NER: a NER checkpoint (BertForTokenClassification, cased vocab.txt and no tokenizer.json, no pooler,
// id2label in CoNLL-2003's O, B-MISC, I-MISC, B-PER, … order). Continuing it on data with the same 9 tags must keep
// every tensor — the head row for row in the checkpoint's own id order — and export exactly the checkpoint's tensor
// names; data with 9 other tags (same head size!) must get a new head rather than the old rows meaning wrong tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONLL_TAGS_DSLIM } from '../../../scripts/fixtures/hubZoo';
import { loadNerSplits } from '../../../src/data/ner';
import { fixtureWorkspace, tempDir } from '../models/support';
import { zooManifest, zooRepo } from './support';
import { exportedConfig, exportedTensors, floatTensors, maxAbsDiff, sortedNames, trainTwoSteps } from './tokenTaskRun';

const ID = 'dslim/bert-base-NER';
const FIXTURE_CONLL = () => path.join(fixtureWorkspace(), 'data/ner/train.conll');
/** The fixture's entity types renamed to CoNLL-2003's, so the sentences carry exactly the checkpoint's 9 tags. */
const RENAME: Record<string, string> = { PRODUCT: 'MISC', FOOD: 'ORG', MEDIA: 'PER', DURATION: 'LOC' };

function conllWithCheckpointTags(): string {
  const text = fs.readFileSync(FIXTURE_CONLL(), 'utf8').replace(/\b([BI])-(PRODUCT|FOOD|MEDIA|DURATION)$/gm, (_, bi: string, type: string) => `${bi}-${RENAME[type]}`);
  const file = path.join(tempDir('zoo-ner-data'), 'conll2003_tags.conll');
  fs.writeFileSync(file, text);
  return file;
}

const source = () => floatTensors(path.join(zooRepo(ID), 'model.safetensors'));
const sourceConfig = () => JSON.parse(fs.readFileSync(path.join(zooRepo(ID), 'config.json'), 'utf8')) as { id2label: Record<string, string> };

test(`${ID}: the zoo folder has the repo's file set, id2label in CoNLL order, no pooler, a 9-row classifier`, () => {
  const entry = zooManifest().repos.find((r) => r.id === ID);
  assert.ok(entry, 'listed in the manifest');
  assert.deepEqual([...entry.files].sort(), ['config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer_config.json', 'vocab.txt']);
  assert.deepEqual(Object.values(sourceConfig().id2label), CONLL_TAGS_DSLIM);
  const names = sortedNames(source());
  assert.ok(!names.some((n) => n.includes('pooler')), 'BertForTokenClassification has no pooler');
  const st = source();
  assert.equal(st.get('classifier.weight')!.length, 9 * 768);
  const vocab = fs.readFileSync(path.join(zooRepo(ID), 'vocab.txt'), 'utf8').split('\n');
  // bert-base-cased's special ids, and both cases as separate tokens (the tokenizer must not lowercase).
  assert.deepEqual([vocab[0], vocab[100], vocab[101], vocab[102], vocab[103], vocab[106]], ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '!']);
  assert.ok(vocab.includes('A') && vocab.includes('a'));
});

test(`${ID}: data with the checkpoint's 9 tags keeps every tensor, the head in its own id order; the export has the checkpoint's names`, async () => {
  const data = conllWithCheckpointTags();
  const splits = await loadNerSplits(data, { seed: 42 });
  assert.deepEqual([...splits.labels].sort(), [...CONLL_TAGS_DSLIM].sort(), 'the rewritten data carries exactly the 9 CoNLL tags');
  assert.notDeepEqual(splits.labels, CONLL_TAGS_DSLIM, 'the data alone would order them otherwise, so keeping the order is the checkpoint\'s doing');

  const { runDir, logs } = await trainTwoSteps(zooRepo(ID), data);
  assert.ok(logs.some((l) => l.includes(`head was trained on these 9 tags: it is kept, in its own id order (${CONLL_TAGS_DSLIM.join(', ')})`)), logs.join('\n'));
  assert.ok(!logs.some((l) => l.startsWith('newly initialised')), `nothing is re-initialised:\n${logs.join('\n')}`);

  const cfg = exportedConfig(runDir);
  assert.deepEqual(cfg.architectures, ['BertForTokenClassification']);
  assert.deepEqual(cfg.id2label, sourceConfig().id2label, "the export's id2label is the checkpoint's, id for id");
  const out = exportedTensors(runDir);
  const src = source();
  assert.deepEqual(sortedNames(out), sortedNames(src), 'exported tensor names = the checkpoint\'s');
  // Kept, then trained 2 steps at lr 1e-4 (Adam moves each value by about lr per step): within 1e-3 of the checkpoint,
  // where a fresh head (σ 0.02 against the checkpoint's own σ 0.02 values) would differ by about 0.1.
  for (const n of ['classifier.weight', 'classifier.bias', 'bert.embeddings.word_embeddings.weight']) {
    const d = maxAbsDiff(out.get(n)!, src.get(n)!);
    assert.ok(d < 1e-3, `${n} moved ${d} from the checkpoint`);
  }
  assert.ok(maxAbsDiff(out.get('classifier.weight')!, src.get('classifier.weight')!) > 0, 'the head trained');
});

test(`${ID}: data with 9 other tags (the fixture's PRODUCT/FOOD/MEDIA/DURATION) re-initialises the head, with the log note`, async () => {
  const splits = await loadNerSplits(FIXTURE_CONLL(), { seed: 42 });
  assert.equal(splits.labels.length, CONLL_TAGS_DSLIM.length, 'same head size, so only the labels tell the heads apart');
  const { runDir, logs } = await trainTwoSteps(zooRepo(ID), FIXTURE_CONLL());
  const note = `the checkpoint's head predicts other labels (${CONLL_TAGS_DSLIM.join(', ')}); a new head is initialised for ${splits.labels.join(', ')}`;
  assert.ok(logs.includes(note), `expected "${note}" in:\n${logs.join('\n')}`);
  assert.ok(logs.some((l) => l.startsWith('newly initialised') && l.includes('classifier.weight') && l.includes('classifier.bias')), logs.join('\n'));

  assert.deepEqual(Object.values(exportedConfig(runDir).id2label as Record<string, string>), splits.labels);
  const out = exportedTensors(runDir);
  const src = source();
  assert.deepEqual(sortedNames(out), sortedNames(src), 'same names: only the values of the head are new');
  assert.ok(maxAbsDiff(out.get('classifier.weight')!, src.get('classifier.weight')!) > 1e-2, 'the head was re-initialised, not loaded');
  assert.ok(maxAbsDiff(out.get('bert.encoder.layer.0.attention.self.query.weight')!, src.get('bert.encoder.layer.0.attention.self.query.weight')!) < 1e-3, 'the encoder is the checkpoint\'s');
});
