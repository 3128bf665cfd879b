// The "New fine-tune" form's logic, without any UI: the fields the form shows (with the tutorial's defaults), what the
// user typed → the run request the quick-pick flow would build, and each field's problem in the same words as the
// CLI and config-file errors (hyperparameters.ts settingProblem, SetFit's settings). Pure, so it is unit-tested.
import type { ColumnMapping, MappingOverride } from '../data/schema';
import { DEFAULT_ARGS, checkArgsForTask, resolveArgs, SettingsError } from '../training/hyperparameters';
import type { RunSettings } from '../training/protocol';
import { SETFIT_DEFAULTS, resolveSetFitSettings } from '../training/setfit/settings';
import { STRATEGIES, type StrategyId } from '../training/strategies';
import { SCHEDULE_NAMES } from '../training/worker/schedules';
import { NO_LABEL, type TaskChoice } from './formChoices';

export { NO_LABEL, type TaskChoice };

/** Everything the user entered; kept in the webview state and the workspace state, so closing loses nothing. */
export interface FormState {
  model?: string;
  data?: string;
  /** Column choices; '' = as detected; label NO_LABEL = unlabeled text (masked LM). */
  columns: { text: string; textPair: string; label: string };
  task: TaskChoice;
  /** Multi-label stored as one delimited string ("Rock;Pop"): the delimiter. */
  labelDelimiter: string;
  strategy: StrategyId;
  /** The text of each hyperparameter field as typed; '' = the default. */
  values: Record<string, string>;
  /** Name for Save configuration (.finetune/configs/<name>.json). */
  configName: string;
}

export function emptyFormState(preset: { model?: string; data?: string } = {}): FormState {
  return { ...preset, columns: { text: '', textPair: '', label: '' }, task: 'auto', labelDelimiter: '', strategy: 'full', values: {}, configName: '' };
}

export type FieldKind = 'number' | 'integer' | 'choice' | 'boolean' | 'epochOrSteps';

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  /** Shown as the placeholder; what an empty field means. */
  defaultText: string;
  choices?: readonly string[];
  /** Strategies the field applies to (all when absent). */
  only?: readonly StrategyId[];
  hint?: string;
}

const d = DEFAULT_ARGS;
const NOT_SETFIT: StrategyId[] = ['feature-extraction', 'full', 'partial', 'gradual-unfreezing', 'discriminative-lr', 'mlm'];

/** The hyperparameters in the order the form shows them. Strategy knobs come with the defaults the trainer uses. */
export function fieldSpecs(numLayers?: number): FieldSpec[] {
  return [
    { key: 'learningRate', label: 'Learning rate', kind: 'number', defaultText: String(d.learningRate) },
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
    { key: 'labelSmoothing', label: 'Label smoothing', kind: 'number', defaultText: String(d.labelSmoothing), only: NOT_SETFIT },
    { key: 'classWeights', label: 'Class weights', kind: 'choice', defaultText: 'none', choices: ['none', 'balanced'] },
    { key: 'evalEvery', label: 'Evaluate every ("epoch" or steps)', kind: 'epochOrSteps', defaultText: String(d.evalEvery), only: NOT_SETFIT },
    { key: 'saveTotalLimit', label: 'Checkpoints kept (+ the best)', kind: 'integer', defaultText: String(d.saveTotalLimit) },
    { key: 'seed', label: 'Seed', kind: 'integer', defaultText: String(d.seed) },
    {
      key: 'freezeLayers', label: 'Bottom layers to freeze', kind: 'integer', only: ['partial'],
      defaultText: numLayers === undefined ? 'half the layers' : String(Math.floor(numLayers / 2)), hint: 'the embeddings are always frozen',
    },
    // planParameters' default decay: the form shows it instead of an empty box that rejects empty input.
    { key: 'layerDecay', label: 'Layer-wise LR decay', kind: 'number', defaultText: '0.95', only: ['discriminative-lr'], hint: 'lr × decay^(layers − layer)' },
    { key: 'mlmProbability', label: 'Masking probability', kind: 'number', defaultText: String(d.mlmProbability), only: ['mlm'] },
    { key: 'setfitIterations', label: 'Pair iterations', kind: 'integer', defaultText: String(d.setfitIterations), only: ['setfit'] },
    { key: 'setfitBodyEpochs', label: 'Body epochs (contrastive)', kind: 'integer', defaultText: '1', only: ['setfit'] },
    { key: 'setfitHead', label: 'Head', kind: 'choice', defaultText: SETFIT_DEFAULTS.head, choices: ['logistic', 'differentiable'], only: ['setfit'] },
    { key: 'setfitHeadEpochs', label: 'Head epochs (differentiable head)', kind: 'integer', defaultText: String(SETFIT_DEFAULTS.headEpochs), only: ['setfit'] },
    { key: 'setfitHeadC', label: 'Head C (logistic head)', kind: 'number', defaultText: String(SETFIT_DEFAULTS.headC), only: ['setfit'] },
  ];
}

export const fieldsFor = (strategy: StrategyId, numLayers?: number): FieldSpec[] => fieldSpecs(numLayers).filter((f) => !f.only || f.only.includes(strategy));

/** A field's text as the value a config file would hold; text that is no number stays text so the error quotes it. */
function parseField(f: FieldSpec, text: string): unknown {
  const t = text.trim();
  if (f.kind === 'choice') return t;
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
}

export interface FormResult {
  /** The run request, when nothing blocks it. */
  request?: { model: string; data: string; strategy: StrategyId; mapping: MappingOverride; settings: RunSettings };
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
  const fields = fieldsFor(state.strategy, facts.numLayers);
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
  const mapping = mappingOf(state, facts.detected);
  if (facts.detected) {
    const unlabeled = mapping.label === null;
    if (unlabeled && state.strategy !== 'mlm') problems.strategy = 'Unlabeled text (no label column) trains only with continued pre-training (masked LM).';
    if (!unlabeled && state.strategy === 'mlm') problems.strategy = 'Masked-LM pre-training reads text only: set the label column to "(none)", or choose another strategy.';
    if (state.columns.text && state.columns.text === mapping.label) problems.columns = `The text column and the label column are both "${state.columns.text}".`;
  }
  if (state.configName && !/^[\w.-]+$/.test(state.configName)) problems.configName = 'Letters, digits, "-", "_" and "." only';
  const blocking = Object.keys(problems).filter((k) => k !== 'configName');
  const request = blocking.length === 0 && state.model && state.data
    ? { model: state.model, data: state.data, strategy: state.strategy, mapping, settings: settings as RunSettings }
    : undefined;
  return { request, problems, settings };
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
