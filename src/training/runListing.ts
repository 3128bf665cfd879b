// `finetune-studio list`: the runs of a runs folder with their true state (a run whose trainer is gone reads
// "interrupted", with the command that resumes it), as a table for people or one JSON object per run.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeRunState, resumeCommand, resumeHint } from './runStatus';
import { readRunSummaries, type RunSummary } from './runSummaries';

const COLUMNS = ['RUN', 'STATE', 'STEP', 'STRATEGY', 'MODEL', 'BEST'] as const;
/** Shown only when some run has a test split: its metric of the same name as BEST, evaluated once, never selected on. */
const TEST_COLUMN = 'TEST';

function testCell(r: RunSummary): string {
  const m = r.testMetrics;
  if (!m) return '—';
  const name = r.bestMetric && r.bestMetric.name in m ? r.bestMetric.name : 'accuracy' in m ? 'accuracy' : Object.keys(m)[0];
  return name === undefined ? '—' : `${name} ${m[name].toFixed(4)}`;
}

function cells(r: RunSummary): string[] {
  const s = r.state;
  const step = s.state === 'paused' ? s.pausedAt : s.state === 'failed' ? s.errorStep : s.step;
  return [
    r.id,
    s.state,
    s.totalSteps ? `${step}/${s.totalSteps}` : String(step),
    r.strategy,
    path.basename(r.model),
    r.bestMetric ? `${r.bestMetric.name} ${r.bestMetric.value.toFixed(4)}` : '—',
  ];
}

/** The line under a run that is not simply completed: who trains it, or how it stopped and how to go on. */
function detail(r: RunSummary): string | undefined {
  const s = r.state;
  if (s.state === 'completed') return undefined;
  const hint = resumeHint(s, r.dir);
  if (!hint) return describeRunState(s);
  if (s.state === 'interrupted') return `${hint}  (stopped at step ${s.step}: ${s.why})`;
  if (s.state === 'failed') return `${hint}  (failed at step ${s.errorStep}: ${s.error})`;
  return hint;
}

export function formatRunList(runs: readonly RunSummary[]): string {
  if (!runs.length) return '';
  const withTest = runs.some((r) => r.testMetrics);
  const columns: readonly string[] = withTest ? [...COLUMNS, TEST_COLUMN] : COLUMNS;
  const rows = runs.map((r) => (withTest ? [...cells(r), testCell(r)] : cells(r)));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const out = [line(columns)];
  runs.forEach((r, i) => {
    out.push(line(rows[i]));
    const d = detail(r);
    if (d) out.push(`  ${d}`);
  });
  return out.join('\n') + '\n';
}

export function runListJson(r: RunSummary): Record<string, unknown> {
  const { state, ...rest } = r.state;
  return { id: r.id, dir: r.dir, state, ...rest, strategy: r.strategy, model: r.model, bestMetric: r.bestMetric, ...(r.testMetrics ? { testMetrics: r.testMetrics } : {}), ...(resumeHint(r.state, r.dir) ? { resume: resumeCommand(r.dir) } : {}) };
}

export function listRunsCommand(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string' }, json: { type: 'boolean' } } });
  const root = path.resolve(values.runs ?? '.finetune/runs');
  const runs = readRunSummaries(root);
  if (values.json) {
    for (const r of runs) process.stdout.write(JSON.stringify(runListJson(r)) + '\n');
    return 0;
  }
  if (!runs.length) {
    console.error(`no runs in ${root} (train one with: finetune-studio train, or point --runs at a runs folder)`);
    return 0;
  }
  process.stdout.write(formatRunList(runs));
  return 0;
}
