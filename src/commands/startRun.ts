// Starts a run in a forked worker process and supervises it: progress notification, status bar, cancel, crash report.
import * as child_process from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FromWorker, isFromWorker, RunConfig, ToWorker } from '../training/protocol';
import type { RunsView } from '../views/runsView';
import { runsRoot } from '../views/runsView';

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
  const device = vscode.workspace.getConfiguration('finetuneStudio').get<string>('device', 'auto');
  const config: RunConfig = { ...request, device, runsRoot: runsRoot(folder) };
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.text = '$(sync~spin) Fine-tune: starting';
  status.show();
  const lastLogs: string[] = [];
  // fork with process.execPath: inside the extension host PATH may hold no (or another) node.
  const worker = child_process.fork(path.join(context.extensionPath, 'dist', 'worker.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const remember = (chunk: Buffer) => {
    lastLogs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lastLogs.splice(0, Math.max(0, lastLogs.length - 20));
  };
  worker.stdout?.on('data', remember);
  worker.stderr?.on('data', remember);
  const send = (m: ToWorker) => worker.connected && worker.send(m);

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
            if (m.type === 'started') {
              progress.report({ message: `${m.device} (${m.deviceReason})` });
              runs.refresh();
            } else if (m.type === 'progress') {
              const pct = (100 * m.step) / Math.max(1, m.totalSteps);
              progress.report({ increment: 100 / Math.max(1, m.totalSteps), message: `step ${m.step}/${m.totalSteps} · loss ${m.loss.toFixed(4)}` });
              status.text = `$(sync~spin) Fine-tune ${pct.toFixed(0)}% · loss ${m.loss.toFixed(3)}`;
            } else if (m.type === 'error') {
              reject(new Error(m.message));
            } else if (m.type === 'done') {
              resolve(m);
            }
          });
          worker.on('exit', (code, signal) => {
            if (last?.type === 'done') return;
            reject(new Error(`The training worker stopped (${signal ?? `exit code ${code}`}). Last output:\n${lastLogs.join('\n')}`));
          });
          send({ type: 'start', config, resumeFrom });
        }),
    );
  } catch (err) {
    const choice = await vscode.window.showErrorMessage(`Fine-tuning failed: ${(err as Error).message}`, 'Resume from last checkpoint');
    if (choice) void vscode.commands.executeCommand('finetuneStudio.resumeRun');
    return undefined;
  } finally {
    status.dispose();
    if (worker.exitCode === null) worker.kill();
    runs.refresh();
  }
}
