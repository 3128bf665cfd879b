// Entities and answers through the real inference worker process (the tsc build of src/inference/worker.ts): the
// worker's results equal the same model loaded in this process, models stay warm per task, a request for the wrong
// kind of model fails with the model's file named, and the worker keeps serving after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { InferenceClient } from '../../../src/inference/client';
import { ModelCache } from '../../../src/inference/modelCache';
import { loadTokenTaskModel } from '../../../src/inference/tokenTaskModel';
import { Checkpoint } from '../../../src/models/checkpoint';
import { exportModel } from '../../../src/models/export';
import type { HeadKind } from '../../../src/models/arch/parameters';
import { readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { loadWeights } from '../../../src/models/weights';
import { Rng } from '../../../src/util/rng';
import { fixtureModel, tempDir } from '../models/support';

const WORKER = path.resolve(__dirname, '..', '..', '..', 'src', 'inference', 'worker.js');
const LABELS = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
const TEXTS = ['Angela Merkel met Emmanuel Macron in Paris.', 'The delegation flew\nto Berlin on Monday, then to Rome.'];

/** A tiny-bert export with a seeded head (scaled so its predictions are decided). */
function tinyExport(head: HeadKind, seed: number): string {
  const base = fixtureModel('tiny-bert');
  const spec = head === 'token-classification' ? withLabels(readModelSpec(base), LABELS) : readModelSpec(base);
  const { tensors } = loadWeights(Checkpoint.open(base), spec, head, { ignoreMismatchedHead: true, seed });
  const rng = new Rng(seed);
  for (const [name, w] of tensors) if (/^(classifier|qa_outputs)\./.test(name)) for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 0.6;
  const out = path.join(tempDir(`${head}-export`), 'model');
  exportModel({ sourceDir: base, outDir: out, spec, head, weights: tensors, labels: head === 'token-classification' ? LABELS : undefined, quantize: false });
  return out;
}

test('entities and answers from the worker equal the model run in this process; warm on the second request', async () => {
  const ner = tinyExport('token-classification', 21);
  const qa = tinyExport('question-answering', 22);
  const nerHere = await loadTokenTaskModel({ folder: ner, task: 'token-classification' });
  const qaHere = await loadTokenTaskModel({ folder: qa, task: 'question-answering' });
  const wantEntities = await nerHere.extractEntities(TEXTS);
  const wantAnswer = await qaHere.answer('Where did they meet?', TEXTS[0]);
  await nerHere.dispose();
  await qaHere.dispose();
  assert.ok(wantEntities.some((r) => r.entities.length > 0), 'the seeded head finds entities (test precondition)');

  const client = new InferenceClient({ workerPath: WORKER });
  try {
    const cold = await client.extractEntities({ folder: ner, task: 'token-classification' }, TEXTS);
    assert.equal(cold.warm, false);
    assert.equal(cold.model.task, 'token-classification');
    assert.equal(cold.model.onnxFile, 'onnx/model.onnx');
    assert.deepEqual(cold.results, wantEntities);
    const answer = await client.answerQuestion({ folder: qa, task: 'question-answering' }, 'Where did they meet?', TEXTS[0]);
    assert.deepEqual(answer.result, wantAnswer);
    const warm = await client.extractEntities({ folder: ner, task: 'token-classification' }, [TEXTS[1]]);
    assert.equal(warm.warm, true);
    assert.deepEqual(warm.results, [wantEntities[1]]);

    // A question-answering model asked for entities: refused, naming config.json and what is needed.
    await assert.rejects(
      client.extractEntities({ folder: qa, task: 'token-classification' }, TEXTS),
      /config\.json: architectures is \["BertForQuestionAnswering"\]; token-classification needs a \*ForTokenClassification model/,
    );
    const again = await client.answerQuestion({ folder: qa, task: 'question-answering' }, 'Who met Macron?', TEXTS[0]);
    assert.equal(again.warm, true);
  } finally {
    client.dispose();
  }
});

test('model cache: a folder that fails to load costs no warm model; the least recently used one makes room', async () => {
  const disposed: string[] = [];
  const cache = new ModelCache(async (ref) => {
    if (ref.folder === 'broken') throw new Error('no onnx');
    return { info: { folder: ref.folder, task: ref.task, onnxFile: 'onnx/model.onnx', loadMs: 0, device: 'cpu', deviceReason: '' }, dispose: async () => void disposed.push(ref.folder) };
  });
  const ref = (folder: string) => ({ folder, task: 'token-classification' as const });
  await cache.get(ref('a'));
  await cache.get(ref('b'));
  await cache.get(ref('a'));
  await assert.rejects(cache.get(ref('broken')), /no onnx/);
  assert.ok(cache.has(ref('a')) && cache.has(ref('b')) && !cache.has(ref('broken')));
  assert.deepEqual(disposed, []);
  await cache.get(ref('c'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(disposed, ['b'], 'b was used least recently');
  assert.ok(cache.has(ref('a')) && cache.has(ref('c')));
});
