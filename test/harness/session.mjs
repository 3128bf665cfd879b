// One test session: harness installed, fixture workspace copied, code-server and Chromium started — and all of it
// torn down on success, failure, timeout or Ctrl-C, so no run leaves servers or temp folders behind.
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
