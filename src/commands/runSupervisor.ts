// What a window shows and does for a training run it follows, whether it started the worker or reconnected to one
// an earlier window started: progress notification, status bar, live dashboard, pause / continue / cancel, and on a
// crash the worker's last output with an offer to resume from the last checkpoint.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FromWorker, ToWorker } from '../training/protocol';
import { appendMetrics } from '../training/runStore';
import type { RunEnd, TrainingConnection } from '../training/trainingWorker';
import { connectRunControl, readControl } from '../training/workerControl';
import type { RunsView } from '../views/runsView';
import { DashboardPanel } from '../webview';
import type { RunReports } from './runReports';

/** The runs this window follows, by run folder, so the Runs view and the dashboard reach the right worker. */
const followed = new Map<string, TrainingConnection>();

/**
 * Sends `message` to the worker of `runDir`: through this window's connection, or else straight to a detached
 * worker that serves a control channel (started by another window or before a reload). False when none runs it.
 */
export function sendToRun(runDir: string, message: ToWorker): boolean {
  const connection = followed.get(runDir);
  if (connection) return connection.send(message);
  const control = readControl(runDir);
  if (!control) return false;
  void connectRunControl(control.address, () => undefined).then(
    (client) => {
      client.send(message);
      client.close();
    },
    () => undefined,
  );
  return true;
}

export function isFollowed(runDir: string): boolean {
  return followed.has(runDir);
}

export interface SuperviseOptions {
  runs: RunsView;
  reports: RunReports;
  /** The notification's title. */
  title: string;
  /** Known for a resumed or reconnected run; a new run's folder arrives with its 'started' message. */
  runDir?: string;
  /** Open the dashboard when the run starts (a run started here, not one reconnected to). */
  openDashboard: boolean;
}

/** Follows a run until it ends; resolves with the worker's last message, or undefined when it failed or stopped. */
export async function superviseRun(connection: TrainingConnection, options: SuperviseOptions): Promise<FromWorker | undefined> {
  const { runs, reports } = options;
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.text = '$(sync~spin) Fine-tune: starting';
  status.show();
  let runDir = options.runDir;
  const follow = (dir: string) => {
    runDir = dir;
    followed.set(dir, connection);
    void reports.expect(dir);
  };
  if (runDir) follow(runDir);
  const unfollow = () => {
    if (!runDir || followed.get(runDir) !== connection) return;
    followed.delete(runDir);
    // This window saw the end (and says so, if it was a failure): no later window reports it again.
    void reports.reported(runDir);
  };
  let shown = 0;
  const advance = (step: number, total: number) => {
    const now = (100 * step) / Math.max(1, total);
    const increment = Math.max(0, now - shown);
    shown = Math.max(shown, now);
    return increment;
  };
  try {
    const last = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: options.title, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => connection.send({ type: 'cancel' }));
        connection.onMessage((m) => {
          if (m.type === 'started') follow(m.runDir);
          // The dashboard also follows the run folder; live messages add per-step progress between metric writes.
          if (runDir) DashboardPanel.forward(runDir, m);
          switch (m.type) {
            case 'started':
              progress.report({ message: `on ${m.device} (${m.deviceReason})` });
              if (connection.attachedReason) sayAttached(m.runDir, connection.attachedReason);
              runs.refresh();
              // The walkthrough's last step ("Start and watch the dashboard") is done once a run has started here.
              void vscode.commands.executeCommand('setContext', 'finetuneStudio.runStarted', true);
              if (options.openDashboard) void vscode.commands.executeCommand('finetuneStudio.openDashboard', m.runDir);
              break;
            case 'progress':
              // From the step reached, not one increment per message: a resumed or reconnected run starts part-way.
              progress.report({ increment: advance(m.step, m.totalSteps), message: `step ${m.step}/${m.totalSteps} · loss ${m.loss.toFixed(4)}` });
              status.text = `$(sync~spin) Fine-tune ${Math.round((100 * m.step) / Math.max(1, m.totalSteps))}% · loss ${m.loss.toFixed(3)}`;
              status.tooltip = `${m.samplesPerSecond.toFixed(1)} samples/s · ETA ${Math.round(m.etaSeconds)} s`;
              break;
            case 'paused':
              status.text = m.paused ? `$(debug-pause) Fine-tune paused at step ${m.step}` : '$(sync~spin) Fine-tune: continuing';
              progress.report({ message: m.paused ? `paused at step ${m.step} (Continue in the dashboard or the Runs view)` : `continuing from step ${m.step}` });
              break;
          }
        });
        return connection.end;
      },
    );
    // Unfollowed before the report: its "Resume" must find the run no longer active here. The status item goes before
    // it too: the report waits for the user to close its message, and the run is over (a failed start said "starting").
    unfollow();
    status.dispose();
    return await report(last, runDir);
  } finally {
    unfollow();
    status.dispose();
    connection.disconnect();
    runs.refresh();
  }
}

async function report(end: RunEnd, runDir: string | undefined): Promise<FromWorker | undefined> {
  // Only disconnect() leaves, and that comes after the end.
  if (end.kind === 'left') return undefined;
  let message: string;
  if (end.kind === 'ended') {
    if (end.last.type === 'done') return end.last;
    message = end.last.message;
  } else {
    message = `the training worker stopped (${end.how}). Last output:\n${end.lastOutput.slice(-10).join('\n')}`;
  }
  const choice = await vscode.window.showErrorMessage(`Fine-tuning failed: ${message}`, ...(runDir ? ['Resume from last checkpoint'] : []));
  if (choice && runDir) void vscode.commands.executeCommand('finetuneStudio.resumeRun', runDir);
  return undefined;
}

/** Where the worker could not be detached, the run's log and the user hear so once; Resume is the way back. */
function sayAttached(runDir: string, reason: string): void {
  appendMetrics(runDir, { type: 'log', level: 'warn', message: reason });
  void vscode.window.showWarningMessage(`Fine-tune: ${reason}.`);
}

export const runTitle = (model: string, reconnected = false) => `Fine-tuning ${path.basename(model)}${reconnected ? ' (reconnected)' : ''}`;
