// How a run looks in the Runs view, per true state: the icon, the description, the tooltip and the context value the
// item menus key on (package.json `view/item/context` when clauses). Pure, so the mapping is tested without VS Code.
import * as path from 'node:path';
import { describeRunState, resumeCommand, type RunState } from '../training/runStatus';
import type { RunSummary } from '../training/runSummaries';
import { runStrategyLabel } from './runStrategyLabel';

export interface RunItemLook {
  label: string;
  description: string;
  tooltip: string;
  /** `finetuneStudio.run.<state>`: running → Pause / Cancel, paused → Continue / Cancel, interrupted / cancelled /
   * failed → Resume, completed → Export. */
  contextValue: string;
  /** A codicon id, with its theme colour when the state needs attention. */
  icon: { id: string; color?: string };
}

const ICONS: Record<RunState, RunItemLook['icon']> = {
  running: { id: 'sync~spin' },
  paused: { id: 'debug-pause' },
  interrupted: { id: 'warning', color: 'problemsWarningIcon.foreground' },
  cancelled: { id: 'circle-slash' },
  failed: { id: 'error', color: 'problemsErrorIcon.foreground' },
  completed: { id: 'pass', color: 'testing.iconPassed' },
};

/** What the description leads with: the state, and for a run to pick up again the action that does it. */
const HEADLINE: Record<RunState, string> = {
  running: 'running',
  paused: 'paused',
  interrupted: 'interrupted — Resume',
  cancelled: 'cancelled — Resume',
  failed: 'failed — Resume',
  completed: 'completed',
};

export function runItemLook(run: RunSummary): RunItemLook {
  const s = run.state;
  const best = run.bestMetric ? ` · best ${run.bestMetric.name} ${run.bestMetric.value.toFixed(4)}` : '';
  // The step where it is exact: a running run is past its last checkpoint (run.json's step), so it shows none.
  const where = s.state === 'running' ? '' : s.state === 'paused' ? ` · step ${s.pausedAt}` : s.state === 'failed' ? ` · step ${s.errorStep}` : s.totalSteps ? ` · step ${s.step}/${s.totalSteps}` : '';
  const lines = [run.dir, describeRunState(s)];
  if (s.state === 'interrupted' || s.state === 'cancelled' || s.state === 'failed') lines.push(`From a terminal: ${resumeCommand(run.dir)}`);
  return {
    label: run.id,
    description: `${HEADLINE[s.state]}${where} · ${runStrategyLabel(run.strategy, run.settings, run.lora)} · ${path.basename(run.model)}${best}`,
    tooltip: lines.join('\n'),
    contextValue: `finetuneStudio.run.${s.state}`,
    icon: ICONS[s.state],
  };
}
