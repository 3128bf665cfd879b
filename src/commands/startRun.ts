// Starts runs in forked worker processes and supervises them: progress notification, status bar, dashboard,
// pause, cancel, and on a crash the worker's last output with an offer to resume from the last checkpoint.
import * as child_process from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeviceSetting } from '../onnx/device';
import { FromWorker, isFromWorker, RunConfig, ToWorker } from '../training/protocol';
import type { RunsView } from '../views/runsView';
import { DashboardPanel } from '../webview';
import { runsRoot } from '../views/runsView';

/** Workers by run folder, so Cancel in the Runs view or the dashboard reaches the right process. */
const active = new Map<string, child_process.ChildProcess>();

/** Sends `message` to the worker of a run of this window; false when no worker of this window runs it. */
function sendToRun(runDir: string, message: ToWorker): boolean {
  const w = active.get(runDir);
  if (!w?.connected) return false;
  w.send(message);
  return true;
}

export const cancelRun = (runDir: string): boolean => sendToRun(runDir, { type: 'cancel' });

/** Pauses (or continues) a run of this window between steps. */
export const pauseRun = (runDir: string, pause: boolean): boolean => sendToRun(runDir, { type: pause ? 'pause' : 'resume' });

export function isRunActive(runDir: string): boolean {
  return active.has(runDir);
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
  const device = vscode.workspace.getConfiguration('finetuneStudio').get<DeviceSetting>('device', 'auto');
  const training = vscode.workspace.getConfiguration('finetuneStudio.training');
  const threads = training.get<number>('threads', 0);
  const stepsPerRun = training.get<number>('stepsPerRun', 0);
  const config: RunConfig = {
    device, ...request, runsRoot: runsRoot(folder),
    settings: { ...(threads > 0 ? { threads } : {}), ...(stepsPerRun > 0 ? { stepsPerRun } : {}), ...request.settings },
  };
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.text = '$(sync~spin) Fine-tune: starting';
  status.show();
  const lastLogs: string[] = [];
  // fork uses process.execPath: inside the extension host PATH may hold no node, or another one.
  const worker = child_process.fork(path.join(context.extensionPath, 'dist', 'worker.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const remember = (chunk: Buffer) => {
    lastLogs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lastLogs.splice(0, Math.max(0, lastLogs.length - 20));
  };
  worker.stdout?.on('data', remember);
  worker.stderr?.on('data', remember);
  const send = (m: ToWorker) => worker.connected && worker.send(m);
  let runDir = resumeFrom;

  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Fine-tuning ${path.basename(request.model)}`, cancellable: true },
      (progress, token) =>
        new Promise<FromWorker | undefined>((resolve, reject) => {
          let last: FromWorker | undefined;
          token.onCancellationRequested(() => send({ type: 'cancel' }));
          worker.on('message', (m: unknown) => {
            if (!isFromWorker(m)) return;
            last = m;
            // The dashboard also follows the run folder; live messages add per-step progress between metric writes.
            if (runDir) DashboardPanel.forward(runDir, m);
            switch (m.type) {
              case 'started':
                runDir = m.runDir;
                active.set(m.runDir, worker);
                progress.report({ message: `on ${m.device} (${m.deviceReason})` });
                runs.refresh();
                void vscode.commands.executeCommand('finetuneStudio.openDashboard', m.runDir);
                break;
              case 'progress':
                progress.report({ increment: 100 / Math.max(1, m.totalSteps), message: `step ${m.step}/${m.totalSteps} · loss ${m.loss.toFixed(4)}` });
                status.text = `$(sync~spin) Fine-tune ${Math.round((100 * m.step) / Math.max(1, m.totalSteps))}% · loss ${m.loss.toFixed(3)}`;
                status.tooltip = `${m.samplesPerSecond.toFixed(1)} samples/s · ETA ${Math.round(m.etaSeconds)} s`;
                break;
              case 'paused':
                status.text = m.paused ? `$(debug-pause) Fine-tune paused at step ${m.step}` : '$(sync~spin) Fine-tune: continuing';
                progress.report({ message: m.paused ? `paused at step ${m.step} (Continue in the dashboard or the Runs view)` : `continuing from step ${m.step}` });
                break;
              case 'log':
                lastLogs.push(m.message);
                break;
              case 'error':
                reject(new Error(m.message));
                break;
              case 'done':
                resolve(m);
                break;
            }
          });
          worker.on('exit', (code, signal) => {
            if (last?.type === 'done' || last?.type === 'error') return;
            reject(new Error(`the training worker stopped (${signal ?? `exit code ${code}`}). Last output:\n${lastLogs.slice(-10).join('\n')}`));
          });
          send({ type: 'start', config, resumeFrom });
        }),
    );
  } catch (err) {
    const canResume = runDir !== undefined;
    const choice = await vscode.window.showErrorMessage(`Fine-tuning failed: ${(err as Error).message}`, ...(canResume ? ['Resume from last checkpoint'] : []));
    if (choice && runDir) void vscode.commands.executeCommand('finetuneStudio.resumeRun', runDir);
    return undefined;
  } finally {
    if (runDir) active.delete(runDir);
    status.dispose();
    if (worker.exitCode === null) worker.kill();
    runs.refresh();
  }
}
