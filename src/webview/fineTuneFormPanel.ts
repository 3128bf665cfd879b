// The "New fine-tune" form: one panel that shows every choice of the quick-pick flow at once (model, dataset with its
// summary and problems, columns, task, strategy with the layers it trains, hyperparameters, the estimate) and starts
// the run through the same startRun path. What the user entered is kept in the workspace state on every change, so
// closing the panel (or reloading the window: the serializer) loses nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configsFolder, type FlowPreset, type Views } from '../commands/fineTune';
import { loraConfigFor, usesLora } from '../commands/loraPreview';
import { probeThroughput } from '../commands/probeRun';
import { estimateLines, estimateRun, modelFacts, type EstimateInput, type ProbeOutcome } from '../commands/runEstimate';
import { startRun } from '../commands/startRun';
import { detectMapping } from '../data';
import type { DetectedMapping } from '../data/examples';
import { summarizeDataset } from '../data/summary';
import { summaryFacts } from '../data/summaryText';
import { detectDataTask } from '../data/taskShape';
import { isTaskSummary, summarizeTaskData, type AnyDatasetSummary } from '../data/taskSummary';
import { RUN_TASKS, type RunTask } from '../training/protocol';
import { byTrainability, inspectModelFolder, trainability } from '../models/modelFolder';
import { resolveArgs } from '../training/hyperparameters';
import { writeJsonAtomic } from '../util/atomicWrite';
import { datasetBlockers, emptyFormState, evaluateForm, fieldsFor, mappingOf, showsColumns, taskOf, validSettings, type FormResult, type FormState } from './formModel';
import type { DatasetOption, FormDerived, FromForm, ModelOption, ToForm } from './formMessages';
import { layerPicture } from './layerPicture';
import { setPanelPage, webviewOptions } from './panelPage';

interface DataFacts {
  /** Columns as detected: sequence classification only (the token tasks' loaders find their own fields). */
  detected?: DetectedMapping;
  summary?: AnyDatasetSummary;
  problem?: string;
  /** What the file's shape says it is for, and why (detectDataTask). */
  detectedTask?: RunTask;
  taskReason?: string;
}

export const FORM_STATE_KEY = 'finetuneStudio.fineTuneForm';

/** Rows the form's dataset summary reads (as the Datasets view); a larger file says "over N rows". */
const SUMMARY_ROWS = 200_000;

export class FineTuneFormPanel {
  static readonly viewType = 'finetuneStudio.fineTuneForm';
  private static current: FineTuneFormPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private state: FormState;
  private revision = 0;
  private ready = false;
  private probe: { key: string; outcome?: ProbeOutcome; cancel?: vscode.CancellationTokenSource } | undefined;
  /** detectMapping and the summary per file + mtime + mapping: a keystroke in a hyperparameter re-reads nothing. */
  private readonly dataCache = new Map<string, Promise<DataFacts>>();

  /** Opens the form (one at a time); a preset (context menu on a model or dataset) selects that item. */
  static createOrShow(context: vscode.ExtensionContext, views: Views, preset: FlowPreset = {}): FineTuneFormPanel {
    const existing = FineTuneFormPanel.current;
    if (existing) {
      existing.panel.reveal();
      if (preset.model || preset.data) existing.applyPreset(preset);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(FineTuneFormPanel.viewType, 'New fine-tune', vscode.ViewColumn.Active, { ...webviewOptions(context.extensionUri), retainContextWhenHidden: false });
    return new FineTuneFormPanel(panel, context, views, preset);
  }

  /** Called by the serializer after a window reload, with the state the webview kept. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, views: Views, state?: FormState): FineTuneFormPanel {
    return new FineTuneFormPanel(panel, context, views, {}, state);
  }

  static get open(): FineTuneFormPanel | undefined {
    return FineTuneFormPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly views: Views,
    preset: FlowPreset,
    restored?: FormState,
  ) {
    FineTuneFormPanel.current = this;
    this.state = sanitize(restored ?? context.workspaceState.get<FormState>(FORM_STATE_KEY)) ?? emptyFormState();
    if (preset.model || preset.data) this.state = withPreset(this.state, preset);
    setPanelPage(panel.webview, context.extensionUri, 'fineTuneForm', 'New fine-tune');
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m: FromForm) => void this.onMessage(m), null, this.disposables);
  }

  private applyPreset(preset: FlowPreset): void {
    this.state = withPreset(this.state, preset);
    void this.persist();
    void this.sendInit();
  }

  private async onMessage(m: FromForm): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        await this.sendInit();
        return;
      case 'change':
        this.state = sanitize(m.state) ?? this.state;
        this.revision = Math.max(this.revision, m.revision);
        await this.persist();
        await this.derive();
        return;
      case 'probe':
        await this.runProbe();
        return;
      case 'save':
        await this.save();
        return;
      case 'start':
        await this.start();
        return;
    }
  }

  private persist(): Thenable<void> {
    return this.context.workspaceState.update(FORM_STATE_KEY, this.state);
  }

  private async sendInit(): Promise<void> {
    const [models, datasets] = await Promise.all([this.modelOptions(), this.datasetOptions()]);
    this.post({ type: 'init', state: this.state, models, datasets, revision: this.revision });
    await this.derive();
  }

  private async modelOptions(): Promise<ModelOption[]> {
    const { usable, blocked } = byTrainability(await this.views.models.findModels());
    const options: ModelOption[] = usable.map((m) => ({ dir: m.dir, label: path.basename(m.dir), detail: `${m.modelType} · ${vscode.workspace.asRelativePath(m.dir)}` }));
    options.push(...blocked.map(({ info, reason }) => ({ dir: info.dir, label: path.basename(info.dir), detail: info.modelType, blocked: reason })));
    // A preset or restored model that the lists do not hold (a folder passed by a command argument) is still shown.
    const chosen = this.state.model;
    if (chosen && !options.some((o) => o.dir === chosen)) {
      const info = inspectModelFolder(chosen);
      const verdict = info ? trainability(info) : { ok: false as const, reason: 'no config.json with a model_type' };
      options.unshift({ dir: chosen, label: path.basename(chosen), detail: chosen, blocked: verdict.ok ? undefined : verdict.reason });
    }
    return options;
  }

  private async datasetOptions(): Promise<DatasetOption[]> {
    const options = (await this.views.datasets.findDatasets()).map((u) => ({ file: u.fsPath, label: path.basename(u.fsPath), detail: vscode.workspace.asRelativePath(u) }));
    const chosen = this.state.data;
    if (chosen && !options.some((o) => o.file === chosen)) options.unshift({ file: chosen, label: path.basename(chosen), detail: chosen });
    return options;
  }

  private dataFacts(file: string, state: FormState): Promise<DataFacts> {
    let mtime: number;
    try {
      mtime = fs.statSync(file).mtimeMs;
    } catch (e) {
      return Promise.resolve({ problem: (e as Error).message });
    }
    const key = JSON.stringify([file, mtime, state.columns, state.task, state.labelDelimiter, state.runTask ?? '']);
    let hit = this.dataCache.get(key);
    if (!hit) {
      hit = (async () => {
        let shape: { detectedTask?: RunTask; taskReason?: string } = {};
        try {
          const { task: detectedTask, reason: taskReason } = await detectDataTask(file);
          shape = { detectedTask, taskReason };
          const task = taskOf(state, detectedTask);
          if (!showsColumns(task)) {
            // Read whole by the task's loader: its errors name the file, line and what was expected.
            const r = await summarizeTaskData(file, task as Exclude<RunTask, 'classification'>, taskReason);
            return r.ok ? { ...shape, summary: r.value } : { ...shape, problem: r.error.message };
          }
          const detected = await detectMapping(file);
          const mapping = mappingOf(state, detected.mapping);
          const r = await summarizeDataset(file, { mapping, maxRows: SUMMARY_ROWS });
          return r.ok ? { ...shape, detected, summary: r.value } : { ...shape, detected, problem: r.error.message };
        } catch (e) {
          return { ...shape, problem: (e as Error).message };
        }
      })();
      this.dataCache.set(key, hit);
    }
    return hit;
  }

  /** The state judged: the request it makes, every field's problem, what the model and the data file say. */
  private async judged() {
    const state = this.state;
    const data = state.data ? await this.dataFacts(state.data, state) : undefined;
    let facts: Pick<EstimateInput, 'numLayers' | 'hiddenSize' | 'params' | 'model'> | undefined;
    let modelProblem: string | undefined;
    if (state.model) {
      const info = inspectModelFolder(state.model);
      const verdict = info ? trainability(info) : { ok: false as const, reason: 'no config.json with a model_type' };
      if (!verdict.ok) modelProblem = `${path.basename(state.model)} cannot be fine-tuned: ${verdict.reason}.`;
      else {
        try {
          const task = taskOf(state, data?.detectedTask);
          const ner = data?.summary && isTaskSummary(data.summary) ? data.summary.ner : undefined;
          // The token classifier's head has one output per IOB2 tag: O, then B- and I- for each entity type.
          facts = modelFacts(state.model, state.strategy, undefined, task, ner ? 1 + 2 * ner.entityTypes.length : undefined);
        } catch (e) {
          modelProblem = (e as Error).message;
        }
      }
    }
    const model = facts?.model && { ...facts.model, params: facts.params };
    const result = evaluateForm(state, { numLayers: facts?.numLayers, detected: data?.detected?.mapping, columns: data?.detected?.columns, detectedTask: data?.detectedTask, model });
    if (modelProblem) result.problems.model = modelProblem;
    if (data?.problem) result.problems.data = data.problem;
    // A broken or single-class file is said here, before Start (not by a failed probe or run afterwards).
    const labelled = data?.detected !== undefined && mappingOf(state, data.detected.mapping).label !== null;
    const summary = data?.summary;
    const blockers = isTaskSummary(summary) ? summary.blocking : datasetBlockers(summary, state.strategy, labelled);
    if (blockers.length) result.problems.data = blockers.join(' ');
    const blocked = Object.keys(result.problems).some((k) => k !== 'configName');
    return { result, facts, modelProblem, data, blockers, request: blocked ? undefined : result.request };
  }

  /** Everything the page shows that follows from the state; sent after each change. */
  private async derive(): Promise<void> {
    const revision = this.revision;
    const { result, facts, modelProblem, data, blockers, request } = await this.judged();
    const derived: FormDerived = {
      revision, numLayers: facts?.numLayers, modelProblem, problems: result.problems,
      fields: fieldsFor(this.state.strategy, facts?.numLayers, result.task, { adapter: this.state.values.adapter, family: facts?.model?.spec.family }),
      task: result.task, detectedTask: data?.detectedTask, taskReason: data?.taskReason,
      datasetProblem: data?.problem,
      dataset: data?.summary && (data.detected || isTaskSummary(data.summary)) ? {
        facts: summaryFacts(data.summary), problems: data.summary.problems.filter((p) => !blockers.includes(p)), blockers,
        columns: data.detected?.columns ?? [],
        detected: data.detected ? { text: data.detected.mapping.text, textPair: data.detected.mapping.textPair, label: data.detected.mapping.label, labelKind: data.detected.mapping.labelKind } : undefined,
      } : undefined,
      probe: 'none', canStart: request !== undefined,
    };
    if (facts) this.addEstimate(derived, facts, result, request, data?.summary);
    this.post({ type: 'derived', derived });
  }

  private addEstimate(derived: FormDerived, facts: Pick<EstimateInput, 'numLayers' | 'hiddenSize' | 'params' | 'model'>, result: FormResult, request: FormResult['request'], summary?: AnyDatasetSummary): void {
    const settings = validSettings(result);
    const key = request ? JSON.stringify(request) : '';
    const probe = this.probe && this.probe.key === key ? this.probe.outcome : undefined;
    derived.probe = this.probe?.cancel && this.probe.key === key ? 'running' : probe ?? (this.probe?.outcome ? 'stale' : 'none');
    try {
      const args = resolveArgs(Object.fromEntries(Object.entries(settings).filter(([k]) => !k.startsWith('setfit'))));
      // Under LoRA, the adapted modules of the valid settings (a bad target is said on its field, not here).
      const lora = facts.model && usesLora(this.state.strategy, args.adapter) ? loraConfigFor(facts.model, facts.params, this.state.strategy, args) : undefined;
      derived.picture = layerPicture(facts.params, facts.numLayers, this.state.strategy, args, lora);
      const classCounts = summary && !isTaskSummary(summary) ? summary.labelDistribution.map((l) => l.count) : undefined;
      // Without a probe, the rows are the summary's (the split into train / validation is the trainer's: all rows);
      // a token task's rows are its sentences or questions, counted as one window each (estimateLines says so).
      const estimate = estimateRun({ strategy: this.state.strategy, settings, ...facts, trainRows: summary?.rows, classCounts, probe });
      derived.estimate = { lines: estimateLines(estimate, this.state.strategy, probe, result.task), phases: estimate.phases, seconds: estimate.seconds };
    } catch (e) {
      derived.estimate = { lines: [(e as Error).message], phases: [] };
    }
  }

  private async runProbe(): Promise<void> {
    const { request } = await this.judged();
    if (!request) {
      this.post({ type: 'notice', level: 'error', text: 'Fix the problems shown in the form before measuring the speed.' });
      return;
    }
    this.probe?.cancel?.cancel();
    const key = JSON.stringify(request);
    const cancel = new vscode.CancellationTokenSource();
    this.probe = { key, cancel };
    await this.derive();
    const outcome = await probeThroughput(this.context, request, cancel.token);
    if (this.probe?.key === key && this.probe.cancel === cancel) this.probe = { key, outcome };
    cancel.dispose();
    await this.derive();
  }

  private async save(): Promise<void> {
    const { result, request } = await this.judged();
    const dir = configsFolder();
    const name = this.state.configName.trim() || (request ? `${path.basename(request.model)}-${request.strategy}` : '');
    if (!request || !dir || result.problems.configName) {
      this.post({ type: 'notice', level: 'error', text: !dir ? 'Open a folder first: configurations are saved in .finetune/configs of the workspace.' : 'Fix the problems shown in the form before saving.' });
      return;
    }
    const file = path.join(dir, `${name}.json`);
    // The same file the quick-pick flow's "Save configuration…" writes: "Run saved configuration" reads either.
    writeJsonAtomic(file, request);
    this.post({ type: 'notice', level: 'info', text: `Saved ${vscode.workspace.asRelativePath(file)}; run it with "Fine-Tune Studio: Run saved configuration".` });
  }

  private async start(): Promise<void> {
    const { request } = await this.judged();
    if (!request) {
      this.post({ type: 'notice', level: 'error', text: 'Fix the problems shown in the form before starting.' });
      return;
    }
    this.post({ type: 'notice', level: 'info', text: `Starting ${path.basename(request.model)} · ${request.strategy} on ${path.basename(request.data)}: the dashboard opens when the run has started.` });
    void startRun(this.context, request, this.views.runs);
  }

  private post(message: ToForm): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.probe?.cancel?.cancel();
    if (FineTuneFormPanel.current === this) FineTuneFormPanel.current = undefined;
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

function withPreset(state: FormState, preset: FlowPreset): FormState {
  const next = { ...state };
  if (preset.model) next.model = preset.model;
  if (preset.data && preset.data !== state.data) {
    // Column choices belong to the file they were made for.
    next.data = preset.data;
    next.columns = { text: '', textPair: '', label: '' };
    next.task = 'auto';
    next.runTask = '';
  }
  // Filled in as if typed: the fields show them, and clearing one goes back to the default.
  if (preset.settings) next.values = { ...next.values, ...Object.fromEntries(Object.entries(preset.settings).map(([k, v]) => [k, String(v)])) };
  return next;
}

/** A stored or posted state, checked for shape (an older version's or a hand-edited one must not break the form). */
function sanitize(s: FormState | undefined): FormState | undefined {
  if (!s || typeof s !== 'object') return undefined;
  const base = emptyFormState();
  return {
    ...base, ...s,
    columns: { ...base.columns, ...(typeof s.columns === 'object' && s.columns ? s.columns : {}) },
    runTask: RUN_TASKS.includes(s.runTask as RunTask) ? s.runTask : '',
    values: typeof s.values === 'object' && s.values ? Object.fromEntries(Object.entries(s.values).filter(([, v]) => typeof v === 'string')) : {},
  };
}
