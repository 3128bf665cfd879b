// LoRA vs full fine-tuning (issue 23), through the CLI as a user runs it. Usage (after `npm run build`):
//
//   node bench/lora.mjs [--part size,accuracy] [--out DIR] [--dry-run]
//     size:     [--configs bert-base,bert-large] [--turns 2] [--steps 3] [--batch 8] [--max-length 128] [--strategies full,lora]
//     accuracy: [--seeds 1,2,3] [--epochs 5] [--acc-batch 16] [--lora-lrs 5e-4,1e-3,3e-3] [--full-lrs 1e-4,3e-4,1e-3]
//               [--lora-rank 8] [--lora-targets query,value (the family default when unset)] [--lora-save word_embeddings] [--partial-lrs 1e-3,3e-3 (embeddings frozen)]
//
// Results: DIR/lora.json and DIR/lora.md (default .bench-tmp/lora); snapshots BENCHMARKS.md quotes go to bench/results/.
// --dry-run: 1 turn of 1 step on bert-base and one seed, one learning rate per strategy: checks the wiring in minutes.
//
// size: the full-size Hub layouts of scripts/fixtures/hubZoo.ts (google-bert/bert-base-uncased, bert-large-uncased;
// generated into test/fixtures/generated/zoo-full on first use, seeded random values), a 2-label head, batches of
// review sentences joined to ≥ max-length tokens. Runs take turns — full, lora, full, lora … — one CLI run per turn,
// strictly one at a time (a bert-large full run peaks at ~14 GiB of the VM's 23), each under /usr/bin/time -v for its
// peak RSS; the run folders are deleted once read (a bert-large full run leaves 6.6 GiB). Medians over the turns.
//
// accuracy: the tiny BERT MLM-pretrained by bench/setfit.mjs (bench/lib/mlmEncoder.mjs) on the sentiment fixture,
// one fixed stratified validation slice for every run, the fixture's test file evaluated once per run; LoRA and full
// fine-tuning get the same epochs and batch, each its learning rate chosen from its own grid by mean validation
// macro-F1 over the seeds. The test column is the honest one: nothing was chosen on it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pretrainedEncoder } from './lib/mlmEncoder.mjs';
import { readRunFolder } from './lib/runFolder.mjs';
import { parseTimeV } from './lib/timeV.mjs';
import { renderLoraReport } from './lib/loraReport.mjs';
import { fullSizeRepo } from './lib/fullSizeRepo.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : fallback;
};
const list = (name, fallback) => option(name, fallback).split(',').filter(Boolean);
const dry = flag('dry-run');
const parts = new Set(list('part', 'size,accuracy'));
const outDir = path.resolve(ROOT, option('out', '.bench-tmp/lora'));
const work = path.join(outDir, 'work');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const WS = path.join(ROOT, 'test', 'fixtures', 'generated', 'workspace');
const log = (m) => process.stderr.write(`${m}\n`);

/** Full-size layouts this bench knows (scripts/fixtures/hubZoo.ts FULL_SIZE_REPOS), with what the LoRA count needs. */
const SIZE_CONFIGS = {
  'bert-base': { repo: 'google-bert/bert-base-uncased', layers: 12, hidden: 768 },
  'bert-large': { repo: 'google-bert/bert-large-uncased', layers: 24, hidden: 1024 },
};

if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
for (const p of parts) if (p !== 'size' && p !== 'accuracy') throw new Error(`--part takes size and/or accuracy, got "${p}"`);

// ---- helpers -----------------------------------------------------------------------------------------------------
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};

/** A seeded shuffle (mulberry32): the same slices on every machine and run. */
function shuffled(xs, seed) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The fixture's CSV rows (text,label; quoted fields as bench/setfit.ts writes them). */
async function readCsv(file) {
  const { parse } = await import('csv-parse/sync');
  return parse(fs.readFileSync(file, 'utf8'), { columns: true });
}
const toCsv = (rows) => ['text,label', ...rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`)].join('\n') + '\n';

/** VmRSS (resident now) and VmHWM (peak so far) of a live process, in MiB; {} once it has gone. */
function memoryMiB(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return {};
  }
}

/** The trainer's pid: the one child of the /usr/bin/time process (Linux lists it in task/<pid>/children). */
function childPid(pid) {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * One CLI training run under /usr/bin/time -v; returns the run folder's figures, the process's peak RSS (time -v),
 * the peak through the last train step (VmHWM read when each progress message arrives: what training itself holds,
 * before evaluation, checkpoint and export), wall and CPU time. `keep` false deletes the run folder once read.
 */
function cliRun({ model, data, strategy, settings, runs, keep = false }) {
  const sets = Object.entries(settings).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const args = ['-v', process.execPath, CLI, 'train', '--model', model, '--data', data, '--strategy', strategy, ...sets, '--runs', runs, '--device', 'cpu', '--json'];
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr = (stderr + d).slice(-200000)));
    const messages = [];
    const hwmAtStep = [];
    const timeline = [];
    let trainer;
    readline.createInterface({ input: p.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const m = JSON.parse(line);
      messages.push(m);
      trainer ??= childPid(p.pid);
      const mem = trainer ? memoryMiB(trainer) : {};
      if (m.type === 'progress') hwmAtStep.push(mem.hwm);
      // Where the memory goes: resident and peak as each message arrives (log lines name the phase they end).
      timeline.push({ type: m.type, what: String(m.message ?? m.step ?? '').slice(0, 100), rssMiB: mem.rss, hwmMiB: mem.hwm });
    });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      const started = messages.find((m) => m.type === 'started');
      const done = messages.find((m) => m.type === 'done');
      const errors = messages.filter((m) => m.type === 'error').map((m) => m.message);
      try {
        if (code !== 0 || done?.status !== 'completed') {
          if (started && !keep) fs.rmSync(started.runDir, { recursive: true, force: true });
          throw new Error(`${strategy} run failed (exit ${code ?? signal}): ${errors.join('; ') || stderr.trim().split('\n').slice(-4).join(' | ')}`);
        }
        const figures = { ...readRunFolder(done.runDir), ...parseTimeV(stderr), trainingPeakRssMiB: hwmAtStep.at(-1), peakRssMiBAtStep: hwmAtStep, memoryTimeline: timeline };
        if (!keep) fs.rmSync(done.runDir, { recursive: true, force: true });
        resolve(figures);
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** LoRA's trainable count for BERT with query/value adapters: per adapted Linear r·(in + out), plus the 2-label head. */
const expectedLoraParams = ({ layers, hidden }, rank) => layers * 2 * rank * (hidden + hidden) + hidden * 2 + 2;

const results = {
  date: new Date().toISOString(), dryRun: dry,
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.versions.node, loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)) },
};
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

// ---- size: LoRA vs full at real size, interleaved ---------------------------------------------------------------
/**
 * Training rows long enough to fill max-length tokens: consecutive fixture sentences of one label joined until about
 * 1.3 words per token's worth (WordPiece splits more), so every batch is batch × max-length after truncation.
 */
async function longRows(n, maxLength, seed) {
  const pool = shuffled(await readCsv(path.join(WS, 'data', 'sentiment_train.csv')), seed);
  const rows = [];
  for (const label of ['negative', 'positive']) {
    const texts = pool.filter((r) => r.label === label).map((r) => r.text);
    let buf = [];
    for (const t of texts) {
      buf.push(t);
      if (buf.join(' ').split(/\s+/).length >= maxLength * 1.3) {
        rows.push({ text: buf.join(' '), label });
        buf = [];
      }
    }
  }
  return shuffled(rows, seed + 1).slice(0, n);
}

if (parts.has('size')) {
  const configs = dry ? ['bert-base'] : list('configs', 'bert-base,bert-large');
  const turns = dry ? 1 : Number(option('turns', 2));
  const steps = dry ? 1 : Number(option('steps', 3));
  const batch = Number(option('batch', 8));
  const maxLength = Number(option('max-length', 128));
  const strategies = list('strategies', 'full,lora');
  const dataDir = path.join(work, 'long');
  fs.mkdirSync(dataDir, { recursive: true });
  // One epoch holds every step (an epoch's end would add an evaluation); the validation file is one batch.
  const rows = await longRows(batch * (steps + 1) + batch, maxLength, 7);
  if (rows.length < batch * (steps + 2)) throw new Error(`only ${rows.length} long rows from the fixture; need ${batch * (steps + 2)} (lower --steps or --batch)`);
  fs.writeFileSync(path.join(dataDir, 'long_train.csv'), toCsv(rows.slice(batch)));
  fs.writeFileSync(path.join(dataDir, 'long_validation.csv'), toCsv(rows.slice(0, batch)));
  // threads fixed at 2 for both: the timed choice runs per process and could pick differently for the two.
  const settings = (strategy) => ({ maxSteps: steps, batchSize: batch, evalBatchSize: batch, maxLength, loggingSteps: 1, threads: 2, ...(strategy === 'lora' ? { loraRank: 8 } : {}) });
  const section = { steps, batch, maxLength, turns, strategies, order: 'full, lora, full, lora … (one CLI run per turn, sequential)', configs: [] };
  const t0 = performance.now();
  for (const id of configs) {
    const c = SIZE_CONFIGS[id];
    if (!c) throw new Error(`--configs: unknown "${id}" (known: ${Object.keys(SIZE_CONFIGS).join(', ')})`);
    const model = await fullSizeRepo(ROOT, work, c.repo, log);
    const byStrategy = Object.fromEntries(strategies.map((s) => [s, []]));
    for (let turn = 0; turn < turns; turn++) {
      for (const strategy of strategies) {
        const load = os.loadavg()[0];
        const t = performance.now();
        try {
          const r = await cliRun({ model, data: path.join(dataDir, 'long_train.csv'), strategy, settings: settings(strategy), runs: path.join(work, 'runs') });
          byStrategy[strategy].push({ ...r, loadAverage: +load.toFixed(2) });
          log(`· ${id} ${strategy} turn ${turn + 1}/${turns}: ${r.samplesPerSecond.toFixed(2)} samples/s (steady ${r.steadySamplesPerSecond?.toFixed(2) ?? 'n/a'}), peak ${r.peakRssMiB.toFixed(0)} MiB, checkpoint ${(r.bytes.checkpoints / 2 ** 20).toFixed(1)} MiB, ${((performance.now() - t) / 1000).toFixed(0)} s wall, load ${load.toFixed(1)}`);
        } catch (e) {
          byStrategy[strategy].push({ error: e.message });
          log(`· ${id} ${strategy} turn ${turn + 1}: FAILED ${e.message}`);
        }
      }
    }
    const summarize = (runs) => {
      const ok = runs.filter((r) => !r.error);
      if (!ok.length) return { error: runs[0]?.error ?? 'not run', runs };
      const med = (f) => median(ok.map(f));
      return {
        runs, medianSamplesPerSecond: med((r) => r.samplesPerSecond), medianSteadySamplesPerSecond: med((r) => r.steadySamplesPerSecond ?? NaN),
        medianPeakRssMiB: med((r) => r.peakRssMiB), medianTrainingPeakRssMiB: med((r) => r.trainingPeakRssMiB ?? NaN), medianWallSeconds: med((r) => r.wallSeconds), medianCpuSeconds: med((r) => r.cpuSeconds),
        checkpointBytes: med((r) => r.bytes.checkpoints), adapterBytes: med((r) => r.bytes.adapter), modelBytes: med((r) => r.bytes.model), runFolderBytes: med((r) => r.bytes.runFolder),
        checkpointFiles: ok[0].checkpointFiles, trainableParams: ok[0].trainableParams, totalParams: ok[0].totalParams, lora: ok[0].lora, threads: ok[0].threads,
      };
    };
    const row = { id, repo: c.repo, model, ...Object.fromEntries(strategies.map((s) => [s, summarize(byStrategy[s])])) };
    // The count the adapters must have (r 8 on query and value of every layer + the head): a wrong target set shows here.
    if (row.lora && !row.lora.error) row.lora.expectedTrainableParams = expectedLoraParams(c, 8);
    section.configs.push(row);
  }
  section.wallMinutes = +((performance.now() - t0) / 60000).toFixed(1);
  results.size = section;
}

// ---- accuracy: LoRA vs full on the sentiment fixture at the same budget ----------------------------------------
if (parts.has('accuracy')) {
  const encoder = pretrainedEncoder({ log: (m) => process.stderr.write(m) });
  const seeds = (dry ? ['1'] : list('seeds', '1,2,3')).map(Number);
  const epochs = Number(option('epochs', dry ? 1 : 5));
  const batchSize = Number(option('acc-batch', 16));
  const grids = {
    full: (dry ? ['3e-4'] : list('full-lrs', '1e-4,3e-4,1e-3')).map(Number),
    lora: (dry ? ['1e-3'] : list('lora-lrs', '5e-4,1e-3,3e-3')).map(Number),
  };
  // --partial-lrs: full fine-tuning with only the embeddings frozen (strategy partial, freezeLayers 0), which asks
  // whether LoRA's gap comes from the embeddings it leaves frozen rather than from the low rank.
  if (option('partial-lrs')) grids.partial = list('partial-lrs', '').map(Number);
  // One validation slice for every run (the trainer's own slice would move with the seed): 10 % per label, seed 0.
  const dataDir = path.join(work, 'sentiment');
  fs.mkdirSync(dataDir, { recursive: true });
  const all = await readCsv(path.join(WS, 'data', 'sentiment_train.csv'));
  const validation = [...new Set(all.map((r) => r.label))].sort().flatMap((l) => {
    const rows = all.filter((r) => r.label === l);
    return shuffled(rows, 0).slice(0, Math.round(rows.length * 0.1));
  });
  const held = new Set(validation);
  fs.writeFileSync(path.join(dataDir, 'train.csv'), toCsv(all.filter((r) => !held.has(r))));
  fs.writeFileSync(path.join(dataDir, 'validation.csv'), toCsv(validation));
  fs.copyFileSync(path.join(WS, 'data', 'sentiment_test.csv'), path.join(dataDir, 'test.csv'));
  // --lora-targets (e.g. query,key,value,output.dense) and --lora-rank ask whether the adapters' reach, not the rate, limits LoRA.
  const loraTargets = option('lora-targets');
  // --lora-save word_embeddings trains that module fully beside the adapters (PEFT modules_to_save).
  const loraSave = option('lora-save');
  const loraSettings = {
    loraRank: Number(option('lora-rank', 8)), ...(loraTargets ? { loraTargetModules: JSON.stringify(loraTargets.split(',')) } : {}),
    ...(loraSave ? { loraModulesToSave: JSON.stringify(loraSave.split(',')) } : {}),
  };
  const section = { encoder: path.relative(ROOT, encoder), epochs, batchSize, maxLength: 64, seeds, grids, loraSettings, train: all.length - validation.length, validation: validation.length, runs: [], chosen: {} };
  for (const [strategy, lrs] of Object.entries(grids)) {
    for (const lr of lrs) {
      for (const seed of seeds) {
        const settings = { learningRate: lr, epochs, batchSize, evalBatchSize: 64, maxLength: 64, seed, threads: 1, ...(strategy === 'lora' ? loraSettings : {}), ...(strategy === 'partial' ? { freezeLayers: 0 } : {}) };
        try {
          const r = await cliRun({ model: encoder, data: path.join(dataDir, 'train.csv'), strategy, settings, runs: path.join(work, 'acc-runs') });
          section.runs.push({ strategy, lr, seed, validation: r.finalValidation, test: r.test, trainableParams: r.trainableParams, totalParams: r.totalParams, wallSeconds: r.wallSeconds, losses: [r.losses[0], r.losses.at(-1)] });
          log(`· ${strategy} lr ${lr} seed ${seed}: validation acc ${r.finalValidation.accuracy.toFixed(3)} macro-F1 ${r.finalValidation.macroF1.toFixed(3)}; test acc ${r.test?.accuracy.toFixed(3)} (${r.wallSeconds.toFixed(1)} s)`);
        } catch (e) {
          section.runs.push({ strategy, lr, seed, error: e.message });
          log(`· ${strategy} lr ${lr} seed ${seed}: FAILED ${e.message}`);
        }
      }
    }
    // Chosen by mean validation macro-F1 over the seeds (ties: the smaller lr); the test split plays no part.
    const stats = lrs.map((lr) => {
      const ok = section.runs.filter((r) => r.strategy === strategy && r.lr === lr && !r.error);
      const col = (f) => ({ mean: mean(ok.map(f)), sd: sd(ok.map(f)), values: ok.map(f) });
      return ok.length ? { lr, n: ok.length, valAccuracy: col((r) => r.validation.accuracy), valMacroF1: col((r) => r.validation.macroF1), testAccuracy: col((r) => r.test.accuracy), testMacroF1: col((r) => r.test.macroF1), trainableParams: ok[0].trainableParams, totalParams: ok[0].totalParams } : { lr, n: 0 };
    });
    section[`${strategy}ByLr`] = stats;
    const best = stats.filter((s) => s.n).sort((a, b) => b.valMacroF1.mean - a.valMacroF1.mean || a.lr - b.lr)[0];
    section.chosen[strategy] = best ?? { error: 'every run failed' };
  }
  results.accuracy = section;
}

results.machine.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'lora.json'), JSON.stringify(results, null, 2) + '\n');
const md = renderLoraReport(results);
fs.writeFileSync(path.join(outDir, 'lora.md'), md);
process.stdout.write(md);
