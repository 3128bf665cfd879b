// On activation (a reload, or a window opened later): follow again the runs whose detached worker still trains, and
// report once the runs started here that ended while no window followed them.
import * as vscode from 'vscode';
import { readLease } from '../training/runLease';
import { readRun } from '../training/runStore';
import { isLive } from '../training/runStatus';
import { reconnectTraining } from '../training/trainingWorker';
import type { RunsView } from '../views/runsView';
import { describeMissedEnd, RunReports } from './runReports';
import { runTitle, superviseRun } from './runSupervisor';

/** Reconnects to every live detached run of the workspace; resolves with their run folders once connected. */
export async function reconnectRuns(context: vscode.ExtensionContext, runs: RunsView): Promise<string[]> {
  const reports = new RunReports(context.workspaceState);
  const reconnected: string[] = [];
  for (const run of runs.listRuns().filter((r) => isLive(r.status))) {
    const connection = await reconnectTraining(run.dir);
    if (!connection) continue;
    reconnected.push(run.dir);
    void superviseRun(connection, { runs, reports, title: runTitle(run.model, true), runDir: run.dir, openDashboard: false });
  }
  for (const dir of reports.pending().filter((d) => !reconnected.includes(d))) reportMissedEnd(dir, reports);
  return reconnected;
}

function reportMissedEnd(runDir: string, reports: RunReports): void {
  let record;
  try {
    record = readRun(runDir);
  } catch {
    record = undefined;
  }
  const missed = describeMissedEnd(record, readLease(runDir)?.held ?? false);
  // Still held: its worker trains without a control channel this window can reach (another host); ask again later.
  if (!missed) return;
  void reports.reported(runDir);
  if (missed.status === 'missing') return;
  const actions = ['Open dashboard', ...(missed.resumable ? ['Resume'] : [])];
  const show = missed.status === 'completed' || missed.status === 'cancelled' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void show(missed.text, ...actions).then((choice) => {
    if (choice === 'Open dashboard') void vscode.commands.executeCommand('finetuneStudio.openDashboard', runDir);
    else if (choice === 'Resume') void vscode.commands.executeCommand('finetuneStudio.resumeRun', runDir);
  });
}
