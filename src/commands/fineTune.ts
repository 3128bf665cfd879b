// "Fine-tune model": model → dataset → columns → strategy → hyperparameters → summary (parameters, memory, time from a
// short probe run) → start. A finished configuration can be saved as .finetune/configs/<name>.json and re-run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectMapping, type MappingOverride } from '../data';
import type { DelimiterHint } from '../data/schema';
import { summarizeDataset } from '../data/summary';
import { byTrainability, inspectModelFolder, trainability } from '../models/modelFolder';
import { modelFolderDescription } from '../models/modelFolderName';
import { readRunConfigFile } from '../training/configFile';
import { DEFAULT_ARGS, resolveArgs } from '../training/hyperparameters';
import type { RunConfig } from '../training/protocol';
import { STRATEGIES, StrategyId } from '../training/strategies';
import { writeJsonAtomic } from '../util/atomicWrite';
import type { DatasetsView } from '../views/datasetsView';
import type { ModelsView } from '../views/modelsView';
import type { RunsView } from '../views/runsView';
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
}

const uriPath = (arg: unknown): string | undefined =>
  arg instanceof vscode.Uri ? arg.fsPath : (arg as { resourceUri?: vscode.Uri })?.resourceUri?.fsPath ?? (typeof arg === 'string' ? arg : undefined);

export function presetFrom(arg: unknown): FlowPreset {
  const p = uriPath(arg);
  if (!p) return {};
  return fs.existsSync(path.join(p, 'config.json')) ? { model: p } : { data: p };
}

export async function runFineTuneFlow(context: vscode.ExtensionContext, views: Views, preset: FlowPreset = {}): Promise<RunRequest | undefined> {
  const step = (n: number, what: string) => `Fine-tune model (${n}/6): ${what}`;

  let model = preset.model;
  if (model) {
    // The context menu is only on trainable models, but a command argument can name any folder.
    const info = inspectModelFolder(model);
    const verdict = info ? trainability(info) : { ok: false as const, reason: 'no config.json with a model_type' };
    if (!verdict.ok) {
      void vscode.window.showErrorMessage(`${path.basename(model)} cannot be fine-tuned: ${verdict.reason}.`);
      return undefined;
    }
  } else {
    model = await chooseBaseModel(views, step(1, 'choose a base model'));
    if (!model) return undefined;
  }

  let data = preset.data;
  if (!data) {
    const datasets = await views.datasets.findDatasets();
    const pick = await vscode.window.showQuickPick(
      datasets.map((uri) => ({ label: path.basename(uri.fsPath), detail: vscode.workspace.asRelativePath(uri), file: uri.fsPath })),
      { title: step(2, 'choose a dataset'), placeHolder: 'Select a labelled dataset (CSV, TSV, JSONL, JSON, Parquet) or text for masked-LM', ignoreFocusOut: true },
    );
    if (!pick) return undefined;
    data = pick.file;
  }

  const mapping = await chooseColumns(data, step(3, 'check the columns'));
  if (!mapping) return undefined;

  const unlabeled = mapping.label === null;
  const strategies = Object.entries(STRATEGIES).filter(([id]) => (unlabeled ? id === 'mlm' : id !== 'mlm'));
  // With only a handful of examples per class, SetFit is the method that works: offer it first.
  const perClass = unlabeled ? undefined : await largestClassSize(data, mapping);
  const fewShot = perClass !== undefined && perClass <= FEW_SHOT_PER_CLASS;
  if (fewShot) strategies.sort(([a], [b]) => Number(b === 'setfit') - Number(a === 'setfit'));
  const strategy = await vscode.window.showQuickPick(
    strategies.map(([id, s]) => ({
      label: s.title, id: id as StrategyId,
      description: fewShot && id === 'setfit' ? `recommended: at most ${perClass} examples per class` : undefined,
      detail: s.description,
    })),
    { title: step(4, 'choose a strategy'), placeHolder: 'How much of the model to train', ignoreFocusOut: true },
  );
  if (!strategy) return undefined;

  const settings = await chooseHyperparameters(step(5, 'hyperparameters'), strategy.id);
  if (!settings) return undefined;

  const request: RunRequest = { model, data, strategy: strategy.id, mapping, settings };
  return confirmAndStart(context, views, request, step(6, 'summary'));
}

/**
 * Folders that will train first; the others below a "Cannot be fine-tuned" separator with the reason as their detail
 * (quick pick items cannot be disabled: picking one shows the reason and opens the list again).
 */
async function chooseBaseModel(views: Views, title: string): Promise<string | undefined> {
  const { usable, blocked } = byTrainability(await views.models.findModels());
  type Item = vscode.QuickPickItem & { dir?: string; reason?: string };
  const items: Item[] = usable.map((m) => ({
    label: m.label, description: modelFolderDescription(m), detail: m.hasSafetensors ? m.dir : `${m.dir} · weights from the ONNX export`, dir: m.dir,
  }));
  if (blocked.length) {
    items.push({ label: 'Cannot be fine-tuned', kind: vscode.QuickPickItemKind.Separator });
    for (const { info, reason } of blocked) {
      items.push({ label: info.label, description: modelFolderDescription(info), detail: reason, iconPath: new vscode.ThemeIcon('circle-slash'), reason });
    }
  }
  const placeHolder = usable.length ? 'Select a model to fine-tune' : blocked.length ? 'No local model can be fine-tuned (see why below): search the Hub in the Models view' : 'No local models: search the Hub in the Models view first';
  for (;;) {
    const pick = await vscode.window.showQuickPick(items, { title, placeHolder, ignoreFocusOut: true, matchOnDetail: true });
    if (!pick) return undefined;
    if (pick.dir) return pick.dir;
    void vscode.window.showWarningMessage(`${pick.label} cannot be fine-tuned: ${pick.reason}.`);
  }
}

/** SetFit is offered first when no class has more examples than this (SetFit's few-shot regime). */
const FEW_SHOT_PER_CLASS = 16;

async function largestClassSize(file: string, mapping: MappingOverride): Promise<number | undefined> {
  const r = await summarizeDataset(file, { mapping, maxRows: 10_000 });
  return r.ok && r.value.labelDistribution.length ? Math.max(...r.value.labelDistribution.map((l) => l.count)) : undefined;
}

async function chooseColumns(file: string, title: string): Promise<MappingOverride | undefined> {
  let detected: Awaited<ReturnType<typeof detectMapping>>;
  try {
    detected = await detectMapping(file);
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return undefined;
  }
  const m = detected.mapping;
  const summary = `text: ${m.text}${m.textPair ? ` + ${m.textPair}` : ''} · label: ${m.label ? `${m.label} (${m.labelKind})` : 'none (unlabeled)'}${m.split ? ` · split: ${m.split}` : ''}`;
  const choice = await vscode.window.showQuickPick(
    [{ label: 'Use the detected columns', detail: summary, edit: false }, { label: 'Choose columns…', detail: `columns: ${detected.columns.join(', ')}`, edit: true }],
    { title, ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  if (!choice.edit) {
    if (!m.label) return { text: m.text, label: null };
    const mapping: MappingOverride = { text: m.text, textPair: m.textPair, label: m.label, split: m.split };
    return detected.delimiterHint ? chooseLabelReading(mapping, detected.delimiterHint, title) : mapping;
  }
  const text = await vscode.window.showQuickPick(detected.columns, { title: `${title}: text column`, ignoreFocusOut: true });
  if (!text) return undefined;
  const none = '(no label: unlabeled text for masked-LM)';
  const label = await vscode.window.showQuickPick([...detected.columns.filter((c) => c !== text), none], { title: `${title}: label column`, ignoreFocusOut: true });
  if (!label) return undefined;
  return { text, label: label === none ? null : label };
}

/**
 * Labels that hold a delimiter ("Rock;Pop") are read as one class each unless the user says otherwise: detection only
 * suggests multi-label, so the choice is asked here, with what was seen.
 */
async function chooseLabelReading(mapping: MappingOverride, hint: DelimiterHint, title: string): Promise<MappingOverride | undefined> {
  const seen = `${hint.hits} of ${hint.labels} sampled labels contain "${hint.delimiter}" (e.g. ${JSON.stringify(hint.example)})`;
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'One class per row', detail: `each value is a class name as written; ${seen}`, multi: false },
      { label: `Several labels per row, split on "${hint.delimiter}"`, detail: 'multi-label classification (one sigmoid per label)', multi: true },
    ],
    { title: `${title}: how to read the labels`, ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  return pick.multi ? { ...mapping, labelKind: 'multi', labelDelimiter: hint.delimiter } : mapping;
}

async function chooseHyperparameters(title: string, strategy: StrategyId): Promise<Record<string, unknown> | undefined> {
  const d = DEFAULT_ARGS;
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Tutorial defaults', detail: `lr ${d.learningRate} · ${d.epochs} epochs · warmup ${d.warmupRatio * 100}% · weight decay ${d.weightDecay} · batch ${d.batchSize} · max length ${d.maxLength}`, edit: false },
      { label: 'Edit…', detail: 'Learning rate, epochs, batch size, max length, warmup, weight decay', edit: true },
    ],
    { title, ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  const settings: Record<string, unknown> = {};
  if (!pick.edit) return settings;
  const fields: [keyof typeof DEFAULT_ARGS, string][] = [
    ['learningRate', 'Learning rate'], ['epochs', 'Epochs'], ['batchSize', 'Batch size'], ['maxLength', 'Max length (tokens)'], ['warmupRatio', 'Warmup ratio'], ['weightDecay', 'Weight decay'],
  ];
  if (strategy === 'partial') fields.push(['freezeLayers', 'Bottom layers to freeze']);
  if (strategy === 'discriminative-lr') fields.push(['layerDecay', 'Layer-wise lr decay (e.g. 0.9)']);
  for (const [key, label] of fields) {
    const value = await vscode.window.showInputBox({
      title: `${title}: ${label}`, value: String(DEFAULT_ARGS[key] ?? ''), ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          resolveArgs({ [key]: Number(v) });
          return undefined;
        } catch (e) {
          return (e as Error).message.split('\n- ')[1];
        }
      },
    });
    if (value === undefined) return undefined;
    if (value !== '') settings[key] = Number(value);
  }
  return settings;
}

export async function confirmAndStart(context: vscode.ExtensionContext, views: Views, request: RunRequest, title: string): Promise<RunRequest | undefined> {
  const probe = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Measuring training speed (short probe run)…', cancellable: true }, (_p, token) =>
    probeThroughput(context, request, token),
  );
  const estimate = estimateRun({ strategy: request.strategy, settings: request.settings ?? {}, ...modelFacts(request.model, request.strategy), probe });
  const detail = [
    `${path.basename(request.model)} · ${STRATEGIES[request.strategy].title} · ${path.basename(request.data)}`,
    ...estimateLines(estimate, request.strategy, probe),
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
