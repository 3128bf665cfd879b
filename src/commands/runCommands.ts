// Runs view commands: open folder, resume, pause / continue, cancel, export, delete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRun } from '../training/runStore';
import type { RunsView } from '../views/runsView';
import { pickRun, runDirOf as runDirFromArg } from '../webview/runPicker';
import { cancelRun, isRunActive, pauseRun, startRun } from './startRun';

/** Commands get a Runs-view item, a run folder path (dashboard) or nothing (palette: the user picks). */
async function runDirOf(arg: unknown): Promise<string | undefined> {
  return runDirFromArg(arg) ?? (await pickRun('Choose a run'));
}

export function registerRunCommands(context: vscode.ExtensionContext, runs: RunsView): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.openRunFolder', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (dir) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(dir, 'run.json')));
    }),
    vscode.commands.registerCommand('finetuneStudio.cancelRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (dir && !cancelRun(dir)) void vscode.window.showInformationMessage('That run is not running in this window.');
    }),
    vscode.commands.registerCommand('finetuneStudio.pauseRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (dir && !pauseRun(dir, true)) void vscode.window.showInformationMessage('That run is not running in this window.');
    }),
    vscode.commands.registerCommand('finetuneStudio.continueRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (dir && !pauseRun(dir, false)) void vscode.window.showInformationMessage('That run is not running in this window.');
    }),
    vscode.commands.registerCommand('finetuneStudio.resumeRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (!dir) return undefined;
      if (isRunActive(dir)) {
        void vscode.window.showInformationMessage('That run is already running.');
        return undefined;
      }
      const record = readRun(dir);
      if (record.status === 'completed') {
        void vscode.window.showInformationMessage(`${record.id} already completed.`);
        return undefined;
      }
      return startRun(context, { model: record.config.model, data: record.config.data, strategy: record.config.strategy as never }, runs, dir);
    }),
    vscode.commands.registerCommand('finetuneStudio.exportRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (!dir) return undefined;
      const model = path.join(dir, 'model');
      if (!fs.existsSync(path.join(model, 'config.json'))) {
        void vscode.window.showWarningMessage('This run has no exported model yet: it is written when the run completes (resume it to finish).');
        return undefined;
      }
      const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Export model here' });
      if (!target?.[0]) return undefined;
      const out = path.join(target[0].fsPath, path.basename(dir));
      fs.cpSync(model, out, { recursive: true });
      void vscode.window.showInformationMessage(`Exported to ${out} (Hugging Face folder + onnx/ for transformers.js).`);
      return out;
    }),
    vscode.commands.registerCommand('finetuneStudio.deleteRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (!dir) return;
      if (isRunActive(dir)) {
        void vscode.window.showWarningMessage('Cancel the run before deleting it.');
        return;
      }
      const ok = await vscode.window.showWarningMessage(`Delete run ${path.basename(dir)} with its checkpoints and model?`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return;
      fs.rmSync(dir, { recursive: true, force: true });
      runs.refresh();
    }),
  );
}
