// SetFit vs feature extraction, few-shot: for each seed, 8 labelled sentences per class are drawn from the fixture's
// real training sentences (or, with --domain amazon|imdb|yelp, from one source of node_modules/sentiment's labelled
// sentences, so a head cannot score by telling phone reviews from film reviews); the same encoder is (a) frozen with a logistic head on its mean-pooled embeddings and
// (b) SetFit-trained (contrastive pairs, then the same logistic head). Both are scored on the same held-out sentences:
// the fixture's 200 test sentences, or 300 of the domain's sentences that the MLM corpus (reviews.txt) does not contain.
// Run through bench/setfit.mjs, which prepares the encoder; prints one JSON line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FromWorker, RunConfig } from '../src/training/protocol';
import { runTraining } from '../src/training/run';
import { Rng } from '../src/util/rng';

interface Row { text: string; label: string }

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const model = path.resolve(args.get('model') ?? '');
const dataDir = path.resolve(args.get('data') ?? 'test/fixtures/generated/workspace/data');
const seeds = (args.get('seeds') ?? '1,2,3,4,5').split(',').map(Number);
const perClass = Number(args.get('per-class') ?? 8);
const domain = args.get('domain');
const setfitSettings = JSON.parse(args.get('settings') ?? '{}') as Record<string, unknown>;

const readCsv = (f: string) => parse(fs.readFileSync(f, 'utf8'), { columns: true }) as Row[];
const csv = (rows: readonly Row[]) => ['text,label', ...rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`)].join('\n') + '\n';

function fewShot(pool: readonly Row[], seed: number): Row[] {
  const rng = new Rng(seed);
  const labels = [...new Set(pool.map((r) => r.label))].sort();
  return labels.flatMap((l) => rng.shuffle(pool.filter((r) => r.label === l)).slice(0, perClass));
}

async function accuracy(data: string, seed: number, settings: Record<string, unknown>): Promise<{ accuracy: number; macroF1: number; seconds: number }> {
  const messages: FromWorker[] = [];
  const config: RunConfig = { model, data, strategy: 'setfit', runsRoot: path.join(os.tmpdir(), 'bench-setfit-runs'), device: 'cpu', settings: { ...settings, seed } };
  const t0 = performance.now();
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const evals = messages.filter((m): m is Extract<FromWorker, { type: 'eval' }> => m.type === 'eval');
  const last = evals.at(-1);
  if (!last) throw new Error(`no evaluation: ${JSON.stringify(messages.filter((m) => m.type === 'log' || m.type === 'error'))}`);
  const done = messages.find((m) => m.type === 'done');
  if (done?.type === 'done') fs.rmSync(done.runDir, { recursive: true, force: true });
  return { accuracy: last.metrics.accuracy, macroF1: last.metrics.macroF1, seconds: (performance.now() - t0) / 1000 };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));

/** One source's labelled sentences: 300 held out (never in the MLM corpus, so the encoder has not read them), the rest the pool. */
function domainSplit(name: string): { pool: Row[]; heldOut: Row[] } {
  const file = path.join(path.dirname(require.resolve('sentiment/package.json')), 'test', 'fixtures', `${name}.json`);
  const rows = (JSON.parse(fs.readFileSync(file, 'utf8')) as { text?: string; class?: number }[])
    .filter((r): r is { text: string; class: number } => typeof r.text === 'string' && (r.class === 0 || r.class === 1))
    .map((r) => ({ text: r.text.trim(), label: r.class === 1 ? 'positive' : 'negative' }));
  const corpus = new Set(fs.readFileSync(path.join(dataDir, 'reviews.txt'), 'utf8').split('\n').map((l) => l.trim()));
  const unseen = new Rng(0).shuffle(rows.filter((r) => !corpus.has(r.text)));
  const heldOut = unseen.slice(0, 300);
  const held = new Set(heldOut.map((r) => r.text));
  return { pool: rows.filter((r) => !held.has(r.text)), heldOut };
}

async function main(): Promise<void> {
  const { pool, heldOut } = domain
    ? domainSplit(domain)
    : { pool: readCsv(path.join(dataDir, 'sentiment_train.csv')), heldOut: readCsv(path.join(dataDir, 'sentiment_test.csv')) };
  // lr 3e-3 was chosen on seeds 100–102 (of 1e-4 … 1e-2, iterations 5/20, 1–3 body epochs, normalised or not); seeds 1–5 are only reported.
  const base = { learningRate: 3e-3, batchSize: 16, maxLength: 64, setfitIterations: 20, ...setfitSettings };
  const rows: { seed: number; frozen: number; setfit: number; frozenF1: number; setfitF1: number; setfitSeconds: number }[] = [];
  for (const seed of seeds) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-setfit-${seed}-`));
    fs.writeFileSync(path.join(dir, 'train.csv'), csv(fewShot(pool, seed)));
    fs.writeFileSync(path.join(dir, 'test.csv'), csv(heldOut));
    const frozen = await accuracy(path.join(dir, 'train.csv'), seed, { ...base, setfitBodyEpochs: 0 });
    const setfit = await accuracy(path.join(dir, 'train.csv'), seed, base);
    rows.push({ seed, frozen: frozen.accuracy, setfit: setfit.accuracy, frozenF1: frozen.macroF1, setfitF1: setfit.macroF1, setfitSeconds: setfit.seconds });
    process.stderr.write(`seed ${seed}: frozen + logistic ${frozen.accuracy.toFixed(3)}, SetFit ${setfit.accuracy.toFixed(3)} (${setfit.seconds.toFixed(1)} s)\n`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const f = rows.map((r) => r.frozen);
  const s = rows.map((r) => r.setfit);
  console.log(JSON.stringify({
    model, domain: domain ?? 'fixture splits (amazon + imdb + yelp)', perClass, heldOut: heldOut.length, settings: base, seeds: rows,
    frozen: { mean: mean(f), std: std(f) }, setfit: { mean: mean(s), std: std(s) }, setfitWins: rows.filter((r) => r.setfit > r.frozen).length,
  }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
