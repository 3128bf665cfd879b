// Starts runs in a training worker that outlives the window (detached; attached only where the platform refuses),
// and answers the Runs view's and the dashboard's controls for runs this window follows or that a detached worker
// serves. What the window shows while a run goes on is runSupervisor.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FromWorker, RunConfig } from '../training/protocol';
import { launchTraining } from '../training/trainingWorker';
import { readControl } from '../training/workerControl';
import type { RunsView } from '../views/runsView';
import { runsRoot } from '../views/runsView';
import { RunReports } from './runReports';
import { runConfigFor } from './runSettings';
import { isFollowed, runTitle, sendToRun, superviseRun } from './runSupervisor';

export const cancelRun = (runDir: string): boolean => sendToRun(runDir, { type: 'cancel' });

/** Pauses (or continues) a run between steps. */
export const pauseRun = (runDir: string, pause: boolean): boolean => sendToRun(runDir, { type: pause ? 'pause' : 'resume' });

/**
 * Whether a worker trains the run: one this window follows (it started it, or reconnected after a reload), or a
 * detached one this window can reach (so Delete and Resume refuse it too).
 */
export function isRunActive(runDir: string): boolean {
  return isFollowed(runDir) || readControl(runDir) !== undefined;
}

/** The worker bundle; FTS_REFUSE_DETACH=1 (tests) behaves as a platform where a detached process cannot start. */
function workerLaunch(context: vscode.ExtensionContext) {
  return { workerScript: path.join(context.extensionPath, 'dist', 'worker.js'), refuseDetach: process.env.FTS_REFUSE_DETACH === '1' };
}

export async function startRun(
  context: vscode.ExtensionContext,
  request: Omit<RunConfig, 'runsRoot'>,
  runs: RunsView,
  resumeFrom?: string,
): Promise<FromWorker | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(request.data)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('Open a folder first: runs are stored in the workspace (.finetune/runs).');
    return undefined;
  }
  let connection;
  try {
    connection = launchTraining({ ...workerLaunch(context), config: runConfigFor(request, runsRoot(folder)), resumeFrom });
  } catch (e) {
    // The worker never started (fork refused, runs folder not writable): nothing trains, so nothing shows as starting.
    void vscode.window.showErrorMessage(`Fine-tuning could not start: ${(e as Error).message}`);
    return undefined;
  }
  return superviseRun(connection, { runs, reports: new RunReports(context.workspaceState), title: runTitle(request.model), runDir: resumeFrom, openDashboard: true });
}
