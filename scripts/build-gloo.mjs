// `npm run build:gloo [-- --force]`: compiles the gloo addon (native/gloo) into dist/native/linux-x64/gloo.node with g++ against
// Node's own N-API header, and copies libgloo.so.0 beside it: the addon's RUNPATH is $ORIGIN, so a packaged extension
// finds the library without libgloo-dev installed. libgloo itself needs libhiredis0.14 and libibverbs1 (Debian's
// build links both); those are small, common system packages and are named in the loader's error message.
// No node-gyp: it is not a dependency and would fetch headers from the network; g++ and Node's bundled headers suffice.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['native/gloo/gloo_addon.cc', 'native/gloo/tcp_store.cc'];
const GLOO_HEADER = '/usr/include/gloo/allreduce.h';
const LIB_CANDIDATES = ['/usr/lib/libgloo.so.0', '/usr/lib/x86_64-linux-gnu/libgloo.so.0'];

function fail(message) {
  console.error(`build:gloo: ${message}`);
  process.exit(1);
}

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`no gloo build for ${process.platform}-${process.arch} (linux-x64 only)`);
if (!fs.existsSync(GLOO_HEADER)) fail(`${GLOO_HEADER} not found: install it with \`sudo apt-get install libgloo-dev\``);
const lib = LIB_CANDIDATES.find((p) => fs.existsSync(p));
if (!lib) fail(`libgloo.so.0 not found in ${LIB_CANDIDATES.join(' or ')}: install libgloo-dev`);

// Node's headers ship with the binary (<prefix>/include/node); node-gyp's cache is the fallback for distro builds.
const nodeInclude = [
  path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'),
  path.join(process.env.HOME ?? '', '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
].find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
if (!nodeInclude) fail(`node_api.h not found next to ${process.execPath} nor in node-gyp's cache`);

const outDir = path.join(ROOT, 'dist', 'native', 'linux-x64');
fs.mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, 'gloo.node');

// npm run build calls this on every build: skip the 5 s compile when the addon is newer than its sources, headers
// included (--force rebuilds anyway).
const inputs = [...SOURCES, ...fs.readdirSync(path.join(ROOT, 'native', 'gloo')).filter((f) => f.endsWith('.h')).map((f) => `native/gloo/${f}`), 'scripts/build-gloo.mjs'];
const newest = Math.max(...inputs.map((f) => fs.statSync(path.join(ROOT, f)).mtimeMs));
if (!process.argv.includes('--force') && fs.existsSync(out) && fs.existsSync(path.join(outDir, 'libgloo.so.0')) && fs.statSync(out).mtimeMs > newest) {
  console.log(`${path.relative(ROOT, out)} is up to date`);
  process.exit(0);
}
const tmp = `${out}.tmp-${process.pid}`;
const args = [
  '-shared', '-fPIC', '-O2', '-std=c++17', '-Wall', '-Wextra',
  `-I${nodeInclude}`, '-DNODE_GYP_MODULE_NAME=gloo',
  ...SOURCES.map((s) => path.join(ROOT, s)),
  '-o', tmp,
  '-lgloo', '-pthread', '-Wl,-rpath,$ORIGIN',
];
const started = Date.now();
const result = spawnSync('g++', args, { stdio: 'inherit' });
if (result.error) fail(`g++ could not run (${result.error.message}): install build-essential`);
if (result.status !== 0) {
  fs.rmSync(tmp, { force: true });
  fail(`g++ failed (exit ${result.status})`);
}
fs.renameSync(tmp, out);
fs.copyFileSync(fs.realpathSync(lib), path.join(outDir, 'libgloo.so.0'));
console.log(`built ${path.relative(ROOT, out)} (+ libgloo.so.0) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
