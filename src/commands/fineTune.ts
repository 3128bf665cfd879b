// "Fine-tune model": model → dataset → columns → strategy → hyperparameters → summary (parameters, memory, time from a
// short probe run) → start. A finished configuration can be saved as .finetune/configs/<name>.json and re-run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { datasetRefusal } from '../data/summaryText';
import { modelParameters } from '../models/arch/parameters';
import { inspectModelFolder, trainability } from '../models/modelFolder';
import { readModelSpec } from '../models/modelSpec';
import { readRunConfigFile } from '../training/configFile';
import { resolveArgs } from '../training/hyperparameters';
import { planParameters } from '../training/parameterGroups';
import type { RunConfig } from '../training/protocol';
import { STRATEGIES } from '../training/strategies';
import { writeJsonAtomic } from '../util/atomicWrite';
import type { DatasetsView } from '../views/datasetsView';
import type { ModelsView } from '../views/modelsView';
import type { RunsView } from '../views/runsView';
import { askRunRequest } from './fineTuneSteps';
import { probeThroughput } from './probeRun';
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

/** Memory for weights (+ gradients and AdamW moments of trainable ones) and activations, in bytes. A rough guide. */
function estimateMemory(total: number, trainable: number, layers: number, hidden: number, batch: number, seq: number): number {
  const weights = 4 * total + 12 * trainable;
  const activations = 4 * batch * seq * hidden * layers * 24;
  return weights + activations;
}

export async function confirmAndStart(context: vscode.ExtensionContext, views: Views, request: RunRequest, title: string): Promise<RunRequest | undefined> {
  const args = resolveArgs(request.settings);
  const spec = readModelSpec(request.model);
  const head = request.strategy === 'mlm' ? 'masked-lm' : 'sequence-classification';
  const params = modelParameters(spec, head);
  const plan = planParameters(params.map((p) => p.name), spec.numLayers, request.strategy, { freezeLayers: args.freezeLayers, layerDecay: args.layerDecay });
  const size = (names: Set<string>) => params.filter((p) => names.has(p.name)).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const total = size(new Set(params.map((p) => p.name)));
  const trainable = size(new Set(plan.trainable));
  const memory = estimateMemory(total, trainable, spec.numLayers, spec.hiddenSize, args.batchSize, args.maxLength);
  const probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Measuring training speed (short probe run)…', cancellable: true }, (_p, token) =>
    probeThroughput(context, request, token),
  );
  const rows = Number((probe?.trainRows ?? 0).toFixed(0));
  const seconds = probe && probe.samplesPerSecond > 0 ? (rows * args.epochs) / probe.samplesPerSecond : undefined;
  const detail = [
    `${path.basename(request.model)} · ${STRATEGIES[request.strategy].title} · ${path.basename(request.data)}`,
    `Trainable parameters: ${trainable.toLocaleString()} of ${total.toLocaleString()} (${((100 * trainable) / total).toFixed(1)}%)`,
    `Estimated memory: ${(memory / 2 ** 20).toFixed(0)} MB`,
    probe
      ? `Measured ${probe.samplesPerSecond.toFixed(1)} samples/s on ${probe.device}: about ${formatDuration(seconds!)} for ${args.epochs} epoch(s) of ${rows} examples`
      : 'Training speed could not be measured (probe cancelled or failed).',
    `lr ${args.learningRate} · ${args.epochs} epochs · batch ${args.batchSize} · max length ${args.maxLength} · warmup ${args.warmupRatio * 100}% · weight decay ${args.weightDecay}`,
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

function formatDuration(s: number): string {
  return s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
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
