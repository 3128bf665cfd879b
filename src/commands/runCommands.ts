// Runs view commands: open folder, resume, pause / continue, cancel, export, delete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeRunState, readRunState, type RunStateInfo } from '../training/runStatus';
import { readRun } from '../training/runStore';
import type { RunsView } from '../views/runsView';
import { pickRun, runDirOf as runDirFromArg } from '../webview/runPicker';
import { revealFolder } from './revealFolder';
import { cancelRun, isRunActive, pauseRun, startRun } from './startRun';

/** Commands get a Runs-view item, a run folder path (dashboard) or nothing (palette: the user picks). */
async function runDirOf(arg: unknown): Promise<string | undefined> {
  return runDirFromArg(arg) ?? (await pickRun('Choose a run'));
}

/** The run's true state, or undefined when its run.json cannot be read (the commands then say what they can). */
function trueState(dir: string): RunStateInfo | undefined {
  try {
    return readRunState(dir);
  } catch {
    return undefined;
  }
}

/** Why this window cannot pause, continue or cancel the run, from what the run folder says about its owner. */
function notControllable(dir: string): string {
  const state = trueState(dir);
  if (!state) return 'That run is not running in this window, and its run.json cannot be read.';
  if ((state.state === 'running' || state.state === 'paused') && state.owner) {
    return `That run is not running in this window: ${describeRunState(state)}. Stop it there (Ctrl-C in its terminal cancels at the next step and keeps a checkpoint).`;
  }
  if (state.state === 'running') return 'That run is not running in this window: it is starting in another process.';
  return `That run is not running: it is ${describeRunState(state)}.`;
}

export function registerRunCommands(context: vscode.ExtensionContext, runs: RunsView): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.openRunFolder', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      // Returned so tests can tell which way the folder was shown (the OS file manager exists only on desktop).
      return dir ? revealFolder(dir, 'run.json') : undefined;
    }),
    vscode.commands.registerCommand('finetuneStudio.cancelRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (dir && !cancelRun(dir)) void vscode.window.showInformationMessage(notControllable(dir));
    }),
    vscode.commands.registerCommand('finetuneStudio.pauseRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (dir && !pauseRun(dir, true)) void vscode.window.showInformationMessage(notControllable(dir));
    }),
    vscode.commands.registerCommand('finetuneStudio.continueRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (dir && !pauseRun(dir, false)) void vscode.window.showInformationMessage(notControllable(dir));
    }),
    vscode.commands.registerCommand('finetuneStudio.resumeRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (!dir) return undefined;
      const state = trueState(dir);
      if (isRunActive(dir) || state?.state === 'running' || state?.state === 'paused') {
        void vscode.window.showInformationMessage(`That run is already ${state ? describeRunState(state) : 'running in this window'}.`);
        return undefined;
      }
      const record = readRun(dir);
      if (state?.state === 'completed') {
        void vscode.window.showInformationMessage(`${record.id} already completed.`);
        return undefined;
      }
      return startRun(context, { model: record.config.model, data: record.config.data, strategy: record.config.strategy as never }, runs, dir);
    }),
    vscode.commands.registerCommand('finetuneStudio.exportRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (!dir) return undefined;
      const state = trueState(dir);
      if (state && state.state !== 'completed') {
        void vscode.window.showWarningMessage(`This run is ${describeRunState(state)}; only a completed run has a model to export (its model/ folder, if any, is from an earlier export).`);
        return undefined;
      }
      const model = path.join(dir, 'model');
      if (!fs.existsSync(path.join(model, 'config.json'))) {
        void vscode.window.showWarningMessage('This run has no exported model yet: it is written when the run completes (resume it to finish).');
        return undefined;
      }
      // A LoRA run has two things to hand out: the merged model, and the PEFT adapter (a few MB, needs the base model).
      const adapter = path.join(dir, 'adapter');
      let what: 'model' | 'adapter' = 'model';
      if (fs.existsSync(path.join(adapter, 'adapter_config.json'))) {
        const choice = await vscode.window.showQuickPick([
          { label: 'Merged model', description: 'model/: Hugging Face folder with the adapters merged in + onnx/ for transformers.js', what: 'model' as const },
          { label: 'LoRA adapter (PEFT)', description: 'adapter/: adapter_config.json + adapter_model.safetensors for PeftModel.from_pretrained, head included', what: 'adapter' as const },
        ], { title: 'Export which part of this LoRA run?' });
        if (!choice) return undefined;
        what = choice.what;
      }
      const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: what === 'adapter' ? 'Export adapter here' : 'Export model here' });
      if (!target?.[0]) return undefined;
      const out = path.join(target[0].fsPath, what === 'adapter' ? `${path.basename(dir)}-adapter` : path.basename(dir));
      fs.cpSync(what === 'adapter' ? adapter : model, out, { recursive: true });
      void vscode.window.showInformationMessage(what === 'adapter'
        ? `Exported the LoRA adapter to ${out} (PEFT adapter_config.json + adapter_model.safetensors; its base model: see base_model_name_or_path).`
        : `Exported to ${out} (Hugging Face folder + onnx/ for transformers.js).`);
      return out;
    }),
    vscode.commands.registerCommand('finetuneStudio.deleteRun', async (arg?: unknown) => {
      const dir = await runDirOf(arg);
      if (!dir) return;
      const state = trueState(dir);
      if (isRunActive(dir) || state?.state === 'running' || state?.state === 'paused') {
        void vscode.window.showWarningMessage(`Cancel the run before deleting it: it is ${state ? describeRunState(state) : 'running in this window'}.`);
        return;
      }
      const ok = await vscode.window.showWarningMessage(`Delete run ${path.basename(dir)} with its checkpoints and model?`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return;
      fs.rmSync(dir, { recursive: true, force: true });
      runs.refresh();
    }),
  );
}
