// Drives the real VS Code workbench (code-server) in headless Chromium the way a user would, with the extension
// loaded from this repository, and runs the ordered steps of every test/e2e/*.e2e.mjs. Screenshots of what the
// user sees go to test-results/ (always on success, as <file>-failure.png on a failed step). Each step gets
// { page, screenshot(name), workspace (the temp copy of the fixture workspace it may write into), url }.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { remoteUri, workbenchUrl } from './codeServer.mjs';
import { REPO_ROOT, RESULTS_DIR } from './paths.mjs';
import { withWorkbench } from './session.mjs';

const E2E_DIR = path.join(REPO_ROOT, 'test', 'e2e');
const TIMEOUT_MS = Number(process.env.FTS_E2E_TIMEOUT_MS) || 240_000;

async function runFile(file) {
  const { steps } = await import(pathToFileURL(path.join(E2E_DIR, file)).href);
  const base = path.basename(file, '.e2e.mjs');
  const results = [];
  await withWorkbench(`e2e-${base}`, TIMEOUT_MS, async ({ url, workspace, page }) => {
    const screenshot = async (name) => {
      const out = path.join(RESULTS_DIR, `${base}-${name}.png`);
      await page.screenshot({ path: out });
      return out;
    };
    await page.goto(workbenchUrl(url, workspace, [['extensionDevelopmentPath', remoteUri(REPO_ROOT)]]));
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    let broken = false;
    for (const step of steps) {
      if (broken) {
        // Later steps build on earlier ones: after a failure they cannot say anything, so they count as failed.
        results.push({ name: step.name, ok: false, error: 'not run: an earlier step failed' });
        continue;
      }
      const started = Date.now();
      try {
        await step.run({ page, screenshot, workspace, url });
        results.push({ name: step.name, ok: true, ms: Date.now() - started });
      } catch (e) {
        broken = true;
        results.push({ name: step.name, ok: false, error: e instanceof Error ? e.message : String(e) });
        await screenshot('failure').catch(() => undefined);
      }
    }
  }).catch((e) => results.push({ name: `${file}: session`, ok: false, error: e instanceof Error ? e.message : String(e) }));
  return results;
}

async function main() {
  mkdirSync(RESULTS_DIR, { recursive: true });
  // FTS_E2E_ONLY=workbench runs only the files whose name contains that text (while working on one).
  const only = process.env.FTS_E2E_ONLY;
  const files = readdirSync(E2E_DIR).filter((f) => f.endsWith('.e2e.mjs') && (!only || f.includes(only))).sort();
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    console.log(file);
    for (const r of await runFile(file)) {
      if (r.ok) passed++;
      else failed++;
      console.log(r.ok ? `  ✔ ${r.name} (${r.ms} ms)` : `  ✖ ${r.name}\n      ${r.error}`);
    }
  }
  const shots = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.png'));
  console.log(`screenshots: ${shots.map((f) => path.join('test-results', f)).join(', ')}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  if (failed > 0 || passed === 0) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  console.log('e2e: 0 passed, 0 failed');
  process.exitCode = 1;
});
