// Headless Debian Chromium driven by playwright-core (no browser download: playwright's bundled browsers would
// need the internet). The flags keep Chromium from phoning home and from needing a GPU or a sandbox.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { HARNESS_DIR } from './install.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, close: () => Promise<void> }>} */
export async function launchBrowser({ width = 1400, height = 900 } = {}) {
  // playwright-core lives in the harness's own node_modules, not the extension's.
  const { chromium } = createRequire(path.join(HARNESS_DIR, 'package.json'))('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'fts-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width, height },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  };
  return { context, page, close };
}
