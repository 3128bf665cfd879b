// A run configuration file (the CLI's --config, a saved .finetune/configs/<name>.json): read, parsed and shape-checked
// with errors that name the file, the line and column, and the fix. Setting values are resolveArgs' to check.
import * as fs from 'node:fs';
import { closestNames } from '../util/closestNames';
import { withFsContext } from '../util/fsErrors';
import { findJsonSyntaxProblem, lineColumn } from '../util/jsonSyntax';
import { RUN_TASKS, type RunConfig } from './protocol';

export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

const STRING_KEYS = ['model', 'data', 'strategy', 'task', 'runsRoot', 'device'] as const;
const OBJECT_KEYS = ['mapping', 'settings'] as const;
const KNOWN_KEYS: readonly string[] = [...STRING_KEYS, ...OBJECT_KEYS, 'labelNames'];

/**
 * Number literals outside strings whose value overflows a double: JSON.parse turns 1e999 into Infinity, which later
 * prints as "null". Found in the text so the message can quote what was written and where.
 */
function overflowingNumber(text: string): { literal: string; offset: number } | undefined {
  const token = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  for (let m; (m = token.exec(text)); ) {
    if (m[0].startsWith('"')) continue;
    if (!Number.isFinite(Number(m[0]))) return { literal: m[0], offset: m.index };
  }
  return undefined;
}

/** Parses JSON text; a syntax error becomes "<file>:<line>:<column>: not valid JSON: expected …". */
function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const empty = text.trim() === '';
    const problem = (empty ? undefined : findJsonSyntaxProblem(text)) ?? { offset: 0, reason: empty ? 'the file is empty' : (e as Error).message };
    const { line, column } = lineColumn(text, problem.offset);
    const what = problem.reason;
    throw new ConfigFileError(`${file}:${line}:${column}: not valid JSON: ${what}. Fix the file (a JSON object such as {"model": "…", "settings": {"epochs": 3}}).`);
  }
}

/** Reads and checks a run configuration file: a JSON object of RunConfig's keys with the right types. */
export function readRunConfigFile(file: string): Partial<RunConfig> {
  const text = withFsContext(file, 'reading the configuration', () => fs.readFileSync(file, 'utf8'));
  const value = parseJsonFile(text, file);
  const big = overflowingNumber(text);
  if (big) {
    const { line, column } = lineColumn(text, big.offset);
    throw new ConfigFileError(`${file}:${line}:${column}: the number ${big.literal} is beyond the largest a double holds (±1.8e308; JSON would read it as Infinity); give a finite number.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigFileError(`${file}: a run configuration must be a JSON object such as {"model": "…", "data": "…", "settings": {…}}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}.`);
  }
  const config = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(config)) {
    if (KNOWN_KEYS.includes(key)) continue;
    const near = closestNames(key, KNOWN_KEYS, 1);
    problems.push(`unknown key "${key}"${near.length ? ` (did you mean "${near[0]}"?)` : ''}; known keys: ${KNOWN_KEYS.join(', ')}`);
  }
  for (const key of STRING_KEYS) {
    if (config[key] !== undefined && typeof config[key] !== 'string') problems.push(`"${key}" must be a string, got ${JSON.stringify(config[key])}`);
  }
  if (typeof config.task === 'string' && !(RUN_TASKS as readonly string[]).includes(config.task)) {
    problems.push(`"task" must be one of ${RUN_TASKS.join(', ')}, got ${JSON.stringify(config.task)}`);
  }
  const names = config.labelNames;
  if (names !== undefined && !(Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string' && n !== ''))) {
    problems.push(`"labelNames" must be a list of tag names in id order (e.g. ["O", "B-PER", "I-PER"]), got ${JSON.stringify(names)}`);
  }
  for (const key of OBJECT_KEYS) {
    const v = config[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) problems.push(`"${key}" must be an object, got ${JSON.stringify(v)}`);
  }
  if (problems.length) throw new ConfigFileError(`${file}: invalid run configuration:\n- ${problems.join('\n- ')}`);
  return config as Partial<RunConfig>;
}
