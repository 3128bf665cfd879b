// The "New fine-tune" form's logic, without any UI: the fields the form shows (with the tutorial's defaults), what the
// user typed → the run request the quick-pick flow would build, and each field's problem in the same words as the
// CLI and config-file errors (hyperparameters.ts settingProblem, SetFit's settings). Pure, so it is unit-tested.
import { LORA_ADAPTER_STRATEGIES, LORA_LEARNING_RATE, type LoraModel, type ParamShape } from '../commands/loraPreview';
import type { ColumnMapping, MappingOverride } from '../data/schema';
import type { ModelFamily } from '../models/modelSpec';
import { DEFAULT_TARGETS } from '../training/lora/loraTargets';
import { DEFAULT_ARGS, checkArgsForTask, resolveArgs, SettingsError } from '../training/hyperparameters';
import type { RunSettings, RunTask } from '../training/protocol';
import { SETFIT_DEFAULTS, resolveSetFitSettings } from '../training/setfit/settings';
import { STRATEGIES, type StrategyId } from '../training/strategies';
import { SCHEDULE_NAMES } from '../training/worker/schedules';
import { NO_LABEL, SETFIT_TOKEN_TASKS, type RunTaskChoice, type TaskChoice } from './formChoices';
import { LORA_MODEL_KEYS, loraModelProblems, parseModuleList, parseTargetModules, targetSyntaxProblem } from './loraFields';

export { NO_LABEL, type RunTaskChoice, type TaskChoice };

/** Everything the user entered; kept in the webview state and the workspace state, so closing loses nothing. */
export interface FormState {
  model?: string;
  data?: string;
  /** Column choices; '' = as detected; label NO_LABEL = unlabeled text (masked LM). */
  columns: { text: string; textPair: string; label: string };
  task: TaskChoice;
  /** What the model learns (RunConfig.task); '' = as the dataset's shape says. Absent in states kept by older versions. */
  runTask?: RunTaskChoice;
  /** Multi-label stored as one delimited string ("Rock;Pop"): the delimiter. */
  labelDelimiter: string;
  strategy: StrategyId;
  /** The text of each hyperparameter field as typed; '' = the default. */
  values: Record<string, string>;
  /** Name for Save configuration (.finetune/configs/<name>.json). */
  configName: string;
}

export function emptyFormState(preset: { model?: string; data?: string } = {}): FormState {
  return { ...preset, columns: { text: '', textPair: '', label: '' }, task: 'auto', runTask: '', labelDelimiter: '', strategy: 'full', values: {}, configName: '' };
}

/** checkbox: ticked = `checkedValue`, unticked = unset; names: a comma-separated list; targets: names or one regex. */
export type FieldKind = 'number' | 'integer' | 'choice' | 'boolean' | 'epochOrSteps' | 'checkbox' | 'names' | 'targets';

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  /** Shown as the placeholder; what an empty field means. */
  defaultText: string;
  choices?: readonly string[];
  /** Strategies the field applies to (all when absent). */
  only?: readonly StrategyId[];
  /** Tasks the field applies to (all when absent). */
  tasks?: readonly RunTask[];
  hint?: string;
  /** checkbox: the setting's text when ticked ('lora' for adapter, 'true' for useRslora). */
  checkedValue?: string;
  /** A LoRA setting: shown only while LoRA is chosen (the lora strategy, or the adapter box ticked). */
  lora?: true;
}

/** What the fields depend on besides the strategy and the task. */
export interface FieldContext {
  /** The adapter box's text ('lora' when ticked). */
  adapter?: string;
  /** The chosen model's family: the target modules' placeholder is its default. */
  family?: ModelFamily;
}

/** Whether the form trains LoRA adapters: the lora strategy, or a strategy that composes with it and the box ticked. */
export const loraChosen = (strategy: StrategyId, adapter: string | undefined): boolean =>
  strategy === 'lora' || (LORA_ADAPTER_STRATEGIES.includes(strategy) && adapter === 'lora');

/** Why the learning rate's default is not 2e-5 under LoRA (the trainer's LoRA default, loraPreview.ts). */
export const LORA_LR_HINT = `LoRA: ${LORA_LEARNING_RATE} unless set: the adapters start at zero, and the 2e-5 of full fine-tuning would barely move them`;

const d = DEFAULT_ARGS;
const NOT_SETFIT: StrategyId[] = ['feature-extraction', 'full', 'partial', 'gradual-unfreezing', 'discriminative-lr', 'mlm', 'lora'];
const NER: RunTask[] = ['token-classification'];
/** What an empty doc-stride box means (hyperparameters.ts docStrideFor). */
export const DOC_STRIDE_DEFAULT = '128, at most a third of max length';
const QA: RunTask[] = ['question-answering'];
/** Label smoothing applies to class targets: question answering has none (its targets are spans). */
const HAS_CLASSES: RunTask[] = ['classification', 'token-classification'];

/** The hyperparameters in the order the form shows them. Strategy knobs come with the defaults the trainer uses. */
export function fieldSpecs(numLayers?: number, ctx: FieldContext & { lora?: boolean } = {}): FieldSpec[] {
  return [
    ctx.lora
      ? { key: 'learningRate', label: 'Learning rate', kind: 'number', defaultText: String(LORA_LEARNING_RATE), hint: LORA_LR_HINT }
      : { key: 'learningRate', label: 'Learning rate', kind: 'number', defaultText: String(d.learningRate) },
    { key: 'epochs', label: 'Epochs', kind: 'number', defaultText: String(d.epochs), only: NOT_SETFIT },
    { key: 'maxSteps', label: 'Max steps (0: use epochs)', kind: 'integer', defaultText: String(d.maxSteps), only: NOT_SETFIT },
    { key: 'batchSize', label: 'Batch size', kind: 'integer', defaultText: String(d.batchSize) },
    { key: 'evalBatchSize', label: 'Eval batch size', kind: 'integer', defaultText: String(d.evalBatchSize) },
    { key: 'maxLength', label: 'Max length (tokens)', kind: 'integer', defaultText: String(d.maxLength) },
    { key: 'warmupRatio', label: 'Warmup ratio', kind: 'number', defaultText: String(d.warmupRatio) },
    { key: 'weightDecay', label: 'Weight decay', kind: 'number', defaultText: String(d.weightDecay) },
    { key: 'scheduler', label: 'LR schedule', kind: 'choice', defaultText: d.scheduler, choices: SCHEDULE_NAMES },
    { key: 'optimizer', label: 'Optimizer', kind: 'choice', defaultText: d.optimizer, choices: ['adamw', 'sgd'] },
    { key: 'maxGradNorm', label: 'Max gradient norm', kind: 'number', defaultText: String(d.maxGradNorm) },
    { key: 'gradientAccumulationSteps', label: 'Gradient accumulation steps', kind: 'integer', defaultText: String(d.gradientAccumulationSteps) },
    { key: 'labelSmoothing', label: 'Label smoothing', kind: 'number', defaultText: String(d.labelSmoothing), only: NOT_SETFIT, tasks: HAS_CLASSES },
    // The trainer weighs the classes of a sequence classifier only (a per-tag weight is not what the setting means).
    { key: 'classWeights', label: 'Class weights', kind: 'choice', defaultText: 'none', choices: ['none', 'balanced'], tasks: ['classification'] },
    // Token classification: sentences longer than max length are cut into overlapping windows, never truncated.
    { key: 'stride', label: 'Window overlap (tokens)', kind: 'integer', defaultText: String(d.stride), tasks: NER, hint: 'tokens shared by consecutive windows of a long sentence' },
    { key: 'labelAllSubwords', label: 'Label every subword', kind: 'boolean', defaultText: String(d.labelAllSubwords), choices: ['true', 'false'], tasks: NER, hint: 'false: only a word\'s first subword is trained and scored' },
    // Unset, the trainer takes HF's 128 capped at a third of max length (docStrideFor), so a window always advances.
    { key: 'docStride', label: 'Context window overlap (tokens)', kind: 'integer', defaultText: DOC_STRIDE_DEFAULT, tasks: QA, hint: 'HF run_qa doc_stride' },
    { key: 'maxQuestionLength', label: 'Max question length (tokens)', kind: 'integer', defaultText: String(d.maxQuestionLength), tasks: QA },
    { key: 'maxAnswerLength', label: 'Max answer length (tokens)', kind: 'integer', defaultText: String(d.maxAnswerLength), tasks: QA },
    { key: 'nBestSize', label: 'Start/end candidates (n-best)', kind: 'integer', defaultText: String(d.nBestSize), tasks: QA },
    { key: 'nullScoreDiffThreshold', label: 'No-answer threshold', kind: 'number', defaultText: String(d.nullScoreDiffThreshold), tasks: QA, hint: 'SQuAD v2: answer "none" when the null score beats the best span by more than this' },
    { key: 'evalEvery', label: 'Evaluate every ("epoch" or steps)', kind: 'epochOrSteps', defaultText: String(d.evalEvery), only: NOT_SETFIT },
    { key: 'saveTotalLimit', label: 'Checkpoints kept (+ the best)', kind: 'integer', defaultText: String(d.saveTotalLimit) },
    { key: 'seed', label: 'Seed', kind: 'integer', defaultText: String(d.seed) },
    {
      key: 'freezeLayers', label: 'Bottom layers to freeze', kind: 'integer', only: ['partial'],
      defaultText: numLayers === undefined ? 'half the layers' : String(Math.floor(numLayers / 2)), hint: 'the embeddings are always frozen',
    },
    // planParameters' default decay: the form shows it instead of an empty box that rejects empty input.
    { key: 'layerDecay', label: 'Layer-wise LR decay', kind: 'number', defaultText: '0.95', only: ['discriminative-lr'], hint: 'lr × decay^(layers − layer)' },
    {
      key: 'adapter', label: 'Train LoRA adapters instead of the weights', kind: 'checkbox', checkedValue: 'lora', defaultText: 'false', only: LORA_ADAPTER_STRATEGIES,
      hint: 'the layers this strategy trains get low-rank adapters; their weights stay frozen',
    },
    { key: 'loraRank', label: 'Rank (r)', kind: 'integer', defaultText: String(d.loraRank), lora: true },
    { key: 'loraAlpha', label: 'Alpha', kind: 'number', defaultText: String(d.loraAlpha), lora: true, hint: 'the adapter output is scaled by alpha / r' },
    { key: 'loraDropout', label: 'Adapter dropout', kind: 'number', defaultText: String(d.loraDropout), lora: true },
    { key: 'useRslora', label: 'rsLoRA scaling (alpha / √r)', kind: 'checkbox', checkedValue: 'true', defaultText: 'false', lora: true },
    {
      key: 'loraTargetModules', label: 'Target modules', kind: 'targets', lora: true,
      defaultText: ctx.family ? DEFAULT_TARGETS[ctx.family].join(', ') : 'the model family\'s default',
      hint: 'comma-separated names (a module whose name ends in one), or one regular expression over full names',
    },
    { key: 'loraModulesToSave', label: 'Extra modules to train fully', kind: 'names', defaultText: 'none (the head always trains)', lora: true, hint: 'comma-separated, e.g. pooler; saved with the adapter' },
    { key: 'mlmProbability', label: 'Masking probability', kind: 'number', defaultText: String(d.mlmProbability), only: ['mlm'] },
    { key: 'setfitIterations', label: 'Pair iterations', kind: 'integer', defaultText: String(d.setfitIterations), only: ['setfit'] },
    { key: 'setfitBodyEpochs', label: 'Body epochs (contrastive)', kind: 'integer', defaultText: '1', only: ['setfit'] },
    { key: 'setfitHead', label: 'Head', kind: 'choice', defaultText: SETFIT_DEFAULTS.head, choices: ['logistic', 'differentiable'], only: ['setfit'] },
    { key: 'setfitHeadEpochs', label: 'Head epochs (differentiable head)', kind: 'integer', defaultText: String(SETFIT_DEFAULTS.headEpochs), only: ['setfit'] },
    { key: 'setfitHeadC', label: 'Head C (logistic head)', kind: 'number', defaultText: String(SETFIT_DEFAULTS.headC), only: ['setfit'] },
  ];
}

export function fieldsFor(strategy: StrategyId, numLayers?: number, task: RunTask = 'classification', ctx: FieldContext = {}): FieldSpec[] {
  const lora = loraChosen(strategy, ctx.adapter);
  return fieldSpecs(numLayers, { ...ctx, lora }).filter((f) => (!f.only || f.only.includes(strategy)) && (!f.tasks || f.tasks.includes(task)) && (!f.lora || lora));
}

/** The task the run will train: the user's choice, else what the data file's shape says, else classification. */
export function taskOf(state: FormState, detectedTask?: RunTask): RunTask {
  return state.runTask || detectedTask || 'classification';
}

/** Token tasks read their files with their own loaders (tokens and tags, question and context): no column choices. */
export const showsColumns = (task: RunTask): boolean => task === 'classification';

/** Why a strategy cannot train `task`, or undefined when it can. */
export function strategyProblemFor(strategy: StrategyId, task: RunTask): string | undefined {
  if (task === 'classification') return undefined;
  const what = task === 'token-classification' ? 'token classification (NER)' : 'question answering';
  if (strategy === 'setfit') return `${SETFIT_TOKEN_TASKS} Choose another strategy for ${what}.`;
  if (strategy === 'mlm') return `Masked-LM pre-training reads unlabeled text; ${what} needs another strategy.`;
  return undefined;
}

/** A field's text as the value a config file would hold; text that is no number stays text so the error quotes it. */
function parseField(f: FieldSpec, text: string): unknown {
  const t = text.trim();
  if (f.kind === 'choice') return t;
  if (f.kind === 'checkbox') return f.checkedValue === 'true' ? t === 'true' : t;
  if (f.kind === 'names') return parseModuleList(t);
  if (f.kind === 'targets') return parseTargetModules(t);
  if (f.kind === 'boolean') return t === 'true' ? true : t === 'false' ? false : t;
  if (f.kind === 'epochOrSteps' && t === 'epoch') return t;
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** The message after "Invalid training settings:\n- " for one key (resolveArgs names every bad key on its own line). */
function problemOf(e: unknown, key: string): string {
  const lines = (e as Error).message.split('\n- ').slice(1);
  return lines.find((l) => l.startsWith(`"${key}"`)) ?? lines[0] ?? (e as Error).message;
}

export interface FormFacts {
  /** Encoder layers of the chosen model (for layer-index ranges); undefined before a model is chosen. */
  numLayers?: number;
  /** What the data layer detected for the chosen file. */
  detected?: ColumnMapping;
  columns?: readonly string[];
  /** The task the data file's shape says (data/taskShape.ts detectDataTask). */
  detectedTask?: RunTask;
  /** The chosen model's spec, the head the task trains and its parameters: LoRA targets are checked against them. */
  model?: LoraModel & { params: readonly ParamShape[] };
}

export interface FormResult {
  /** The run request, when nothing blocks it. */
  request?: { model: string; data: string; strategy: StrategyId; task?: RunTask; mapping: MappingOverride; settings: RunSettings };
  /** The task the request trains (taskOf). */
  task: RunTask;
  /** Problems by field key ('model', 'data', 'strategy', 'columns', 'configName' or a setting's key). */
  problems: Record<string, string>;
  /** The settings as they parse, valid or not, for the estimate of what can be estimated. */
  settings: Record<string, unknown>;
}

/** The mapping the run will use: the user's column and task choices over what was detected. */
export function mappingOf(state: FormState, detected?: ColumnMapping): MappingOverride {
  const c = state.columns;
  const mapping: MappingOverride = {};
  if (c.text) mapping.text = c.text;
  else if (detected) mapping.text = detected.text;
  if (c.textPair) mapping.textPair = c.textPair;
  else if (!c.text && detected?.textPair) mapping.textPair = detected.textPair;
  if (c.label === NO_LABEL) return { ...mapping, label: null };
  const label = c.label || detected?.label;
  if (label) mapping.label = label;
  else if (detected && !detected.label) return { ...mapping, label: null };
  if (detected?.split) mapping.split = detected.split;
  if (state.task === 'multi') {
    mapping.labelKind = 'multi';
    if (state.labelDelimiter) mapping.labelDelimiter = state.labelDelimiter;
  } else if (state.task === 'regression') mapping.labelKind = 'float';
  else if (state.task === 'single') mapping.labelKind = detected?.labelKind === 'int' ? 'int' : 'string';
  return mapping;
}

export function evaluateForm(state: FormState, facts: FormFacts = {}): FormResult {
  const problems: Record<string, string> = {};
  const settings: Record<string, unknown> = {};
  if (!state.model) problems.model = 'Choose a base model.';
  if (!state.data) problems.data = 'Choose a dataset.';
  if (!(state.strategy in STRATEGIES)) problems.strategy = `"strategy" must be one of ${Object.keys(STRATEGIES).join(', ')}, got ${JSON.stringify(state.strategy)}`;
  const task = taskOf(state, facts.detectedTask);
  const lora = loraChosen(state.strategy, state.values.adapter);
  const fields = fieldsFor(state.strategy, facts.numLayers, task, { adapter: state.values.adapter, family: facts.model?.spec.family });
  for (const f of fields) {
    const text = state.values[f.key] ?? '';
    if (text.trim() === '') continue;
    settings[f.key] = parseField(f, text);
  }
  // Each field on its own, so every bad field gets its own message (the checks are the CLI's, key by key).
  for (const f of fields) {
    if (!(f.key in settings)) continue;
    try {
      if (f.key.startsWith('setfit')) resolveSetFitSettings({ [f.key]: settings[f.key] });
      else resolveArgs({ [f.key]: settings[f.key] });
    } catch (e) {
      if (!(e instanceof SettingsError)) throw e;
      problems[f.key] = problemOf(e, f.key);
    }
  }
  // Ranges that depend on the model (layer indices), as the trainer checks them before a run folder exists.
  if (facts.numLayers !== undefined && !problems.freezeLayers && typeof settings.freezeLayers === 'number') {
    try {
      checkArgsForTask(resolveArgs({ freezeLayers: settings.freezeLayers }), { task: 'single-label', numLayers: facts.numLayers });
    } catch (e) {
      problems.freezeLayers = problemOf(e, 'freezeLayers');
    }
  }
  if (lora) {
    const syntax = problems.loraTargetModules ? undefined : targetSyntaxProblem(settings.loraTargetModules);
    if (syntax) problems.loraTargetModules = syntax;
    // Against the model's real Linear modules, as the trainer resolves them when the run starts.
    if (facts.model && !LORA_MODEL_KEYS.some((k) => problems[k])) Object.assign(problems, loraModelProblems(facts.model, state.strategy, settings));
    // The trainer's LoRA default, written out: the run's config then says the rate it trained at.
    if (!('learningRate' in settings)) settings.learningRate = LORA_LEARNING_RATE;
  }
  // Token tasks' loaders find their own fields (tokens / tags, question / context): no column mapping goes with them.
  const mapping = showsColumns(task) ? mappingOf(state, facts.detected) : {};
  const strategyProblem = strategyProblemFor(state.strategy, task);
  if (strategyProblem) problems.strategy = strategyProblem;
  else if (facts.detected && showsColumns(task)) {
    const unlabeled = mapping.label === null;
    if (unlabeled && state.strategy !== 'mlm') problems.strategy = 'Unlabeled text (no label column) trains only with continued pre-training (masked LM).';
    if (!unlabeled && state.strategy === 'mlm') problems.strategy = 'Masked-LM pre-training reads text only: set the label column to "(none)", or choose another strategy.';
    if (state.columns.text && state.columns.text === mapping.label) problems.columns = `The text column and the label column are both "${state.columns.text}".`;
  }
  if (state.configName && !/^[\w.-]+$/.test(state.configName)) problems.configName = 'Letters, digits, "-", "_" and "." only';
  const blocking = Object.keys(problems).filter((k) => k !== 'configName');
  const request = blocking.length === 0 && state.model && state.data
    ? { model: state.model, data: state.data, strategy: state.strategy, ...(state.runTask || facts.detectedTask ? { task } : {}), mapping, settings: settings as RunSettings }
    : undefined;
  return { request, problems, settings, task };
}

/** The settings minus those with a problem: the estimate still shows what the valid ones imply. */
export function validSettings(result: FormResult): Record<string, unknown> {
  return Object.fromEntries(Object.entries(result.settings).filter(([k]) => !result.problems[k]));
}

/** What in a dataset summary stops a run before it starts (not only at the end of a probe or after Start). */
export function datasetBlockers(summary: { labelDistribution: readonly { label: string; count: number }[]; labelKind?: string; rows: number; emptyText: number } | undefined, strategy: StrategyId, labelled: boolean): string[] {
  if (!summary) return [];
  const out: string[] = [];
  if (summary.rows === 0) out.push('The file has no data rows.');
  if (labelled && summary.labelKind !== 'float' && summary.labelKind !== 'multi' && summary.labelDistribution.length < 2 && summary.rows > 0) {
    const only = summary.labelDistribution[0];
    out.push(`Classification needs at least 2 classes; the label column has ${summary.labelDistribution.length}${only ? ` ("${only.label}", ${only.count} rows)` : ''}.`);
  }
  if (strategy === 'setfit' && labelled && summary.labelKind === 'float') out.push('SetFit classifies: a regression target (float labels) cannot train with it.');
  return out;
}
