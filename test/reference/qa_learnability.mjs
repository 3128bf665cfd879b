// Are the QA fixtures learnable, and do features, labels and postprocessing agree end to end? Builds features with
// the engine's qaFeatures, fine-tunes the fixture model in PyTorch (train_qa.py), scores the validation windows with
// qaPredictions + squadScores. Slow on a shared CPU (minutes), so it is a check to run by hand, not a unit test:
//   npm run compile-tests && node test/reference/qa_learnability.mjs [v1|v2] [epochs] [lr] [maxLength] [model]
// v1 trains on squad_train.json and scores squad_validation.json; v2 splits squad2_train.json 80/20 by article.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const out = (m) => require(path.join(repo, 'out', 'src', m));
const { loadQaSplits } = out('data/qa');
const { readModelSpec } = out('models/modelSpec');
const { loadTokenizer } = out('models/tokenizer');
const { WordEncoder } = out('models/wordEncoding');
const { qaFeatures } = out('training/tokenTasks/qaFeatures');
const { qaPredictions } = out('training/tokenTasks/qaPostprocess');
const { squadScores } = out('training/worker/squadMetrics');

const [version = 'v1', epochs = '12', lr = '3e-3', maxLength = '64', model = 'tiny-bert'] = process.argv.slice(2);
const v2 = version === 'v2';
const workspace = path.join(repo, 'test', 'fixtures', 'generated', 'workspace');
const dir = path.join(workspace, 'models', model);
const enc = new WordEncoder(await loadTokenizer(dir, readModelSpec(dir)));
const splits = await loadQaSplits(path.join(workspace, 'data', 'qa', v2 ? 'squad2_train.json' : 'squad_train.json'), { seed: 42, validationRatio: 0.2 });
const o = { maxLength: Number(maxLength), docStride: 16 };
const train = qaFeatures(splits.train, enc, o);
const evalFeatures = qaFeatures(splits.validation, enc, o);
console.log(`${model} ${version}: ${splits.train.length} train / ${splits.validation.length} validation questions (${splits.origins.validation}), ` +
  `${train.length} / ${evalFeatures.length} windows`);
const started = Date.now();
const r = spawnSync('/usr/bin/python3', [path.join(repo, 'test', 'reference', 'train_qa.py')], {
  input: JSON.stringify({ model_dir: dir, train, eval: evalFeatures, epochs: Number(epochs), lr: Number(lr), batch_size: 16, pad_id: enc.padId }),
  env: { ...process.env, OMP_NUM_THREADS: '2' }, maxBuffer: 1 << 28, encoding: 'utf8',
});
if (r.status !== 0) throw new Error(`train_qa.py failed: ${r.stderr}`);
const reply = JSON.parse(r.stdout);
console.log(`trained ${epochs} epochs in ${((Date.now() - started) / 1000).toFixed(0)} s; loss per epoch ${reply.losses.map((x) => x.toFixed(2)).join(' ')}`);
const preds = qaPredictions(splits.validation, evalFeatures, (k) => ({ start: Float32Array.from(reply.start[k]), end: Float32Array.from(reply.end[k]) }), { version2: v2 });
console.log(squadScores(preds, splits.validation.map((e) => ({ id: e.id, answers: e.answers.text }))));
