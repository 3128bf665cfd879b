// Runs the mocha suite of test/integration INSIDE the extension host of a real VS Code 1.139 (code-server),
// opened by headless Chromium with the smoke-test driver's payload. The suite's console output arrives through
// the exposed codeAutomationLog function, its exit code through codeAutomationExit.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { remoteUri, workbenchUrl } from './codeServer.mjs';
import { REPO_ROOT, RESULTS_DIR } from './paths.mjs';
import { withWorkbench } from './session.mjs';

// FTS_INTEGRATION_SUITE points at another compiled suite entry (used to check that a failing suite fails the run).
// Otherwise two suites run, each in a workbench of its own: the main one, and the window-reload one (its extension
// host is replaced mid-test by the reload, so it cannot share a window with other tests).
const SUITES = process.env.FTS_INTEGRATION_SUITE
  ? [{ name: 'integration', entry: process.env.FTS_INTEGRATION_SUITE }]
  : [
      { name: 'integration', entry: path.join(REPO_ROOT, 'out', 'test', 'integration', 'index.js') },
      { name: 'integration-reload', entry: path.join(REPO_ROOT, 'out', 'test', 'integration', 'reload', 'index.js') },
    ];
const BUNDLE = path.join(REPO_ROOT, 'dist', 'extension.js');
const SUMMARY = /integration-summary (\{[^}]*\})/;
// Workbench chatter unrelated to this extension (offline gallery, chat, accounts): kept in the log file, not echoed.
const NOISE = /^\[(AgentHost[^\]]*|ChatModelSelection|AccountPolicyGate)\]|open-vsx\.org|authentication provider 'github'/;
const TIMEOUT_MS = Number(process.env.FTS_INTEGRATION_TIMEOUT_MS) || 600_000;

/** Runs one suite entry in its own workbench; resolves with its counts and whether it passed. */
async function runSuite({ name, entry }) {
  const logFile = path.join(RESULTS_DIR, `${name}.log`);
  const lines = [];
  const log = (line) => {
    lines.push(line);
    if (!NOISE.test(line)) console.log(line);
  };

  const result = await withWorkbench(name, TIMEOUT_MS, async ({ url, workspace, page }) => {
    let exited;
    const exitCode = new Promise((resolve) => (exited = resolve));
    // Both survive a reload of the page (the reload suite relies on that).
    await page.exposeFunction('codeAutomationLog', (level, message) => log(level === 'info' ? String(message) : `[${level}] ${message}`));
    await page.exposeFunction('codeAutomationExit', (code) => exited(code));
    const payload = [
      ['extensionDevelopmentPath', remoteUri(REPO_ROOT)],
      ['extensionTestsPath', remoteUri(entry)],
    ];
    await page.goto(workbenchUrl(url, workspace, payload));
    return { exitCode: await exitCode };
  }).catch((e) => {
    log(`[error] ${e instanceof Error ? e.message : e}`);
    return { exitCode: 1 };
  });

  writeFileSync(logFile, `${lines.join('\n')}\n`);
  const summary = lines.map((l) => SUMMARY.exec(l)).find(Boolean);
  const { passed = 0, failed = 0 } = summary ? JSON.parse(summary[1]) : {};
  // A missing summary means the suite never finished (crash, timeout): a failure even if the exit code says 0.
  const ok = result.exitCode === 0 && summary && failed === 0 && passed > 0;
  if (!ok) console.error(`${name} failed: extension host exit ${result.exitCode}, ${summary ? 'suite finished' : 'suite did not finish'}; log: ${path.relative(REPO_ROOT, logFile)}`);
  return { passed, failed, ok };
}

async function main() {
  for (const [file, fix] of [[BUNDLE, 'npm run build'], ...SUITES.map((s) => [s.entry, 'npm run compile-tests'])]) {
    if (!existsSync(file)) throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`${fix}\` first.`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  let passed = 0;
  let failed = 0;
  for (const suite of SUITES) {
    const r = await runSuite(suite);
    passed += r.passed;
    failed += r.failed;
    if (!r.ok) process.exitCode = 1;
  }
  console.log(`integration: ${passed} passed, ${failed} failed`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  console.log('integration: 0 passed, 0 failed');
  process.exitCode = 1;
});
