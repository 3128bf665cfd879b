// `node bench/classWeights.mjs [--seeds 1,2,3,4,5] [--strategies full,feature-extraction] [--set key=value ...]`:
// classWeights none vs balanced on the generated imbalanced sentiment data (data/imbalanced_train.csv + _validation,
// 8 % positive) with the tiny BERT, through the trainer's CLI. Per seed and strategy: the best validation macro-F1
// (the selection metric) and the positive class's recall at the end; then the mean lift. Needs `npm run build` and
// `node dist/tools/fixtures.js`. Run folders go to .bench-tmp/class-weights/ (removed afterwards).
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
const extra = argv.flatMap((a, i) => (a === '--set' ? ['--set', argv[i + 1]] : []));
const seeds = option('seeds', '1,2,3,4,5').split(',').map(Number);
const strategies = option('strategies', 'full,feature-extraction').split(',');
const WS = path.join(ROOT, 'test', 'fixtures', 'generated', 'workspace');
const DATA = path.join(WS, 'data', 'imbalanced_train.csv');
const WORK = path.join(ROOT, '.bench-tmp', 'class-weights');
// The settings every run shares; a feature-extraction head needs a larger learning rate to move in 5 epochs.
const BASE = { full: ['learningRate=1e-3'], 'feature-extraction': ['learningRate=1e-2'] };

function train(strategy, seed, classWeights) {
  const settings = [...(BASE[strategy] ?? []), 'epochs=5', 'batchSize=16', 'maxLength=64', 'threads=1', `seed=${seed}`, `classWeights=${classWeights}`];
  const args = ['dist/cli.js', 'train', '--model', path.join(WS, 'models', 'tiny-bert'), '--data', DATA, '--strategy', strategy, '--runs', WORK, '--device', 'cpu', '--json',
    ...settings.flatMap((s) => ['--set', s]), ...extra];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const messages = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const done = messages.find((m) => m.type === 'done');
  if (r.status !== 0 || !done) throw new Error(`${strategy} seed ${seed} ${classWeights}: exit ${r.status}\n${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  const lines = fs.readFileSync(path.join(done.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const last = lines.filter((l) => l.type === 'eval').at(-1);
  const positive = last.perClass.find((c) => c.label === 'positive');
  const collapsed = lines.filter((l) => l.type === 'log' && l.level === 'warn' && l.message.includes('predictions collapse')).length;
  return { best: done.bestMetric.value, finalMacroF1: last.metrics.macroF1, positiveRecall: positive.recall, collapseWarnings: collapsed, seconds: (performance.now() - t0) / 1000 };
}

const rows = [];
try {
  for (const strategy of strategies) {
    for (const seed of seeds) {
      const none = train(strategy, seed, 'none');
      const balanced = train(strategy, seed, 'balanced');
      rows.push({ strategy, seed, none, balanced });
      process.stderr.write(`${strategy} seed ${seed}: macro-F1 ${none.best.toFixed(4)} → ${balanced.best.toFixed(4)}\n`);
    }
  }
} finally {
  fs.rmSync(WORK, { recursive: true, force: true });
}

const f = (x) => x.toFixed(4);
console.log('| strategy | seed | macro-F1 none | macro-F1 balanced | lift | positive recall none → balanced | collapse warnings none / balanced |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.strategy} | ${r.seed} | ${f(r.none.best)} | ${f(r.balanced.best)} | ${f(r.balanced.best - r.none.best)} | ${f(r.none.positiveRecall)} → ${f(r.balanced.positiveRecall)} | ${r.none.collapseWarnings} / ${r.balanced.collapseWarnings} |`);
}
for (const strategy of strategies) {
  const of = rows.filter((r) => r.strategy === strategy);
  const mean = (g) => of.reduce((s, r) => s + g(r), 0) / of.length;
  const wins = of.filter((r) => r.balanced.best > r.none.best).length;
  console.log(`\n${strategy}: mean macro-F1 ${f(mean((r) => r.none.best))} (none) vs ${f(mean((r) => r.balanced.best))} (balanced), balanced higher on ${wins} of ${of.length} seeds`);
}
console.log(JSON.stringify({ rows }));
