// Makes a checkout ready to build, test and train, offline-safe. Runs before `npm test` and `npm run train`.
//  1. node_modules missing or out of date with package-lock.json → `npm ci` with ONNXRUNTIME_NODE_INSTALL=skip
//     (onnxruntime-node's own install step downloads CUDA libraries from NuGet and fails offline).
//  2. Linux x64 outside CI without ORT's CUDA provider: try onnxruntime-node's installer once, best effort, with a
//     timeout — users online get CUDA, offline installs still succeed. One line is printed either way.
//  3. With --harness: install the browser test harness (test/harness) if missing.
// --check only reports what it would do.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOCK = path.join(ROOT, 'package-lock.json');
const MODULES = path.join(ROOT, 'node_modules');
// npm writes this "hidden lockfile" after every install: what node_modules actually holds.
const HIDDEN_LOCK = path.join(MODULES, '.package-lock.json');
const ORT_DIR = path.join(MODULES, 'onnxruntime-node');
const CUDA_PROVIDER = path.join(ORT_DIR, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so');
const CUDA_ATTEMPT_STAMP = path.join(MODULES, '.finetune-studio-cuda-attempt');
const CUDA_TIMEOUT_S = Number(process.env.FTS_CUDA_INSTALL_TIMEOUT_S) || 120;

const isCI = Boolean(process.env.CI) && process.env.CI !== 'false';

/** Why node_modules must be (re)installed, or null when it matches package-lock.json. */
function staleReason() {
  if (!existsSync(MODULES)) return 'node_modules is missing';
  if (!existsSync(HIDDEN_LOCK)) return 'node_modules was not installed by npm 7+';
  // A newer lockfile alone is not enough (git checkouts touch mtimes): also compare the versions it pins.
  if (statSync(HIDDEN_LOCK).mtimeMs >= statSync(LOCK).mtimeMs) return null;
  const wanted = JSON.parse(readFileSync(LOCK, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(HIDDEN_LOCK, 'utf8')).packages ?? {};
  for (const [key, entry] of Object.entries(wanted)) {
    // Optional packages for other platforms (esbuild's, sharp's) are legitimately absent.
    if (!key.startsWith('node_modules/') || entry.optional || entry.link) continue;
    if (have[key]?.version !== entry.version) return `${key} ${have[key]?.version ?? 'missing'} ≠ ${entry.version} in package-lock.json`;
  }
  return null;
}

function ensureDependencies() {
  const reason = staleReason();
  if (!reason) return;
  console.log(`bootstrap: ${reason}; running npm ci (ONNXRUNTIME_NODE_INSTALL=skip)`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  if (r.status !== 0) throw new Error(`bootstrap: npm ci failed (exit ${r.status ?? r.signal}); see the npm output above.`);
}

function lockHash() {
  return createHash('sha256').update(readFileSync(LOCK)).digest('hex');
}

function tryCudaProvider() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return; // ORT ships CUDA providers for linux-x64 only.
  if (isCI) return console.log('bootstrap: CUDA provider: not fetched in CI (CPU is what CI tests)');
  if (existsSync(CUDA_PROVIDER)) return console.log('bootstrap: CUDA provider: present');
  if (process.env.ONNXRUNTIME_NODE_INSTALL === 'skip' || process.env.FTS_SKIP_CUDA) {
    return console.log('bootstrap: CUDA provider: skipped (ONNXRUNTIME_NODE_INSTALL=skip or FTS_SKIP_CUDA set); CPU only');
  }
  // Once per installed lockfile: an offline machine should not pay the timeout on every test run.
  if (existsSync(CUDA_ATTEMPT_STAMP) && readFileSync(CUDA_ATTEMPT_STAMP, 'utf8').trim() === lockHash()) {
    return console.log('bootstrap: CUDA provider: absent (an earlier download attempt failed; delete node_modules/.finetune-studio-cuda-attempt to retry); CPU only');
  }
  const env = { ...process.env };
  // Under `npm run`, these make ORT's installer believe it is installing itself and exit without doing anything.
  for (const k of ['npm_config_local_prefix', 'npm_package_json', 'ONNXRUNTIME_NODE_INSTALL', 'npm_config_onnxruntime_node_install', 'ONNXRUNTIME_NODE_INSTALL_CUDA']) delete env[k];
  const r = spawnSync(process.execPath, [path.join(ORT_DIR, 'script', 'install.js'), '--onnxruntime-node-install=cuda12'], {
    cwd: ORT_DIR,
    env,
    encoding: 'utf8',
    timeout: CUDA_TIMEOUT_S * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.status === 0 && existsSync(CUDA_PROVIDER)) return console.log('bootstrap: CUDA provider: installed by onnxruntime-node (CUDA 12)');
  writeFileSync(CUDA_ATTEMPT_STAMP, `${lockHash()}\n`);
  const errorLine = `${r.stderr ?? ''}`.split('\n').find((l) => /^\w*Error\b/.test(l.trim()));
  const why = r.error?.code === 'ETIMEDOUT' ? `timed out after ${CUDA_TIMEOUT_S} s` : (errorLine?.trim() ?? `exit ${r.status ?? r.signal}`);
  console.log(`bootstrap: CUDA provider: not installed (${why.slice(0, 160)}); CPU only — training still works`);
}

async function main() {
  if (process.argv.includes('--check')) {
    // Reports without changing anything (for humans and CI logs).
    console.log(`bootstrap: dependencies ${staleReason() ?? 'up to date'}; CUDA provider ${existsSync(CUDA_PROVIDER) ? 'present' : 'absent'}`);
    return;
  }
  ensureDependencies();
  tryCudaProvider();
  if (process.argv.includes('--harness')) {
    const { ensureHarness } = await import('../test/harness/install.mjs');
    ensureHarness();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
