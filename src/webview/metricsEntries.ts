// Parses metrics.jsonl lines into the protocol's typed entries. The dashboard must keep drawing while a run writes the
// file, so a bad line becomes a reported problem (file, line, why) instead of an exception that would blank the panel.
import type { MetricsEntry, PerClassRow, StopReason } from '../training/protocol';

export type ParseResult = { entry: MetricsEntry } | { problem: string } | { skip: true };

const isNum = (v: unknown): v is number => typeof v === 'number';

/** Non-finite values arrive as null in JSON (a diverged loss); they stay in the series as NaN gaps. */
const num = (v: unknown): number => (isNum(v) ? v : Number.NaN);

/** The confusion matrix's axis names when the entry has its own (NER: 'O' then the entity types). */
const names = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);

const STOP_REASONS: readonly StopReason[] = ['completed', 'cancelled', 'early-stopped'];

/** A metrics object: numbers (a null is a non-finite value JSON could not hold) by name; undefined if not an object. */
function numbers(v: unknown): Record<string, number> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (isNum(x) || x === null) out[k] = num(x);
  return out;
}

export function parseMetricsLine(line: string, where: string): ParseResult {
  if (!line.trim()) return { skip: true };
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { problem: `${where}: not valid JSON (${(e as Error).message})` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: `${where}: expected a JSON object` };
  const o = raw as Record<string, unknown>;
  const time = typeof o.time === 'string' ? o.time : undefined;
  switch (o.type) {
    case 'train': {
      if (!isNum(o.step)) return { problem: `${where}: train entry without a numeric "step"` };
      return {
        entry: {
          type: 'train',
          time,
          step: o.step,
          epoch: num(o.epoch),
          loss: num(o.loss),
          lr: num(o.lr),
          samplesPerSecond: num(o.samplesPerSecond),
          tokensPerSecond: num(o.tokensPerSecond),
          totalSteps: isNum(o.totalSteps) ? o.totalSteps : undefined,
          etaSeconds: isNum(o.etaSeconds) ? o.etaSeconds : undefined,
          gradNorm: isNum(o.gradNorm) ? o.gradNorm : undefined,
          phase: o.phase === 'body' || o.phase === 'head' ? o.phase : undefined,
        },
      };
    }
    case 'eval': {
      if (!isNum(o.step)) return { problem: `${where}: eval entry without a numeric "step"` };
      if (typeof o.metrics !== 'object' || o.metrics === null) return { problem: `${where}: eval entry without a "metrics" object` };
      const metrics = numbers(o.metrics) ?? {};
      const perClass = Array.isArray(o.perClass) ? (o.perClass as PerClassRow[]).filter((r) => r && typeof r.label === 'string') : undefined;
      const confusion = Array.isArray(o.confusion) && o.confusion.every((r) => Array.isArray(r)) ? (o.confusion as number[][]) : undefined;
      const confusionLabels = names(o.confusionLabels);
      return { entry: { type: 'eval', time, step: o.step, epoch: num(o.epoch), metrics, perClass, confusion, ...(confusionLabels ? { confusionLabels } : {}) } };
    }
    case 'test': {
      if (!isNum(o.step)) return { problem: `${where}: test entry without a numeric "step"` };
      if (typeof o.metrics !== 'object' || o.metrics === null) return { problem: `${where}: test entry without a "metrics" object` };
      const perClass = Array.isArray(o.perClass) ? (o.perClass as PerClassRow[]).filter((r) => r && typeof r.label === 'string') : undefined;
      const confusion = Array.isArray(o.confusion) && o.confusion.every((r) => Array.isArray(r)) ? (o.confusion as number[][]) : undefined;
      const confusionLabels = names(o.confusionLabels);
      return { entry: { type: 'test', time, step: o.step, examples: num(o.examples), metrics: numbers(o.metrics) ?? {}, perClass, confusion, ...(confusionLabels ? { confusionLabels } : {}) } };
    }
    case 'summary': {
      const pick = (k: string) => (isNum(o[k]) ? (o[k] as number) : undefined);
      return {
        entry: {
          type: 'summary',
          time,
          trainSeconds: pick('trainSeconds'),
          samplesPerSecond: pick('samplesPerSecond'),
          inferenceMsPerExample: pick('inferenceMsPerExample'),
          modelBytes: pick('modelBytes'),
          adapterBytes: pick('adapterBytes'),
          diskBytes: pick('diskBytes'),
          trainableParams: pick('trainableParams'),
          totalParams: pick('totalParams'),
          finalMetrics: numbers(o.finalMetrics),
          stopReason: STOP_REASONS.includes(o.stopReason as StopReason) ? (o.stopReason as StopReason) : undefined,
        },
      };
    }
    case 'lrGroups': {
      if (!isNum(o.step)) return { problem: `${where}: lrGroups entry without a numeric "step"` };
      const groups = numbers(o.groups);
      if (!groups) return { problem: `${where}: lrGroups entry without a "groups" object` };
      return { entry: { type: 'lrGroups', time, step: o.step, groups } };
    }
    case 'log': {
      if (typeof o.message !== 'string') return { problem: `${where}: log entry without a "message" string` };
      const level = o.level === 'warn' || o.level === 'error' ? o.level : 'info';
      return { entry: { type: 'log', time, level, message: o.message } };
    }
    default:
      // Other entry types (checkpoints, logs) may be added by the trainer; the dashboard does not draw them.
      return { skip: true };
  }
}

/** Parses a whole metrics.jsonl text; `file` names the file in problems. */
export function parseMetricsText(text: string, file: string, firstLine = 1): { entries: MetricsEntry[]; problems: string[] } {
  const entries: MetricsEntry[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const r = parseMetricsLine(line, `${file}:${firstLine + i}`);
    if ('entry' in r) entries.push(r.entry);
    else if ('problem' in r) problems.push(r.problem);
  });
  return { entries, problems };
}
