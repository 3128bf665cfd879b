// `node bench/dataParallel.mjs [--model DIR] [--steps N] [--batch B] [--length L]` (after `npm run build`, with the
// gloo addon built): the 2-rank vs 1-rank training step on this machine, through the real CLI. One rank trains global
// batches of B on all cores; two ranks on loopback train B/2 each with half the cores each, their gradients averaged
// by gloo every step. Reported: samples/s of each (median over the steps after the first), and the 2-rank run's
// all-reduce time per step (run.json's distributed.allReduce). Default model: the full-size bert-base-uncased layout
// of the generated Hub zoo (random values, 109.5 M parameters: 437.9 MB of float32 gradients per step).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fullSizeRepo } from './lib/fullSizeRepo.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
// Inside the checkout: the generator's bundle resolves packages (the real vocabularies) from node_modules.
const work = path.join(ROOT, '.bench-tmp', 'data-parallel');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
const model = option('model') ? path.resolve(option('model')) : await fullSizeRepo(ROOT, work, 'google-bert/bert-base-uncased', (m) => process.stderr.write(`${m}\n`));
const steps = Number(option('steps', 6));
const batch = Number(option('batch', 8));
const length = Number(option('length', 64));
const cores = os.availableParallelism();
const data = path.join(work, 'train.csv');
fs.writeFileSync(data, fs.readFileSync(path.join(ROOT, 'test/fixtures/generated/workspace/data/sentiment_train.csv'), 'utf8'));

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

function train(runs, perRank, threads, env) {
  const args = [path.join(ROOT, 'dist/cli.js'), 'train', '--model', model, '--data', data, '--runs', runs, '--device', 'cpu', '--json',
    '--set', `maxSteps=${steps}`, '--set', `batchSize=${perRank}`, '--set', `maxLength=${length}`, '--set', 'loggingSteps=1', '--set', 'evalEvery=100000',
    '--set', `threads=${threads}`, '--set', 'dropout=false', '--set', 'learningRate=1e-4'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rank ${env.RANK ?? 'alone'} exited ${code}: ${err.slice(-2000)}`))));
  });
}

function readRunFolder(runs) {
  const dir = path.join(runs, fs.readdirSync(runs).find((d) => fs.existsSync(path.join(runs, d, 'run.json'))));
  const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const sps = metrics.filter((m) => m.type === 'train' && m.step > 1).map((m) => m.samplesPerSecond).sort((a, b) => a - b);
  return { record: JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')), samplesPerSecond: sps[Math.floor(sps.length / 2)] };
}

try {
  await train(path.join(work, 'lone'), batch, cores, {});
  const lone = readRunFolder(path.join(work, 'lone'));
  const port = String(await freePort());
  const env = (rank) => ({ WORLD_SIZE: '2', RANK: String(rank), LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port });
  await Promise.all([0, 1].map((r) => train(path.join(work, 'ddp'), batch / 2, Math.max(1, Math.floor(cores / 2)), env(r))));
  const ddp = readRunFolder(path.join(work, 'ddp'));
  const ar = ddp.record.distributed.allReduce;
  const result = {
    model: path.basename(model), cores, globalBatch: batch, maxLength: length, steps,
    oneRankSamplesPerSecond: lone.samplesPerSecond, twoRankSamplesPerSecond: ddp.samplesPerSecond, ratio: ddp.samplesPerSecond / lone.samplesPerSecond,
    allReduceMsPerStep: ar.msPerStep, waitMsPerStep: ar.waitMsPerStep, gradientMB: ar.bytesPerStep / 1e6, buckets: ar.buckets, weightsIdentical: ddp.record.distributed.finalWeights.differing === 0,
    loadAverage: os.loadavg()[0],
  };
  console.log(JSON.stringify(result));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
