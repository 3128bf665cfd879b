// A run configuration from command-line words: --config FILE.json merged with --model, --data, --strategy, --task and
// --set key=value. `train` and `cluster` read them the same way, so a configuration `cluster` accepts is one `train`
// accepts; only what the paths mean differs (this machine's for train, the cluster's for cluster).
import type { DeviceSetting } from '../onnx/device';
import { readRunConfigFile } from './configFile';
import { RUN_TASKS, type RunConfig, type RunTask } from './protocol';
import { STRATEGIES, type StrategyId } from './strategies';

/** The parseArgs options these words take. */
export const RUN_CONFIG_OPTIONS = {
  model: { type: 'string' }, data: { type: 'string' }, strategy: { type: 'string' }, task: { type: 'string' }, config: { type: 'string' },
  set: { type: 'string', multiple: true },
} as const;

export interface RunConfigArgs {
  model?: string;
  data?: string;
  strategy?: string;
  task?: string;
  config?: string;
  set?: string[];
}

/** A run configuration before its paths are placed: model and data unset mean the bundled sample. */
export type RunConfigParts = Omit<RunConfig, 'model' | 'data' | 'runsRoot' | 'device' | 'settings'> & {
  model?: string;
  data?: string;
  runsRoot?: string;
  device?: DeviceSetting;
  settings: Record<string, unknown>;
};

/** A --set value: JSON where it parses (numbers, true, objects), else the text itself. */
export function parseSetValue(key: string, v: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(v);
  } catch {
    return v;
  }
  // JSON.parse reads 1e999 as Infinity, which would later print as null: say what was written instead.
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`--set ${key}=${v}: ${v} is beyond the largest number a double holds (±1.8e308); give a finite number`);
  return value;
}

/**
 * The flags over the file: strategy and task checked, --set applied over the file's settings, and those over
 * `sampleSettings` when the bundled sample trains (a resume trains its own run's configuration: pass resuming).
 */
export function runConfigParts(values: RunConfigArgs, sampleSettings: Readonly<Record<string, unknown>>, resuming = false): RunConfigParts {
  const fromFile = values.config ? readRunConfigFile(values.config) : {};
  const bundledSample = !values.model && !values.data && !fromFile.model && !resuming;
  const settings: Record<string, unknown> = { ...(bundledSample ? sampleSettings : {}), ...(fromFile.settings ?? {}) };
  for (const kv of values.set ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--set expects key=value, got "${kv}"`);
    const key = kv.slice(0, eq);
    // Defined, not assigned: "--set __proto__=…" must reach the validation as a key, not set a prototype.
    Object.defineProperty(settings, key, { value: parseSetValue(key, kv.slice(eq + 1)), enumerable: true, writable: true, configurable: true });
  }
  const strategy = (values.strategy ?? fromFile.strategy ?? 'full') as StrategyId;
  if (!(strategy in STRATEGIES)) throw new Error(`--strategy must be one of ${Object.keys(STRATEGIES).join(', ')}; got "${strategy}"`);
  const task = values.task ?? fromFile.task;
  if (task !== undefined && !(RUN_TASKS as readonly string[]).includes(task)) throw new Error(`--task must be one of ${RUN_TASKS.join(', ')}; got "${task}"`);
  return {
    model: values.model ?? fromFile.model,
    data: values.data ?? fromFile.data,
    strategy,
    // Unset: the trainer reads the task off the data file's shape (CoNLL / token lists → NER, SQuAD → QA).
    ...(task ? { task: task as RunTask } : {}),
    runsRoot: fromFile.runsRoot,
    // Typed at this boundary, checked where the run starts: chooseDevice and resolveArgs name any bad value.
    device: fromFile.device,
    settings,
    // The column mapping (e.g. labelKind "multi" + labelDelimiter) and data limits the data layer's messages point to.
    ...(fromFile.mapping ? { mapping: fromFile.mapping } : {}),
    ...(fromFile.dataLimits ? { dataLimits: fromFile.dataLimits } : {}),
    ...(fromFile.labelNames ? { labelNames: fromFile.labelNames } : {}),
  };
}
