// The keyboard path of "Fine-tune model": model → dataset → task → columns → strategy → hyperparameters as quick picks and
// input boxes with Back on every step (quickSteps.ts). Answers live in one FlowState, so Back shows each earlier
// answer again and going forward keeps the later ones. The summary (step 6) is fineTune.ts' confirmAndStart.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectMapping, type MappingOverride } from '../data';
import type { DetectedMapping } from '../data/examples';
import { summarizeDataset } from '../data/summary';
import { datasetRefusal, summaryDescription } from '../data/summaryText';
import { byTrainability } from '../models/modelFolder';
import { modelFolderDescription } from '../models/modelFolderName';
import { readModelSpec } from '../models/modelSpec';
import { detectDataTask } from '../data/taskShape';
import { DEFAULT_ARGS } from '../training/hyperparameters';
import type { RunConfig, RunTask } from '../training/protocol';
import { RUN_TASKS_SHOWN, SETFIT_TOKEN_TASKS } from '../webview/formChoices';
import { STRATEGIES, type StrategyId } from '../training/strategies';
import type { DatasetsView } from '../views/datasetsView';
import type { ModelsView } from '../views/modelsView';
import { LORA_LEARNING_RATE } from './loraPreview';
import { inputStep, pickStep, type Answer } from './quickInputs';
import { runSteps, type FlowStep, type StepAnswer } from './quickSteps';
import { parseSettingText, settingFields, type NumericSetting } from './settingInput';
import { parseTokenSetting, tokenSettingDefault, TOKEN_TASK_SETTINGS } from './tokenTaskSettings';

export interface StepViews {
  models: Pick<ModelsView, 'findModels'>;
  datasets: Pick<DatasetsView, 'findDatasets' | 'summary'>;
}

export interface FlowState {
  model?: string;
  /** Encoder layers of the model (the freeze-layers box's default and range). */
  numLayers?: number;
  data?: string;
  detected?: { file: string; value: DetectedMapping };
  /** What the file's shape says it is for (read once per file), and the task chosen (RunConfig.task). */
  shape?: { file: string; task: RunTask; reason: string };
  task?: RunTask;
  editColumns?: boolean;
  textColumn?: string;
  /** null: unlabeled text (masked-LM). */
  labelColumn?: string | null;
  multiLabel?: boolean;
  strategy?: StrategyId;
  editSettings?: boolean;
  /** What was typed in each hyperparameter box, as typed (an empty box is the default). */
  typed: Partial<Record<NumericSetting, string>>;
  /** The token tasks' own settings as typed (TOKEN_TASK_SETTINGS); kept across a task change, sent only for theirs. */
  tokenTyped?: Record<string, string>;
}

/** The task the flow trains: the one chosen, else the file's shape, else classification. */
const taskOf = (s: FlowState): RunTask => s.task ?? s.shape?.task ?? 'classification';


const title = (n: number, what: string) => `Fine-tune model (${n}/6): ${what}`;
/** SetFit is offered first when no class has more examples than this (SetFit's few-shot regime). */
const FEW_SHOT_PER_CLASS = 16;
/** As many rows as the Datasets view reads when it checks a file. */
const CHECK_ROWS = 200_000;
const NO_LABEL = '(no label: unlabeled text for masked-LM)';

/** Maps a prompt's answer onto the flow: the value is stored by `store`. */
function settle<T>(answer: Answer<T>, store: (v: T) => void): StepAnswer {
  if (answer === undefined) return 'cancel';
  if (answer === 'back') return 'back';
  store(answer.value);
  return 'next';
}

/** The mapping the column steps chose. */
export function mappingOf(s: FlowState): MappingOverride {
  if (s.editColumns) return { text: s.textColumn!, label: s.labelColumn ?? null };
  const m = s.detected!.value.mapping;
  if (!m.label) return { text: m.text, label: null };
  const mapping: MappingOverride = { text: m.text, textPair: m.textPair, label: m.label, split: m.split };
  const hint = s.detected!.value.delimiterHint;
  return s.multiLabel && hint ? { ...mapping, labelKind: 'multi', labelDelimiter: hint.delimiter } : mapping;
}

/** Typed boxes → settings; empty boxes and fields of other strategies or tasks are left out (the defaults apply). */
export function settingsOf(s: FlowState): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (!s.editSettings || !s.strategy) return settings;
  for (const field of settingFields(s.strategy, s.numLayers ?? 0)) {
    const parsed = parseSettingText(field, s.typed[field.key] ?? String(field.defaultValue));
    if (parsed.ok && parsed.value !== undefined) settings[field.key] = parsed.value;
  }
  for (const f of TOKEN_TASK_SETTINGS) {
    if (f.task !== taskOf(s)) continue;
    const parsed = parseTokenSetting(f.key, f.kind, s.tokenTyped?.[f.key] ?? '');
    // A box left at the default is not written, so the run's config says only what was changed.
    if (parsed.ok && parsed.value !== undefined && parsed.value !== DEFAULT_ARGS[f.key]) settings[f.key] = parsed.value;
  }
  return settings;
}

function modelStep(views: StepViews): FlowStep<FlowState> {
  type Item = vscode.QuickPickItem & { dir?: string; reason?: string };
  return {
    name: 'model',
    async run(s, context) {
      const { usable, blocked } = byTrainability(await views.models.findModels());
      const items: Item[] = usable.map((m) => ({
        label: m.label, description: modelFolderDescription(m), detail: m.hasSafetensors ? m.dir : `${m.dir} · weights from the ONNX export`, dir: m.dir,
      }));
      if (blocked.length) {
        items.push({ label: 'Cannot be fine-tuned', kind: vscode.QuickPickItemKind.Separator });
        for (const { info, reason } of blocked) {
          items.push({ label: info.label, description: modelFolderDescription(info), detail: reason, iconPath: new vscode.ThemeIcon('circle-slash'), reason });
        }
      }
      const placeholder = usable.length ? 'Select a model to fine-tune' : blocked.length ? 'No local model can be fine-tuned (see why below): search the Hub in the Models view' : 'No local models: search the Hub in the Models view first';
      const answer = await pickStep<Item>({
        title: title(1, 'choose a base model'), placeholder, items, matchOnDetail: true,
        isActive: (i) => !!i.dir && i.dir === s.model,
        refuse: (i) => (i.dir ? undefined : `${i.label} cannot be fine-tuned: ${i.reason}.`),
      }, context);
      return settle(answer, (i) => setModel(s, i.dir!));
    },
  };
}

export function setModel(s: FlowState, model: string): void {
  if (s.model === model) return;
  s.model = model;
  try {
    s.numLayers = readModelSpec(model).numLayers;
  } catch {
    s.numLayers = undefined; // the summary reports an unreadable model; the freeze box then has no upper bound
  }
  // A freeze count typed for another depth may not fit this one.
  delete s.typed.freezeLayers;
}

function datasetStep(views: StepViews): FlowStep<FlowState> {
  type Item = vscode.QuickPickItem & { file?: string; reason?: string };
  const items = async (): Promise<Item[]> => {
    const files = await views.datasets.findDatasets();
    const entries = await Promise.all(files.map(async (uri) => ({ uri, entry: await views.datasets.summary(uri.fsPath) })));
    const usable: Item[] = [];
    const blocked: Item[] = [];
    for (const { uri, entry } of entries) {
      const reason = datasetRefusal(entry);
      const item: Item = { label: path.basename(uri.fsPath), description: entry.summary ? summaryDescription(entry.summary) : undefined, file: uri.fsPath };
      if (reason) blocked.push({ ...item, detail: `⚠ ${reason}`, iconPath: new vscode.ThemeIcon('circle-slash'), reason });
      else usable.push({ ...item, detail: vscode.workspace.asRelativePath(uri) });
    }
    return blocked.length ? [...usable, { label: 'Cannot be fine-tuned', kind: vscode.QuickPickItemKind.Separator }, ...blocked] : usable;
  };
  return {
    name: 'dataset',
    async run(s, context) {
      const answer = await pickStep<Item>({
        title: title(2, 'choose a dataset'), placeholder: 'Select a labelled dataset (CSV, TSV, JSONL, JSON, Parquet), NER (CoNLL, token lists, spans), QA (SQuAD, JSONL) or text for masked-LM',
        items: items(), matchOnDescription: true,
        isActive: (i) => !!i.file && i.file === s.data,
        refuse: (i) => (i.reason ? `${i.label} cannot be fine-tuned: ${i.reason}` : undefined),
      }, context);
      return settle(answer, (i) => setData(s, i.file!));
    },
  };
}

export function setData(s: FlowState, data: string): void {
  if (s.data === data) return;
  s.data = data;
  // Columns belong to the file; the strategy and the hyperparameters do not.
  s.detected = undefined;
  s.editColumns = undefined;
  s.textColumn = undefined;
  s.labelColumn = undefined;
  s.multiLabel = undefined;
  s.shape = undefined;
  s.task = undefined;
}

/** The task, preset (active) from the file's shape; choosing another reads the file as that task. */
function taskStep(): FlowStep<FlowState> {
  type Item = vscode.QuickPickItem & { task: RunTask };
  return {
    name: 'task',
    async run(s, context) {
      if (s.shape?.file !== s.data) {
        try {
          const shape = await detectDataTask(s.data!);
          s.shape = { file: s.data!, ...shape };
        } catch (e) {
          void vscode.window.showErrorMessage((e as Error).message);
          return context.canGoBack ? 'back' : 'cancel';
        }
      }
      const detected = s.shape!.task;
      const answer = await pickStep<Item>({
        title: title(3, 'choose the task'),
        items: RUN_TASKS_SHOWN.map((t) => ({ label: t.label, task: t.value, description: t.value === detected ? 'detected' : undefined, detail: t.value === detected ? s.shape!.reason : undefined })),
        isActive: (i) => i.task === taskOf(s),
      }, context);
      return settle(answer, (i) => (s.task = i.task));
    },
  };
}

function columnsStep(): FlowStep<FlowState> {
  type Item = vscode.QuickPickItem & { edit: boolean };
  return {
    name: 'columns',
    // Token tasks' loaders read their own fields (tokens and tags; question, context and answers).
    skip: (s) => taskOf(s) !== 'classification',
    async run(s, context) {
      if (s.detected?.file !== s.data) {
        try {
          // Read once per file: Back and forth through the column steps keeps what was detected.
          s.detected = { file: s.data!, value: await detectMapping(s.data!) };
        } catch (e) {
          void vscode.window.showErrorMessage((e as Error).message);
          // Back to the dataset choice when there is one; a preset file has nowhere to go back to.
          return context.canGoBack ? 'back' : 'cancel';
        }
      }
      const { mapping: m, columns } = s.detected!.value;
      const summary = `text: ${m.text}${m.textPair ? ` + ${m.textPair}` : ''} · label: ${m.label ? `${m.label} (${m.labelKind})` : 'none (unlabeled)'}${m.split ? ` · split: ${m.split}` : ''}`;
      const answer = await pickStep<Item>({
        title: title(3, 'check the columns'),
        items: [{ label: 'Use the detected columns', detail: summary, edit: false }, { label: 'Choose columns…', detail: `columns: ${columns.join(', ')}`, edit: true }],
        isActive: (i) => i.edit === (s.editColumns ?? false),
      }, context);
      return settle(answer, (i) => (s.editColumns = i.edit));
    },
  };
}

function textColumnStep(): FlowStep<FlowState> {
  return {
    name: 'text column',
    skip: (s) => !s.editColumns || taskOf(s) !== 'classification',
    async run(s, context) {
      const answer = await pickStep({
        title: `${title(3, 'check the columns')}: text column`,
        items: s.detected!.value.columns.map((c) => ({ label: c })),
        isActive: (i) => i.label === (s.textColumn ?? s.detected!.value.mapping.text),
      }, context);
      return settle(answer, (i) => (s.textColumn = i.label));
    },
  };
}

function labelColumnStep(): FlowStep<FlowState> {
  return {
    name: 'label column',
    skip: (s) => !s.editColumns || taskOf(s) !== 'classification',
    async run(s, context) {
      const current = s.labelColumn === null ? NO_LABEL : s.labelColumn ?? s.detected!.value.mapping.label ?? NO_LABEL;
      const answer = await pickStep({
        title: `${title(3, 'check the columns')}: label column`,
        items: [...s.detected!.value.columns.filter((c) => c !== s.textColumn), NO_LABEL].map((c) => ({ label: c })),
        isActive: (i) => i.label === current,
        // The same check as the dataset step, for the column chosen here (another column may hold one class only).
        refuse: async (i) => {
          if (i.label === NO_LABEL) return undefined;
          const r = await summarizeDataset(s.data!, { mapping: { text: s.textColumn!, label: i.label }, maxRows: CHECK_ROWS });
          const reason = r.ok ? datasetRefusal({ summary: r.value }) : r.error.message;
          return reason ? `Column "${i.label}" cannot be the label: ${reason}` : undefined;
        },
      }, context);
      return settle(answer, (i) => (s.labelColumn = i.label === NO_LABEL ? null : i.label));
    },
  };
}

/**
 * Labels that hold a delimiter ("Rock;Pop") are read as one class each unless the user says otherwise: detection only
 * suggests multi-label, so the choice is asked here, with what was seen.
 */
function labelReadingStep(): FlowStep<FlowState> {
  type Item = vscode.QuickPickItem & { multi: boolean };
  return {
    name: 'label reading',
    skip: (s) => taskOf(s) !== 'classification' || !!s.editColumns || !s.detected?.value.delimiterHint || !s.detected.value.mapping.label,
    async run(s, context) {
      const hint = s.detected!.value.delimiterHint!;
      const seen = `${hint.hits} of ${hint.labels} sampled labels contain "${hint.delimiter}" (e.g. ${JSON.stringify(hint.example)})`;
      const answer = await pickStep<Item>({
        title: `${title(3, 'check the columns')}: how to read the labels`,
        items: [
          { label: 'One class per row', detail: `each value is a class name as written; ${seen}`, multi: false },
          { label: `Several labels per row, split on "${hint.delimiter}"`, detail: 'multi-label classification (one sigmoid per label)', multi: true },
        ],
        isActive: (i) => i.multi === (s.multiLabel ?? false),
      }, context);
      return settle(answer, (i) => (s.multiLabel = i.multi));
    },
  };
}

async function largestClassSize(file: string, mapping: MappingOverride): Promise<number | undefined> {
  const r = await summarizeDataset(file, { mapping, maxRows: 10_000 });
  return r.ok && r.value.labelDistribution.length ? Math.max(...r.value.labelDistribution.map((l) => l.count)) : undefined;
}

function strategyStep(): FlowStep<FlowState> {
  type Item = vscode.QuickPickItem & { id: StrategyId; reason?: string };
  const items = async (s: FlowState): Promise<Item[]> => {
    if (taskOf(s) !== 'classification') {
      // Masked LM reads unlabeled text; SetFit is listed with why it does not apply (quick pick items cannot be disabled).
      return Object.entries(STRATEGIES).filter(([id]) => id !== 'mlm').map(([id, st]) => (id === 'setfit'
        ? { label: st.title, id: id as StrategyId, description: 'sequence classification only', detail: SETFIT_TOKEN_TASKS, iconPath: new vscode.ThemeIcon('circle-slash'), reason: SETFIT_TOKEN_TASKS }
        : { label: st.title, id: id as StrategyId, detail: st.description }));
    }
    const mapping = mappingOf(s);
    const unlabeled = mapping.label === null;
    const strategies = Object.entries(STRATEGIES).filter(([id]) => (unlabeled ? id === 'mlm' : id !== 'mlm'));
    // With only a handful of examples per class, SetFit is the method that works: offer it first.
    const perClass = unlabeled ? undefined : await largestClassSize(s.data!, mapping);
    const fewShot = perClass !== undefined && perClass <= FEW_SHOT_PER_CLASS;
    if (fewShot) strategies.sort(([a], [b]) => Number(b === 'setfit') - Number(a === 'setfit'));
    return strategies.map(([id, st]) => ({
      label: st.title, id: id as StrategyId,
      description: fewShot && id === 'setfit' ? `recommended: at most ${perClass} examples per class` : undefined,
      detail: st.description,
    }));
  };
  return {
    name: 'strategy',
    async run(s, context) {
      const answer = await pickStep<Item>({
        title: title(4, 'choose a strategy'), placeholder: 'How much of the model to train', items: items(s), isActive: (i) => i.id === s.strategy,
        refuse: (i) => i.reason,
      }, context);
      return settle(answer, (i) => (s.strategy = i.id));
    },
  };
}

/** What else Edit… asks for a token task. */
const TASK_SETTINGS_TEXT: Record<RunTask, string> = {
  'classification': '',
  'token-classification': ', then the window overlap and subword labelling',
  'question-answering': ', then the context windows, question and answer lengths, n-best and the no-answer threshold',
};

function settingsChoiceStep(): FlowStep<FlowState> {
  type Item = vscode.QuickPickItem & { edit: boolean };
  const d = DEFAULT_ARGS;
  return {
    name: 'hyperparameters',
    async run(s, context) {
      const answer = await pickStep<Item>({
        title: title(5, 'hyperparameters'),
        items: [
          { label: 'Tutorial defaults', detail: `${s.strategy === 'lora' ? `LoRA r ${d.loraRank} · alpha ${d.loraAlpha} · lr ${LORA_LEARNING_RATE}` : `lr ${d.learningRate}`} · ${d.epochs} epochs · warmup ${d.warmupRatio * 100}% · weight decay ${d.weightDecay} · batch ${d.batchSize} · max length ${d.maxLength}`, edit: false },
          { label: 'Edit…', detail: `Learning rate, epochs, batch size, max length, warmup, weight decay (and the strategy's own setting)${TASK_SETTINGS_TEXT[taskOf(s)]}`, edit: true },
        ],
        isActive: (i) => i.edit === (s.editSettings ?? false),
      }, context);
      return settle(answer, (i) => (s.editSettings = i.edit));
    },
  };
}

/** One box per setting any strategy can show; each is skipped where its strategy does not use it. */
function settingSteps(): FlowStep<FlowState>[] {
  const keys: NumericSetting[] = ['learningRate', 'epochs', 'batchSize', 'maxLength', 'warmupRatio', 'weightDecay', 'freezeLayers', 'layerDecay', 'loraRank', 'loraAlpha'];
  const fieldOf = (s: FlowState, key: NumericSetting) => (s.editSettings && s.strategy ? settingFields(s.strategy, s.numLayers ?? 0).find((f) => f.key === key) : undefined);
  return keys.map((key) => ({
    name: key,
    skip: (s) => !fieldOf(s, key),
    async run(s, context) {
      const field = fieldOf(s, key)!;
      const answer = await inputStep({
        title: `${title(5, 'hyperparameters')}: ${field.label}`,
        prompt: `Empty: the default, ${field.defaultValue}`,
        placeholder: String(field.defaultValue),
        value: s.typed[key] ?? String(field.defaultValue),
        validate: (text) => {
          const parsed = parseSettingText(field, text);
          return parsed.ok ? undefined : parsed.problem;
        },
      }, context);
      return settle(answer, (text) => (s.typed[key] = text));
    },
  }));
}

/** The token task's own boxes (stride, doc stride...), each skipped unless its task is the run's and Edit… was chosen. */
function tokenSettingSteps(): FlowStep<FlowState>[] {
  return TOKEN_TASK_SETTINGS.map((f) => ({
    name: f.key,
    skip: (s) => !s.editSettings || taskOf(s) !== f.task,
    async run(s, context) {
      const d = tokenSettingDefault(f.key);
      const answer = await inputStep({
        title: `${title(5, 'hyperparameters')}: ${f.label}`,
        prompt: `Empty: the default, ${d.text}`,
        placeholder: d.text,
        value: s.tokenTyped?.[f.key] ?? d.prefill,
        validate: (text) => {
          const parsed = parseTokenSetting(f.key, f.kind, text);
          return parsed.ok ? undefined : parsed.problem;
        },
      }, context);
      return settle(answer, (text) => (s.tokenTyped = { ...s.tokenTyped, [f.key]: text }));
    },
  }));
}

/** Asks for everything a run needs but the preset; undefined when the user pressed Escape on any step. */
export async function askRunRequest(views: StepViews, preset: { model?: string; data?: string }): Promise<Omit<RunConfig, 'runsRoot'> | undefined> {
  const state: FlowState = { typed: {} };
  if (preset.model) setModel(state, preset.model);
  if (preset.data) setData(state, preset.data);
  const steps: FlowStep<FlowState>[] = [
    { ...modelStep(views), skip: () => !!preset.model },
    { ...datasetStep(views), skip: () => !!preset.data },
    taskStep(), columnsStep(), textColumnStep(), labelColumnStep(), labelReadingStep(),
    strategyStep(), settingsChoiceStep(), ...settingSteps(), ...tokenSettingSteps(),
  ];
  const s = await runSteps(steps, state);
  if (!s) return undefined;
  const task = taskOf(s);
  // Token tasks carry no column mapping: their loaders find tokens / tags and question / context themselves.
  return { model: s.model!, data: s.data!, strategy: s.strategy!, task, mapping: task === 'classification' ? mappingOf(s) : {}, settings: settingsOf(s) };
}
