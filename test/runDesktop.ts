// Runs the integration suite (test/integration) in DESKTOP VS Code via @vscode/test-electron, for machines that can
// download VS Code. The same mocha entry runs under code-server in CI (test/harness/run-integration.mjs).
// Usage: npm run test:desktop   (VSCODE_VERSION=1.90.0 to pin the version; default: latest stable)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

// Compiled to out/test/runDesktop.js: the repository root is two levels up.
const repoRoot = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const fixture = process.env.FTS_FIXTURE_WORKSPACE || path.join(repoRoot, 'test', 'fixtures', 'generated', 'workspace');
  if (!fs.existsSync(path.join(fixture, 'models'))) {
    throw new Error(`Fixture workspace ${fixture} is missing or has no models/ folder: run \`npm run fixtures\` first.`);
  }
  // Tests write runs into the workspace: give them a throwaway copy, never the repository's folder.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-desktop-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(fixture, workspace, { recursive: true });
  try {
    await runTests({
      version: process.env.VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--user-data-dir', path.join(tmp, 'user')],
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
