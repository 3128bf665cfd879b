// One test session: harness installed, fixture workspace copied, code-server and Chromium started — and all of it
// torn down on success, failure, timeout or Ctrl-C, so no run leaves servers or temp folders behind.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser } from './browser.mjs';
import { startCodeServer } from './codeServer.mjs';
import { copyFixtureWorkspace } from './fixtureWorkspace.mjs';
import { ensureHarness } from './install.mjs';
import { RESULTS_DIR } from './paths.mjs';

/**
 * @template T
 * @param {string} name  names the code-server log in test-results/
 * @param {number} timeoutMs  hard limit for the whole session
 * @param {(s: { url: string, workspace: string, page: import('playwright-core').Page }) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withWorkbench(name, timeoutMs, fn) {
  ensureHarness();
  const workspace = copyFixtureWorkspace();
  let server;
  let browser;
  const cleanup = async () => {
    await browser?.close();
    await server?.stop();
    killDetachedWorkers(workspace.dir);
    workspace.dispose();
  };
  const onSignal = (signal) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const work = (async () => {
      server = await startCodeServer({ logFile: path.join(RESULTS_DIR, `${name}-code-server.log`) });
      browser = await launchBrowser();
      return fn({ url: server.url, workspace: workspace.dir, page: browser.page });
    })();
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/**
 * Training workers are detached (they outlive the window on purpose), so killing code-server's process group does
 * not reach them: a test that failed mid-run would leave one training. Those of this workspace are killed here.
 */
function killDetachedWorkers(workspaceDir) {
  if (process.platform !== 'linux') return;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (/worker\.js\0--control\0/.test(cmd) && cmd.includes(workspaceDir)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone while being read, or not ours to kill.
    }
  }
}
