// deepset/roberta-base-squad2: an extractive QA checkpoint (RobertaForQuestionAnswering: roberta.* without a pooler,
// qa_outputs [2, 768]) with vocab.json + merges.txt and no tokenizer.json. Fine-tuning it further on SQuAD-format data
// must load qa_outputs from the checkpoint instead of initialising a new span head, and export exactly its tensor names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelSpec } from '../../../src/models/modelSpec';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { fixtureWorkspace } from '../models/support';
import { zooManifest, zooRepo } from './support';
import { exportedConfig, exportedTensors, floatTensors, maxAbsDiff, sortedNames, trainTwoSteps } from './tokenTaskRun';

const ID = 'deepset/roberta-base-squad2';
const source = () => floatTensors(path.join(zooRepo(ID), 'model.safetensors'));

test(`${ID}: the zoo folder has the repo's file set (no tokenizer.json), no pooler, qa_outputs [2, 768]; the tokenizer is built from vocab.json + merges.txt`, async () => {
  const entry = zooManifest().repos.find((r) => r.id === ID);
  assert.ok(entry, 'listed in the manifest');
  assert.deepEqual([...entry.files].sort(), ['config.json', 'merges.txt', 'model.safetensors', 'special_tokens_map.json', 'tokenizer_config.json', 'vocab.json']);
  const src = source();
  assert.ok(![...src.keys()].some((n) => n.includes('pooler')), 'RobertaForQuestionAnswering has no pooler');
  assert.equal(src.get('qa_outputs.weight')!.length, 2 * 768);
  assert.equal(src.get('qa_outputs.bias')!.length, 2);
  const tok = await loadTokenizer(zooRepo(ID), readModelSpec(zooRepo(ID)));
  assert.equal(tok.padTokenId, 1);
  const enc = tok.encode(['Which device is mentioned?'], { pairs: ['Good case, Excellent value.'] });
  const ids = Array.from(enc.inputIds, Number);
  // RoBERTa pairs: <s> A </s></s> B </s>.
  assert.equal(ids[0], 0);
  assert.equal(ids.filter((i) => i === 2).length, 3, `three </s> in ${ids}`);
});

test(`${ID}: 2 steps on SQuAD v1.1 keep qa_outputs (not re-initialised); the export has exactly the checkpoint's tensor names`, async () => {
  const data = path.join(fixtureWorkspace(), 'data/qa/squad_train.json');
  assert.ok(fs.existsSync(data), data);
  const { runDir, logs } = await trainTwoSteps(zooRepo(ID), data, { maxLength: 128 });
  assert.ok(!logs.some((l) => l.startsWith('newly initialised')), `nothing is re-initialised:\n${logs.join('\n')}`);

  assert.deepEqual(exportedConfig(runDir).architectures, ['RobertaForQuestionAnswering']);
  const out = exportedTensors(runDir);
  const src = source();
  assert.deepEqual(sortedNames(out), sortedNames(src), "exported tensor names = the checkpoint's");
  // Loaded, then 2 steps at lr 1e-4: within 1e-3 of the checkpoint's values (a fresh σ 0.02 head would be ~0.1 away).
  for (const n of ['qa_outputs.weight', 'qa_outputs.bias', 'roberta.encoder.layer.1.output.dense.weight']) {
    const d = maxAbsDiff(out.get(n)!, src.get(n)!);
    assert.ok(d < 1e-3, `${n} moved ${d} from the checkpoint`);
  }
  assert.ok(maxAbsDiff(out.get('qa_outputs.weight')!, src.get('qa_outputs.weight')!) > 0, 'the span head trained');
});
