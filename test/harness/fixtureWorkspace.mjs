// The fixture workspace (tiny generated models + datasets) copied to a temp folder, so tests may write into it
// (runs, settings) without dirtying the repository.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths.mjs';

export const GENERATED_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'generated', 'workspace');

/** @returns {{ dir: string, dispose: () => void }} */
export function copyFixtureWorkspace() {
  const source = process.env.FTS_FIXTURE_WORKSPACE || GENERATED_WORKSPACE;
  if (!existsSync(path.join(source, 'models'))) {
    throw new Error(`Fixture workspace ${source} is missing or has no models/ folder: run \`npm run fixtures\` first.`);
  }
  const parent = mkdtempSync(path.join(os.tmpdir(), 'fts-workspace-'));
  const dir = path.join(parent, 'workspace');
  cpSync(source, dir, { recursive: true });
  return { dir, dispose: () => rmSync(parent, { recursive: true, force: true, maxRetries: 3 }) };
}
