// The tiny BERT that has learned something: the generated 2-layer BERT MLM-pretrained 30 epochs on the fixture's
// unlabeled reviews.txt, with the same CLI call and cache folder as bench/setfit.mjs, so both benches train on one
// encoder (a first use of either pretrains it; the other finds it in .bench-tmp/setfit/mlm-runs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MLM_RUNS = path.join(ROOT, '.bench-tmp', 'setfit', 'mlm-runs');
const WS = path.join(ROOT, 'test', 'fixtures', 'generated', 'workspace');

/** The newest completed pretraining run's model folder, or undefined. */
function completedEncoder() {
  if (!fs.existsSync(MLM_RUNS)) return undefined;
  const done = fs.readdirSync(MLM_RUNS).sort().reverse()
    .map((id) => path.join(MLM_RUNS, id))
    .find((d) => fs.existsSync(path.join(d, 'model', 'model.safetensors')) && fs.existsSync(path.join(d, 'run.json'))
      && JSON.parse(fs.readFileSync(path.join(d, 'run.json'), 'utf8')).status === 'completed');
  return done && path.join(done, 'model');
}

/** The MLM-pretrained encoder's folder; pretrains it (about a minute on 2 cores) when no completed run is cached. */
export function pretrainedEncoder({ log = (m) => process.stderr.write(m) } = {}) {
  const cached = completedEncoder();
  if (cached) return cached;
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');
  log('MLM pre-training the tiny BERT on reviews.txt (30 epochs, as bench/setfit.mjs does)…\n');
  const r = spawnSync(process.execPath, ['dist/cli.js', 'train', '--strategy', 'mlm', '--data', path.join(WS, 'data', 'reviews.txt'), '--model', path.join(WS, 'models', 'tiny-bert'),
    '--runs', MLM_RUNS, '--device', 'cpu', '--set', 'learningRate=2e-3', '--set', 'epochs=30', '--set', 'batchSize=32', '--set', 'maxLength=64', '--json'],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '2' } });
  if (r.status !== 0) throw new Error(`MLM pre-training exited with ${r.status ?? r.signal}`);
  const made = completedEncoder();
  if (!made) throw new Error(`MLM pre-training finished but left no completed run under ${MLM_RUNS}`);
  return made;
}
