// Builds platform-specific .vsix files that carry only their platform's native binaries.
//   node scripts/package.mjs                       # this machine's target (e.g. linux-x64), offline
//   node scripts/package.mjs --target darwin-arm64 # another target: fetches its packages from the npm registry
//   node scripts/package.mjs --all                 # every target onnxruntime-node ships binaries for
// The extension code is bundled by esbuild (scripts/build.mjs); only the packages it keeps external are shipped.
// Everything is assembled in a staging folder so the checkout's node_modules is never touched.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VSCE = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** VS Code target → npm os/cpu and onnxruntime-node's binary folder (bin/napi-v6/<os>/<arch>). */
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64' },
  'linux-arm64': { os: 'linux', cpu: 'arm64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'win32-x64': { os: 'win32', cpu: 'x64' },
  'win32-arm64': { os: 'win32', cpu: 'arm64' },
};

// The packages scripts/build.mjs leaves external (resolved from node_modules at run time). Everything else the
// extension imports is inside dist/ already.
const RUNTIME_PACKAGES = ['onnxruntime-node', '@huggingface/transformers', 'sharp'];

// Files inside shipped packages that Node never loads: transformers.js bundles ORT-web into its Node build, so
// onnxruntime-web's own dist (≈144 MB) and transformers' browser builds are dead weight. The package folders
// themselves stay so vsce's `npm list` sees a complete tree.
const PRUNE = [
  'node_modules/onnxruntime-web/dist',
  'node_modules/onnxruntime-web/lib',
  'node_modules/@huggingface/transformers/dist/transformers.js',
  'node_modules/@huggingface/transformers/dist/transformers.min.js',
  'node_modules/@huggingface/transformers/dist/transformers.web.js',
  'node_modules/@huggingface/transformers/dist/transformers.web.min.js',
  'node_modules/@huggingface/transformers/src',
];

const hostTarget = `${process.platform}-${process.arch}`;

function parseArgs(argv) {
  const targets = [];
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--all') targets.push(...Object.keys(TARGETS));
    else if (argv[i] === '--target') targets.push(argv[++i]);
    else if (argv[i].startsWith('--target=')) targets.push(argv[i].slice('--target='.length));
    else if (argv[i] === '--no-build') build = false;
    else throw new Error(`unknown argument ${argv[i]}; use --target <${Object.keys(TARGETS).join('|')}>, --all or --no-build`);
  }
  if (!targets.length) targets.push(hostTarget);
  for (const t of targets) {
    if (!TARGETS[t]) throw new Error(`unsupported target ${t}: onnxruntime-node ships binaries for ${Object.keys(TARGETS).join(', ')}`);
  }
  return { targets: [...new Set(targets)], build };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/**
 * Lock keys (node_modules/a/node_modules/b) of `roots` and everything they depend on, resolved like Node does,
 * from npm's record of what is installed. Optional dependencies that are not installed (other platforms') are skipped.
 */
function installedClosure(roots) {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', '.package-lock.json'), 'utf8')).packages;
  const resolve = (from, name) => {
    const parts = from ? from.split('/node_modules/') : [];
    for (let n = parts.length; n >= 0; n--) {
      const base = parts.slice(0, n).join('/node_modules/');
      const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (lock[key]) return key;
    }
    return null;
  };
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    const entry = lock[key];
    for (const [name, optional] of [...Object.keys(entry.dependencies ?? {}).map((d) => [d, false]), ...Object.keys(entry.optionalDependencies ?? {}).map((d) => [d, true])]) {
      const dep = resolve(key, name);
      if (dep) visit(dep);
      else if (!optional) throw new Error(`${key} needs ${name}, which is not installed: run \`npm ci\` first.`);
    }
  };
  for (const r of roots) {
    if (!lock[`node_modules/${r}`]) throw new Error(`${r} is not installed: run \`npm ci\` first.`);
    visit(`node_modules/${r}`);
  }
  return [...seen].sort();
}

function stageManifest(stage, pkg) {
  const manifest = { ...pkg };
  manifest.dependencies = Object.fromEntries(RUNTIME_PACKAGES.map((p) => [p, pkg.dependencies[p]]));
  delete manifest.devDependencies;
  delete manifest.scripts;
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function stageFiles(stage) {
  for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore']) {
    if (existsSync(path.join(ROOT, f))) cpSync(path.join(ROOT, f), path.join(stage, f));
  }
  for (const d of ['dist', 'media']) cpSync(path.join(ROOT, d), path.join(stage, d), { recursive: true });
  // Developer tools bundled next to the extension (fixture generator, benchmarks) are not part of the product.
  for (const d of ['tools', 'bench']) rmSync(path.join(stage, 'dist', d), { recursive: true, force: true });
  // The walkthrough's sample (src/models/bundledSample.ts reads sample/): generated fresh (seeded, so the same files
  // every time) rather than taken from test/fixtures, which may be stale or edited.
  const fixtures = mkdtempSync(path.join(os.tmpdir(), 'fts-sample-'));
  try {
    run(process.execPath, [path.join(ROOT, 'dist', 'tools', 'fixtures.js'), '--no-zoo', '--out', fixtures, '--sample-out', path.join(stage, 'sample')], { cwd: ROOT });
  } finally {
    rmSync(fixtures, { recursive: true, force: true });
  }
}

// Our own addons (dist/native/<target>/, e.g. the gloo addon from npm run build:gloo) ship only in their target's
// .vsix: a linux-x64 gloo.node and libgloo.so.0 are dead weight in any other.
function stageNativeAddons(stage, target) {
  const native = path.join(stage, 'dist', 'native');
  if (!existsSync(native)) return;
  for (const folder of readdirSync(native)) {
    if (folder !== target) rmSync(path.join(native, folder), { recursive: true, force: true });
  }
}

function stageModules(stage, target) {
  if (target === hostTarget) {
    // Offline: the checkout already holds this platform's binaries.
    for (const key of installedClosure(RUNTIME_PACKAGES)) {
      const from = path.join(ROOT, key);
      // Nested node_modules are separate closure entries: copy only the ones needed, each on its own.
      cpSync(from, path.join(stage, key), { recursive: true, dereference: true, filter: (src) => !path.relative(from, src).split(path.sep).includes('node_modules') });
    }
    return;
  }
  const { os: npmOs, cpu } = TARGETS[target];
  console.log(`package: fetching ${target} packages from the npm registry`);
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', `--os=${npmOs}`, `--cpu=${cpu}`], {
    cwd: stage,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
}

function pruneForTarget(stage, target) {
  const { os: npmOs, cpu } = TARGETS[target];
  const bin = path.join(stage, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
  for (const o of readdirSync(bin)) {
    for (const a of readdirSync(path.join(bin, o))) {
      if (o !== npmOs || a !== cpu) rmSync(path.join(bin, o, a), { recursive: true, force: true });
    }
    if (!readdirSync(path.join(bin, o)).length) rmSync(path.join(bin, o), { recursive: true, force: true });
  }
  const kept = path.join(bin, npmOs, cpu);
  if (!existsSync(kept)) throw new Error(`onnxruntime-node has no binaries for ${target} (${kept})`);
  // CUDA/TensorRT providers (≈400 MB, fetched by ORT's installer on a developer machine) are far beyond what a
  // .vsix may carry; the extension reports CUDA as unavailable and says how to get it.
  for (const f of readdirSync(kept)) if (/^libonnxruntime_providers_/.test(f)) rmSync(path.join(kept, f));
  for (const p of PRUNE) rmSync(path.join(stage, p), { recursive: true, force: true });
}

function packageTarget(target, pkg) {
  const stage = mkdtempSync(path.join(os.tmpdir(), `fts-vsix-${target}-`));
  try {
    stageManifest(stage, pkg);
    stageFiles(stage);
    stageNativeAddons(stage, target);
    stageModules(stage, target);
    pruneForTarget(stage, target);
    const out = path.join(ROOT, `${pkg.name}-${pkg.version}-${target}.vsix`);
    run(process.execPath, [VSCE, 'package', '--target', target, '--out', out, '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links'], { cwd: stage });
    return out;
  } finally {
    rmSync(stage, { recursive: true, force: true, maxRetries: 3 });
  }
}

function main() {
  const { targets, build } = parseArgs(process.argv.slice(2));
  if (build) run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
  if (!existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build`.');
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const target of targets) {
    const out = packageTarget(target, pkg);
    console.log(`package: ${path.basename(out)} ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB`);
  }
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
