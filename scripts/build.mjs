// Bundles every entry point with esbuild. Native / heavy packages stay external: onnxruntime-node ships .node
// binaries and transformers.js loads them, so both are resolved from node_modules at run time (and packaged by vsce).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const external = ['vscode', 'onnxruntime-node', '@huggingface/transformers', 'sharp', 'onnxruntime-web'];
const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, external, logLevel: 'warning' };

const entries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/training/worker/main.ts'], outfile: 'dist/worker.js' },
  { entryPoints: ['src/inference/worker.ts'], outfile: 'dist/inferenceWorker.js' },
  { entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['scripts/fixtures/generate.ts'], outfile: 'dist/tools/fixtures.js' },
].filter((e) => existsSync(e.entryPoints[0]));

await Promise.all(entries.map((e) => build({ ...node, ...e })));

// Webview client code runs in the browser sandbox of the webview: no Node, no externals.
const clients = ['src/webview/client/dashboard.ts', 'src/webview/client/comparison.ts', 'src/webview/client/fineTuneForm.ts'].filter((f) => existsSync(f));
if (clients.length) {
  await build({ entryPoints: clients, outdir: 'media/dist', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: true, logLevel: 'warning' });
}
console.log(`built ${entries.length + clients.length} bundles`);

// The gloo addon (data-parallel training) needs libgloo-dev, which not every machine has: build it where the headers
// are, and otherwise say in one line why it is missing. Never fail the bundle build for it: single-process training,
// the extension and the CLI work without it, and the trainer names what is missing when data-parallel is asked for.
if (!existsSync('/usr/include/gloo/allreduce.h')) {
  console.log('gloo addon: skipped (/usr/include/gloo/allreduce.h not found; `sudo apt-get install libgloo-dev && npm run build:gloo` for data-parallel training)');
} else if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`gloo addon: skipped (no gloo build for ${process.platform}-${process.arch})`);
} else {
  const gloo = spawnSync(process.execPath, ['scripts/build-gloo.mjs'], { stdio: 'inherit' });
  if (gloo.status !== 0) console.log('gloo addon: build failed (see above); the bundles are fine, data-parallel training is unavailable');
}
