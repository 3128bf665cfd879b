// Issue 19 item 5: what would fail mid-training is refused in the trainers' prepare step, before any run folder
// exists: token ids past the model's vocab_size (ORT's Gather error otherwise), NaN/Inf in the loaded weights (a
// "lower the learning rate (lr 0.00e+0)" otherwise), an early-stopping metric the task does not report and layer
// indices the model does not have (accepted silently otherwise). Needs `npm run fixtures`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile, writeSafetensors } from '../../../src/models/safetensors';
import { checkVocabulary, largestIdIn, largestTokenId } from '../../../src/models/vocabCheck';
import { nonFinite } from '../../../src/models/weights';
import type { RunConfig } from '../../../src/training/protocol';
import { runTraining } from '../../../src/training/run';

const ROOT = path.resolve(__dirname, '../../../..');
const MODEL = path.join(ROOT, 'test/fixtures/generated/workspace/models/tiny-bert');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pretraining-checks-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The id of a word in the tiny BERT's vocab.txt (line number − 1). */
const idOf = (word: string) => fs.readFileSync(path.join(MODEL, 'vocab.txt'), 'utf8').split('\n').indexOf(word);
const VOCAB_LINES = fs.readFileSync(path.join(MODEL, 'vocab.txt'), 'utf8').trim().split('\n').length;

// Two words per class, so the largest id in the tokenized data is known: awful's (the special tokens are 0-4).
const DATA = path.join(tmp, 'words.csv');
fs.writeFileSync(DATA, 'text,label\n' + Array.from({ length: 6 }, () => 'good great,positive\nbad awful,negative\n').join(''));
const DATA_MAX = Math.max(idOf('good'), idOf('great'), idOf('bad'), idOf('awful'));

let copies = 0;
/** A copy of the tiny BERT with its config.json edited and/or its weights rewritten. */
function modelCopy(edit: { vocabSize?: number; weights?: (t: Map<string, Float32Array>) => void }): string {
  const dir = path.join(tmp, `model-${copies++}`);
  fs.cpSync(MODEL, dir, { recursive: true });
  if (edit.vocabSize !== undefined) {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: edit.vocabSize }));
  }
  if (edit.weights) {
    const file = path.join(dir, 'model.safetensors');
    const st = SafetensorsFile.open(file);
    const tensors = new Map(st.names().map((n) => [n, st.readFloat32(n)]));
    const shapes = new Map(st.names().map((n) => [n, st.entry(n).shape]));
    edit.weights(tensors);
    writeSafetensors(file, new Map([...tensors].map(([n, data]) => [n, { dtype: 'F32' as const, shape: shapes.get(n)!, data }])));
  }
  return dir;
}

/** Starts a run that must be refused; returns the message and checks that no run folder was made. */
async function refusal(config: Omit<RunConfig, 'runsRoot' | 'device'>): Promise<string> {
  const runsRoot = fs.mkdtempSync(path.join(tmp, 'runs-'));
  let message = '';
  await assert.rejects(runTraining({ ...config, runsRoot, device: 'cpu' }, { emit: () => {}, isCancelled: () => false, isPaused: () => false }), (e: Error) => ((message = e.message), true));
  assert.deepEqual(fs.readdirSync(runsRoot), [], `no run folder for: ${message}`);
  return message;
}

const FIX = 'the tokenizer and the model come from different checkpoints: use the tokenizer saved with this model, or a model whose vocab_size covers the tokenizer.';

test('token ids of the data past config.json\'s vocab_size are refused with both sizes, for the trainer and SetFit', async () => {
  assert.equal(DATA_MAX, idOf('awful'));
  const model = modelCopy({ vocabSize: DATA_MAX });
  for (const strategy of ['full', 'setfit'] as const) {
    assert.equal(
      await refusal({ model, data: DATA, strategy, settings: { maxLength: 16 } }),
      `${DATA}: tokenized, the data holds token id ${DATA_MAX}, but ${model}/config.json says vocab_size ${DATA_MAX} (ids 0 to ${DATA_MAX - 1}); the tokenizer's vocabulary has ${VOCAB_LINES} ids. ${FIX}`,
    );
  }
});

test('a tokenizer larger than vocab_size is refused even when this data stays below it', async () => {
  const model = modelCopy({ vocabSize: DATA_MAX + 1 });
  assert.equal(
    await refusal({ model, data: DATA, strategy: 'full', settings: { maxLength: 16 } }),
    `${model}: the tokenizer's vocabulary has ${VOCAB_LINES} ids (largest ${VOCAB_LINES - 1}), but ${model}/config.json says vocab_size ${DATA_MAX + 1} (ids 0 to ${DATA_MAX}); texts with the other tokens would fail in the embedding lookup. ${FIX}`,
  );
  assert.equal(largestTokenId(new Map([['a', 4], ['b', 9], ['c', 2]])), 9);
  assert.equal(largestIdIn([{ ids: [1, 7] }, { ids: [3] }]), 7);
  assert.doesNotThrow(() => checkVocabulary({ modelDir: 'm', vocabSize: 10, tokenizerMaxId: 9, dataFile: 'd', dataMaxId: 9 }));
});

test('NaN and Inf in the loaded weights are reported with the tensor, for the trainer and SetFit', async () => {
  const name = 'bert.encoder.layer.0.attention.self.query.weight';
  const model = modelCopy({ weights: (t) => {
    const w = t.get(name)!;
    w[3] = NaN;
    w[7] = Infinity;
    w[8] = NaN;
  } });
  const size = SafetensorsFile.open(path.join(MODEL, 'model.safetensors')).readFloat32(name).length;
  const expected = `${model}/model.safetensors: tensor "${name}" holds 2 NaN and 1 infinite value(s) among ${size} (first at index 3); ` +
    'the checkpoint is damaged or was saved after a training run diverged, so training from it cannot work. Use an intact checkpoint (download it again, or an earlier one).';
  for (const strategy of ['full', 'setfit'] as const) assert.equal(await refusal({ model, data: DATA, strategy, settings: { maxLength: 16 } }), expected);
  assert.deepEqual(nonFinite(Float32Array.from([0, -Infinity, 1, NaN])), { nan: 1, inf: 1, first: 1 });
  assert.equal(nonFinite(Float32Array.from([0, -3.4e38, 1e-45])), undefined);
});

test('an early-stopping metric the task does not report and layers the model lacks are refused before the run', async () => {
  assert.equal(
    await refusal({ model: MODEL, data: DATA, strategy: 'full', settings: { maxLength: 16, earlyStopping: { metric: 'f1', patience: 2 } as never } }),
    'Invalid training settings:\n- "earlyStopping.metric" must be one of the metrics a single-label evaluation reports (loss, accuracy, macroF1, microF1, weightedF1), got "f1" (did you mean "macroF1"?)',
  );
  assert.equal(
    await refusal({ model: MODEL, data: DATA, strategy: 'gradual-unfreezing', settings: { maxLength: 16, unfreezeSchedule: [[1], [0, 5]] } }),
    'Invalid training settings:\n- "unfreezeSchedule" must list layer indices from 0 to 1 (the model has 2 layers), got 5 for epoch 1',
  );
  assert.equal(
    await refusal({ model: MODEL, data: DATA, strategy: 'setfit', settings: { maxLength: 16, earlyStopping: { metric: 'perplexity' } as never } }),
    'Invalid training settings:\n- "earlyStopping.metric" must be one of the metrics a single-label evaluation reports (loss, accuracy, macroF1, microF1, weightedF1), got "perplexity"',
  );
});
