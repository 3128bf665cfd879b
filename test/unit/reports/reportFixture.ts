// Shared by the report tests: real runs trained by the CLI on the tiny fixture model, and a reader for the Markdown
// tables the report writes (so the tests check the numbers a reader sees, not the blocks that made them).
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../../..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');

/** Every temporary folder the report tests made, removed by removeTemporaries() when a file's tests end. */
const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTemporaries(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = child_process.spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Trains one short run (logging every step, evaluating every 10) on `data` (under the fixture workspace) and returns its folder. */
export function trainRun(strategy: string, extra: string[] = [], data = 'data/sentiment_train.csv'): string {
  const runs = tempDir(`fts-report-${strategy}-`);
  const settings = ['maxSteps=30', 'batchSize=8', 'maxLength=32', 'threads=1', 'loggingSteps=1', 'evalEvery=10', 'seed=3', ...extra];
  const r = cli(['train', '--model', path.join(WS, 'models/tiny-bert'), '--data', path.join(WS, data), '--runs', runs, '--device', 'cpu', '--strategy', strategy, ...settings.flatMap((s) => ['--set', s])]);
  if (r.code !== 0) throw new Error(`training failed (${r.code}): ${r.stderr}`);
  const [id] = fs.readdirSync(runs);
  return path.join(runs, id);
}

export const metricsLines = (dir: string): Record<string, unknown>[] =>
  fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

export interface MdTable {
  header: string[];
  rows: string[][];
}

const cellsOf = (line: string): string[] =>
  line
    .trim()
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\([\\|<>])/g, '$1'));

/** The first table after the heading whose text starts with `heading` (any level). */
export function tableAfter(md: string, heading: string): MdTable {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').startsWith(heading));
  if (at < 0) throw new Error(`no heading "${heading}" in the report`);
  let i = at + 1;
  while (i < lines.length && !lines[i].startsWith('|')) {
    if (/^#+ /.test(lines[i])) throw new Error(`no table under "${heading}" before the next heading`);
    i++;
  }
  const header = cellsOf(lines[i]);
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(cellsOf(lines[i]));
  return { header, rows };
}

/** Rows of a table as objects keyed by its header. */
export const records = (t: MdTable): Record<string, string>[] => t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i]])));

/** A number the report printed with four decimals equals the recorded value to that precision. */
export function near(printed: string, value: number, what: string): void {
  const v = Number(printed.split(' ')[0]);
  if (!(Math.abs(v - value) <= 5e-5 + 1e-12)) throw new Error(`${what}: report says ${printed}, the run recorded ${value}`);
}
