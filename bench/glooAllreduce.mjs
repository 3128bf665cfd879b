// `node bench/glooAllreduce.mjs [--params 109483778] [--runs 5] [--buckets 0,25] [--ranks 2]`: the gloo addon's
// allreduce (sum, float32) across ranks on loopback, at bert-base's gradient size (109,483,778 trainable parameters,
// 437.9 MB) by default: as one buffer (bucket 0) and in 25 MiB buckets queued without awaiting each (what a trainer
// overlapping its buckets would issue). Each rank is a child process; rank 0 prints one JSON line per bucket size:
// {"bytes", "medianMs", "bucketMB", "runsMs", "ranks", "busGBps"} — median of --runs timed runs after one warm-up;
// busGBps is the ring allreduce's bus bandwidth, bytes·2(n−1)/n per second (NCCL-tests' definition). Needs the addon
// (`npm run build:gloo`; FTS_GLOO_ADDON overrides its path).
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const params = Number(option('params', 109_483_778));
const runs = Number(option('runs', 5));
const bucketsMB = option('buckets', '0,25').split(',').map(Number);
const ranks = Number(option('ranks', 2));
const MiB = 1 << 20;

function loadAddon() {
  const file = process.env.FTS_GLOO_ADDON ?? path.join(ROOT, 'dist', 'native', 'linux-x64', 'gloo.node');
  const mod = { exports: {} };
  process.dlopen(mod, file);
  return mod.exports;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function rankMain(rank, port) {
  const group = await loadAddon().createGroup({ rank, size: ranks, masterAddr: '127.0.0.1', masterPort: port, timeoutMs: 600_000 });
  const grads = new Float32Array(params).fill(1);
  for (const bucketMB of bucketsMB) {
    const perBucket = bucketMB > 0 ? Math.floor((bucketMB * MiB) / 4) : params;
    const views = [];
    for (let at = 0; at < params; at += perBucket) views.push(grads.subarray(at, Math.min(params, at + perBucket)));
    const times = [];
    for (let run = 0; run <= runs; run++) {
      await group.barrier();
      const t0 = performance.now();
      await Promise.all(views.map((v) => group.allreduce(v)));
      if (run > 0) times.push(performance.now() - t0);
      grads.fill(1); // keep the values finite and every run's work the same
    }
    // Check one full reduction so a fast wrong answer cannot pass for a result.
    await Promise.all(views.map((v) => group.allreduce(v)));
    if (grads[0] !== ranks || grads[params - 1] !== ranks) throw new Error(`wrong sum: ${grads[0]}, ${grads[params - 1]}`);
    grads.fill(1);
    if (rank === 0) {
      const bytes = params * 4;
      const ms = median(times);
      const busGBps = (bytes * (2 * (ranks - 1)) / ranks) / (ms / 1000) / 1e9;
      console.log(JSON.stringify({ bytes, medianMs: Number(ms.toFixed(1)), bucketMB, runsMs: times.map((t) => Number(t.toFixed(1))), ranks, busGBps: Number(busGBps.toFixed(2)) }));
    }
  }
  group.close();
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

if (argv[0] === '--rank') {
  await rankMain(Number(argv[1]), Number(argv[2]));
} else {
  const port = await freePort();
  const children = Array.from({ length: ranks }, (_, rank) =>
    spawn(process.execPath, [fileURLToPath(import.meta.url), '--rank', String(rank), String(port), ...argv], { stdio: 'inherit' }));
  const codes = await Promise.all(children.map((c) => new Promise((resolve) => c.on('exit', (code) => resolve(code)))));
  if (codes.some((c) => c !== 0)) {
    console.error(`a rank failed: exit codes ${codes.join(', ')}`);
    process.exit(1);
  }
}
