// `npm run bench [-- --quick] [-- --only train,bucketing,...] [-- --steps N --warmup N --examples N --configs a,b]`: every benchmark in one run, each against its reference
// (--configs: bert-4L-256H and bert-6L-384H by default; bert-base and distilbert-base — real size, from their Hub
// layouts in scripts/fixtures/hubZoo.ts — on request, e.g. --only train --configs bert-base,distilbert-base)
// measured in the same run (train-step rows in interleaved turns, bench/interleave.mjs). Each bench is its own child process (its peak RSS is its own, and a
// crash names the bench). Results: .bench-tmp/results/latest.json and a markdown table in latest.md beside it (--out DIR);
// snapshots quoted by BENCHMARKS.md are copied to bench/results/.
//
// Sections: train (engine vs PyTorch train step, MatMul limit, forward-only rate, MFU), cache (feature-extraction
// cache), bucketing (length bucketing vs pad-to-max), zeroshot (bench/zeroShotLatency, when present), activation.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaved } from './interleave.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : fallback;
};
const quick = flag('quick');
const ep = option('ep', 'cpu');
const sections = new Set(option('only', 'train,cache,bucketing,zeroshot,activation').split(','));
const configs = option('configs', quick ? 'bert-4L-256H' : 'bert-4L-256H,bert-6L-384H').split(',');
const steps = Number(option('steps', quick ? 3 : 5));
const warmup = Number(option('warmup', quick ? 1 : 2));
const threads = Number(option('threads', 2));
const python = option('python', '/usr/bin/python3');
const examples = option('examples', quick ? '128' : '256');
const work = path.resolve(ROOT, option('work', '.bench-tmp/run'));
const outDir = path.resolve(ROOT, option('out', '.bench-tmp/results'));

// ---- build: bench/*.ts → dist/bench/*.js (same externals as scripts/build.mjs) ----------------------------------
const ENTRIES = ['prepare', 'trainStep', 'forward', 'matmul', 'featureCache', 'bucketing', 'activation', 'zeroShotLatency', 'profile']
  .map((n) => path.join(ROOT, 'bench', `${n}.ts`))
  .filter((f) => fs.existsSync(f));
await build({
  entryPoints: ENTRIES, outdir: path.join(ROOT, 'dist', 'bench'), bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true,
  external: ['vscode', 'onnxruntime-node', '@huggingface/transformers', 'sharp', 'onnxruntime-web'], logLevel: 'warning',
});

// ---- child processes ---------------------------------------------------------------------------------------------
function lastJson(stdout) {
  const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  return lines.length ? JSON.parse(lines[lines.length - 1]) : undefined;
}

function runChild(label, cmd, args, env = {}) {
  process.stderr.write(`· ${label} … `);
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const result = r.status === 0 ? lastJson(r.stdout) : undefined;
  if (!result) {
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    process.stderr.write(`FAILED (${secs} s): ${why}\n`);
    return { error: why || `exit ${r.status}` };
  }
  process.stderr.write(`${secs} s\n`);
  return result;
}

const node = (label, script, args, env) => runChild(label, process.execPath, [path.join(ROOT, 'dist', 'bench', `${script}.js`), ...args], env);

function torchAvailable() {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? { ok: true, version: r.stdout.trim() } : { ok: false, why: `${python} cannot import torch (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})` };
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  node: process.versions.node, platform: `${os.platform()} ${os.release()}`, loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
};
const results = { date: new Date().toISOString(), quick, ep, threads, machine, sections: {} };
const torch = torchAvailable();
results.torch = torch.ok ? torch.version : torch.why;
const pyEnv = { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };

// ---- train: engine vs PyTorch, MatMul limit, forward-only rate ----------------------------------------------------
if (sections.has('train')) {
  fs.rmSync(work, { recursive: true, force: true });
  const prep = node('prepare models, data and artifacts', 'prepare', ['--work', work, '--configs', configs.join(',')]);
  const mm = node('ORT MatMul limit', 'matmul', ['--n', quick ? '1024' : '2048', '--threads', quick ? String(threads) : `1,${threads}`, '--ep', ep]);
  const train = [];
  const dist = (script) => path.join(ROOT, 'dist', 'bench', `${script}.js`);
  for (const c of prep.configs ?? []) {
    // The engine runs with the trainer's own settings (threads timed at start, no spinning, no memory pattern); the
    // variants below flip one setting each.
    const ours = (label, extra) => ({ label, cmd: process.execPath, args: [dist('trainStep'), '--serve', '--artifacts', c.artifacts, '--batch', c.batchFile, '--ep', ep, ...extra] });
    const forward = (label, t) => ({ label, cmd: process.execPath, args: [dist('forward'), '--serve', '--model', c.forward, '--batch', c.batchFile, '--ep', ep, '--threads', String(t)] });
    const matmul = { label: 'ORT MatMul', cmd: process.execPath, args: [dist('matmul'), '--serve', '--n', '1024', '--threads', String(threads), '--ep', ep] };
    const specs = [ours('engine', []), forward(`ORT forward (${threads} threads)`, threads), matmul];
    if (torch.ok) specs.push({ label: 'PyTorch', cmd: python, args: [path.join(ROOT, 'test/reference/bench_train_step.py'), c.modelDir, c.batchFile, '--serve'], env: pyEnv });
    process.stderr.write(`· ${c.id}: engine, ORT forward, ORT MatMul and PyTorch, ${warmup}+${steps} interleaved turns\n`);
    const got = await interleaved(specs, { warmup, steps, cwd: ROOT, log: (m) => process.stderr.write(`    ${m}\n`) });
    const row = { config: c, ours: got[0], forward: got[1], matmul: got[2], torch: torch.ok ? got[3] : { error: torch.why }, variants: {} };
    // Not for the real-size rows (bert-base, distilbert-base): nine more processes × several 10 s steps each.
    if (!quick && c.id === configs[0] && !c.big) {
      // Settings the engine could choose differently, measured against the default in turns, not assumed.
      const variants = [
        ['1 thread', ['--threads', '1']], [`${threads} threads`, ['--threads', String(threads)]], ['spinning on', ['--spin', 'true']], ['memory pattern on', ['--mempattern', 'true']],
        ['no CPU arena', ['--arena', 'false']], ['separate graphs', ['--mode', 'separate']],
      ];
      process.stderr.write(`· ${c.id}: engine settings (${variants.map((v) => v[0]).join(', ')}, ORT forward 1 thread) vs default, interleaved\n`);
      // PyTorch at 1 and 2 threads take the same turns, so the best setting of each side can be compared.
      const torchSpecs = torch.ok ? [1, threads].map((t) => ({ label: `PyTorch ${t} thread(s)`, cmd: python, args: [path.join(ROOT, 'test/reference/bench_train_step.py'), c.modelDir, c.batchFile, '--serve'], env: { OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t) } })) : [];
      const vs = await interleaved([ours('default', []), ...variants.map(([label, extra]) => ours(label, extra)), forward('ORT forward (1 thread)', 1), ...torchSpecs], { warmup, steps, cwd: ROOT, log: (m) => process.stderr.write(`    ${m}\n`) });
      row.variantBaseline = vs[0];
      variants.forEach(([label], k) => (row.variants[label] = vs[k + 1]));
      row.forward1 = vs[variants.length + 1];
      if (torch.ok) row.torchByThreads = { 1: vs[variants.length + 2], [threads]: vs[variants.length + 3] };
    }
    train.push(row);
  }
  results.sections.train = { prepare: prep, matmul: mm, rows: train };
}

// ---- feature-extraction cache, length bucketing, zero-shot, activation ------------------------------------------
if (sections.has('cache')) {
  results.sections.cache = node('feature-extraction cache vs recomputing the encoder', 'featureCache', ['--work', path.join(work, 'cache'), '--examples', examples, '--epochs', '3', '--threads', String(threads)]);
}
if (sections.has('bucketing')) {
  results.sections.bucketing = node('length bucketing vs pad-to-max (real reviews)', 'bucketing', ['--work', path.join(work, 'bucketing'), '--examples', examples, '--threads', String(threads)]);
}
if (sections.has('zeroshot') && fs.existsSync(path.join(ROOT, 'dist', 'bench', 'zeroShotLatency.js'))) {
  results.sections.zeroshot = node('zero-shot latency (bench/zeroShotLatency)', 'zeroShotLatency', quick ? ['--quick'] : []);
}
if (sections.has('activation')) {
  results.sections.activation = node('extension activation (stub vscode)', 'activation', ['--reps', quick ? '3' : '5']);
}

machine.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
const { renderTable } = await import('./report.mjs');
const md = renderTable(results);
fs.writeFileSync(path.join(outDir, 'latest.md'), md);
process.stdout.write(md);
