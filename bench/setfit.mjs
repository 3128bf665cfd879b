// `node bench/setfit.mjs [--model DIR] [--seeds 1,2,3,4,5] [--settings JSON] [--domain amazon|imdb|yelp]`: few-shot SetFit vs frozen encoder +
// logistic head, 8 sentences per class, averaged over seeds (bench/setfit.ts). Without --model, the generated tiny BERT
// is first MLM-pretrained on the fixture's unlabeled reviews.txt with the trainer's CLI (cached in .bench-tmp/setfit/).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const WORK = path.join(ROOT, '.bench-tmp', 'setfit');
const WS = path.join(ROOT, 'test', 'fixtures', 'generated', 'workspace');
const env = { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '2' };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return r.stdout;
}

/** The MLM-pretrained encoder: the newest completed run under .bench-tmp/setfit/mlm-runs, else a fresh pretraining. */
function pretrainedEncoder() {
  const runs = path.join(WORK, 'mlm-runs');
  const done = () => (fs.existsSync(runs) ? fs.readdirSync(runs).sort().reverse() : [])
    .map((id) => path.join(runs, id))
    .find((d) => fs.existsSync(path.join(d, 'model', 'model.safetensors')) && JSON.parse(fs.readFileSync(path.join(d, 'run.json'), 'utf8')).status === 'completed');
  if (!done()) {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) run(process.execPath, ['scripts/build.mjs']);
    process.stderr.write('MLM pre-training the tiny BERT on reviews.txt (30 epochs)…\n');
    run(process.execPath, ['dist/cli.js', 'train', '--strategy', 'mlm', '--data', path.join(WS, 'data', 'reviews.txt'), '--model', path.join(WS, 'models', 'tiny-bert'),
      '--runs', runs, '--device', 'cpu', '--set', 'learningRate=2e-3', '--set', 'epochs=30', '--set', 'batchSize=32', '--set', 'maxLength=64', '--json']);
  }
  return path.join(done(), 'model');
}

await build({
  entryPoints: [path.join(ROOT, 'bench', 'setfit.ts')], outfile: path.join(ROOT, 'dist', 'bench', 'setfit.js'), bundle: true, platform: 'node', target: 'node20',
  format: 'cjs', external: ['vscode', 'onnxruntime-node', '@huggingface/transformers', 'sharp'], logLevel: 'warning',
});
const model = option('model') ?? pretrainedEncoder();
const out = run(process.execPath, ['dist/bench/setfit.js', '--model', model, '--seeds', option('seeds', '1,2,3,4,5'), '--settings', option('settings', '{}'), ...(option('domain') ? ['--domain', option('domain')] : [])]);
const result = JSON.parse(out.trim().split('\n').pop());
fs.mkdirSync(WORK, { recursive: true });
fs.writeFileSync(path.join(WORK, 'result.json'), JSON.stringify(result, null, 2));
const pct = (x) => (100 * x).toFixed(1);
console.log(`| SetFit few-shot, ${result.domain} (${result.perClass}/class, ${result.seeds.length} seeds, ${result.heldOut} held out) | frozen + logistic ${pct(result.frozen.mean)} ± ${pct(result.frozen.std)} % | SetFit ${pct(result.setfit.mean)} ± ${pct(result.setfit.std)} % | SetFit better on ${result.setfitWins}/${result.seeds.length} seeds |`);
console.log(`per seed: ${result.seeds.map((s) => `${s.seed}: ${pct(s.frozen)} → ${pct(s.setfit)}`).join(', ')}`);
