// The full-size Hub layout of a zoo repo (real vocabulary and depth, seeded random values), generated once under
// test/fixtures/generated/zoo-full (the .complete marker of generateFullSizeRepo) through a one-line bundle, since
// the generator is TypeScript and the benchmarks are plain scripts.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The repo's folder; `work` (inside the checkout, so that node_modules resolves) holds the bundle; `log` hears how long it took. */
export async function fullSizeRepo(root, work, repo, log = () => {}) {
  const entry = path.join(work, 'zoo-full.js');
  await build({
    stdin: { contents: `const { generateFullSizeRepo } = require('./scripts/fixtures/hubZoo'); console.log(generateFullSizeRepo(process.argv[2]));`, resolveDir: root, loader: 'ts' },
    outfile: entry, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning',
    external: ['vscode', 'onnxruntime-node', '@huggingface/transformers', 'sharp', 'onnxruntime-web'],
  });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [entry, repo], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`generating the full-size ${repo} layout failed (exit ${r.status})`);
  const dir = path.resolve(root, r.stdout.trim().split('\n').pop());
  log(`· ${repo}: ${dir} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return dir;
}
