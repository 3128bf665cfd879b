// Starts code-server (VS Code 1.139 server + web workbench) for one test run and guarantees it is gone afterwards.
// It runs in its own process group because it spawns an extension host, file watchers and pty hosts: killing
// only the server process would leave those alive, holding locks on the state folder.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { URLSearchParams } from 'node:url';
import { CODE_SERVER_ENTRY, NODE24_BIN, node24Env } from './install.mjs';

const HOST = '127.0.0.1';

// User settings for a quiet, offline workbench: no chat panel or AI features covering the views in screenshots,
// no update or gallery checks that cannot succeed offline.
const USER_SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
};

/** A port the OS says is free right now (a tiny race remains; code-server then fails loudly on bind). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForHealthz(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited early (${child.exitCode ?? child.signalCode}); see its log for why.`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s.`);
}

/**
 * @param {{ logFile: string, timeoutMs?: number }} opts  logFile receives code-server's own stdout/stderr.
 * @returns {Promise<{ url: string, port: number, stateDir: string, stop: () => Promise<void> }>}
 */
export async function startCodeServer({ logFile, timeoutMs = 60_000 }) {
  const port = await freePort();
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'fts-code-server-'));
  const dirs = Object.fromEntries(['user', 'exts', 'config', 'data', 'cache'].map((d) => [d, path.join(stateDir, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(path.join(dirs.user, 'User'), { recursive: true });
  writeFileSync(path.join(dirs.user, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = openSync(logFile, 'w');

  const args = [
    CODE_SERVER_ENTRY,
    '--auth', 'none',
    '--bind-addr', `${HOST}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', dirs.user,
    '--extensions-dir', dirs.exts,
    // The default grace time (3 h) would keep a closed window's extension host alive.
    '--reconnection-grace-time', '5',
    // Without the smoke-test driver the workbench ignores the test payload in the URL.
    '--vscode-option', 'enable-smoke-test-driver',
    '--ignore-last-opened',
  ];
  const child = spawn(NODE24_BIN, args, {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: node24Env({ XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache }),
  });
  closeSync(logFd);
  const pid = child.pid;

  // Last line of defence if the runner dies without reaching stop(): 'exit' handlers must be synchronous.
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.on('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(pid, 'SIGTERM');
    for (let i = 0; i < 25 && groupAlive(pid); i++) await sleep(200);
    if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
    for (let i = 0; i < 25 && groupAlive(pid); i++) await sleep(200);
    process.off('exit', onExit);
    rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
    if (groupAlive(pid)) throw new Error(`code-server's process group ${pid} survived SIGKILL: check for stuck processes (ps -g ${pid}).`);
  };

  const url = `http://${HOST}:${port}`;
  try {
    await waitForHealthz(url, child, timeoutMs);
  } catch (e) {
    await stop();
    throw new Error(`${e instanceof Error ? e.message : e} (code-server log: ${logFile})`, { cause: e });
  }
  return { url, port, stateDir, stop };
}

/** Workbench URL that opens `folder`; `payload` entries are the smoke-test driver's [key, value] pairs. */
export function workbenchUrl(base, folder, payload) {
  const q = new URLSearchParams({ folder });
  if (payload) q.set('payload', JSON.stringify(payload));
  return `${base}/?${q.toString()}`;
}

/** The URI form the workbench needs for a path on the server machine (the authority is literally "remote"). */
export function remoteUri(absPath) {
  return `vscode-remote://remote${absPath}`;
}
