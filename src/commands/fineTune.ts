// "Fine-tune model": model → dataset → columns → strategy → hyperparameters → summary (parameters, memory, time from a
// short probe run) → start. A finished configuration can be saved as .finetune/configs/<name>.json and re-run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { datasetRefusal } from '../data/summaryText';
import { inspectModelFolder, trainability } from '../models/modelFolder';
import { readRunConfigFile } from '../training/configFile';
import { resolveArgs } from '../training/hyperparameters';
import type { RunConfig } from '../training/protocol';
import { STRATEGIES } from '../training/strategies';
import { writeJsonAtomic } from '../util/atomicWrite';
import type { DatasetsView } from '../views/datasetsView';
import type { ModelsView } from '../views/modelsView';
import type { RunsView } from '../views/runsView';
import { askRunRequest } from './fineTuneSteps';
import { probeThroughput } from './probeRun';
import { estimateLines, estimateRun, modelFacts } from './runEstimate';
import { startRun } from './startRun';

export interface Views {
  models: ModelsView;
  datasets: DatasetsView;
  runs: RunsView;
}

export type RunRequest = Omit<RunConfig, 'runsRoot'>;

/** Preselections: the context menu on a model or a dataset passes one of them. */
export interface FlowPreset {
  model?: string;
  data?: string;
  /** Hyperparameters to fill in (the walkthrough's sample needs a larger lr than a pretrained model's default). */
  settings?: Record<string, unknown>;
}

const uriPath = (arg: unknown): string | undefined =>
  arg instanceof vscode.Uri ? arg.fsPath : (arg as { resourceUri?: vscode.Uri })?.resourceUri?.fsPath ?? (typeof arg === 'string' ? arg : undefined);

export function presetFrom(arg: unknown): FlowPreset {
  const p = uriPath(arg);
  if (!p) return {};
  return fs.existsSync(path.join(p, 'config.json')) ? { model: p } : { data: p };
}

export async function runFineTuneFlow(context: vscode.ExtensionContext, views: Views, preset: FlowPreset = {}): Promise<RunRequest | undefined> {
  if (preset.model) {
    // The context menu is only on trainable models, but a command argument can name any folder.
    const info = inspectModelFolder(preset.model);
    const verdict = info ? trainability(info) : { ok: false as const, reason: 'no config.json with a model_type' };
    if (!verdict.ok) {
      void vscode.window.showErrorMessage(`${path.basename(preset.model)} cannot be fine-tuned: ${verdict.reason}.`);
      return undefined;
    }
  }
  if (preset.data) {
    // The Datasets view's context menu offers every file: one the trainer would refuse stops here, with the reason.
    const refusal = datasetRefusal(await views.datasets.summary(preset.data));
    if (refusal) {
      void vscode.window.showErrorMessage(`${path.basename(preset.data)} cannot be fine-tuned: ${refusal}`);
      return undefined;
    }
  }
  const request = await askRunRequest(views, preset);
  return request && confirmAndStart(context, views, request, 'Fine-tune model (6/6): summary');
}

export async function confirmAndStart(context: vscode.ExtensionContext, views: Views, request: RunRequest, title: string): Promise<RunRequest | undefined> {
  const probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Measuring training speed (short probe run)…', cancellable: true }, (_p, token) =>
    probeThroughput(context, request, token),
  );
  let estimate: ReturnType<typeof estimateRun>;
  try {
    estimate = estimateRun({ strategy: request.strategy, settings: request.settings ?? {}, ...modelFacts(request.model, request.strategy, undefined, request.task), probe });
  } catch (e) {
    // A setting only the model can judge (LoRA target modules of a saved configuration): refused here, as the trainer would.
    void vscode.window.showErrorMessage(`Cannot start this run: ${(e as Error).message}`);
    return undefined;
  }
  const detail = [
    `${path.basename(request.model)} · ${STRATEGIES[request.strategy].title} · ${path.basename(request.data)}`,
    ...estimateLines(estimate, request.strategy, probe, request.task),
  ].join('\n');
  const choice = await vscode.window.showInformationMessage(title, { modal: true, detail }, 'Start', 'Save configuration…');
  if (choice === 'Save configuration…') {
    await saveConfiguration(request);
    return request;
  }
  if (choice !== 'Start') return undefined;
  void startRun(context, request, views.runs);
  return request;
}

export function configsFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, '.finetune', 'configs') : undefined;
}

async function saveConfiguration(request: RunRequest): Promise<void> {
  const dir = configsFolder();
  if (!dir) return;
  const name = await vscode.window.showInputBox({ title: 'Save run configuration', prompt: 'Name', value: `${path.basename(request.model)}-${request.strategy}`, validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'Letters, digits, "-", "_" and "." only') });
  if (!name) return;
  const file = path.join(dir, `${name}.json`);
  writeJsonAtomic(file, request);
  void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(file)}; run it with "Fine-Tune Studio: Run saved configuration".`);
}

export async function runSavedConfiguration(context: vscode.ExtensionContext, views: Views, arg?: unknown): Promise<RunRequest | undefined> {
  let file = uriPath(arg);
  if (!file) {
    const dir = configsFolder();
    const files = dir && fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    const pick = await vscode.window.showQuickPick(files, { title: 'Run a saved configuration', placeHolder: files.length ? undefined : 'No saved configurations in .finetune/configs' });
    if (!pick || !dir) return undefined;
    file = path.join(dir, pick);
  }
  let request: RunRequest;
  try {
    request = readRunConfigFile(file) as RunRequest;
    resolveArgs(request.settings);
    if (!(request.strategy in STRATEGIES)) throw new Error(`"strategy" must be one of ${Object.keys(STRATEGIES).join(', ')}`);
  } catch (e) {
    // The file's own errors already begin with its path (and line, column).
    const message = (e as Error).message;
    void vscode.window.showErrorMessage(message.startsWith(file) ? message : `${file}: ${message}`);
    return undefined;
  }
  return confirmAndStart(context, views, request, `Run ${path.basename(file)}`);
}
