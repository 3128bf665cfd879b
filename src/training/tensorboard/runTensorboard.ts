// A run's metrics.jsonl, mirrored as TensorBoard event files in <run>/tensorboard/, so `tensorboard --logdir` on the
// runs folder shows the curves the dashboard draws, live. metrics.jsonl stays the record: the event files are a
// function of it (scalarsOf below), written record by record as lines are appended, and rebuilt whole from it when it
// is rewritten (a resume cuts it back to its checkpoint) or when a process starts writing a run that already has some.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendRecords, encodeScalarEvent, fileHeader, listEventFiles, newEventFileName, type Scalar, type ScalarEvent } from './eventFile';
import { writeFileAtomic } from '../../util/atomicWrite';
import { withFsContext } from '../../util/fsErrors';

export const tensorboardDir = (runDir: string) => path.join(runDir, 'tensorboard');

/** A metrics.jsonl record as parsed from its line. */
export type MetricsRecord = Record<string, unknown>;

/** JSON's null is a non-finite number JSON could not hold (a diverged loss): NaN, a gap in TensorBoard as in the dashboard. */
const scalarValue = (v: unknown): number | undefined => (typeof v === 'number' ? v : v === null ? Number.NaN : undefined);

/** Tag-safe group names: "layer 3" becomes lr/layer_3. */
const groupTag = (name: string) => `lr/${name.replace(/\s+/g, '_')}`;

/**
 * Maps records to TensorBoard scalars with the tag names HF Trainer's TensorBoard callback uses: train/loss,
 * train/learning_rate, train/grad_norm, train/epoch, eval/<metric>, test/<metric>; plus train/samples_per_second (the
 * dashboard's throughput chart) and lr/<group> (its per-group LR chart: the scheduled lr times the multiplier of the
 * phase the step belongs to). Stateful because of that: lrGroups records hold the multipliers for the steps after them.
 */
export class ScalarMapper {
  private lrGroups: { step: number; groups: Record<string, unknown> }[] = [];

  map(r: MetricsRecord): ScalarEvent | undefined {
    const step = r.step;
    if (typeof step !== 'number') return undefined;
    const scalars: Scalar[] = [];
    const put = (tag: string, v: unknown) => {
      const value = scalarValue(v);
      if (value !== undefined) scalars.push({ tag, value });
    };
    const putAll = (prefix: string, metrics: unknown) => {
      if (typeof metrics === 'object' && metrics !== null) for (const [k, v] of Object.entries(metrics)) put(`${prefix}/${k}`, v);
    };
    switch (r.type) {
      case 'train': {
        put('train/loss', r.loss);
        put('train/learning_rate', r.lr);
        put('train/grad_norm', r.gradNorm);
        put('train/epoch', r.epoch);
        put('train/samples_per_second', r.samplesPerSecond);
        const lr = scalarValue(r.lr);
        // The dashboard's rule (webview/runMetrics.ts lrSeries): the phase logged last before the step, else the first.
        const phase = [...this.lrGroups].reverse().find((g) => g.step < step) ?? this.lrGroups[0];
        if (phase && lr !== undefined) for (const [name, m] of Object.entries(phase.groups)) if (typeof m === 'number') put(groupTag(name), lr * m);
        break;
      }
      case 'eval':
        putAll('eval', r.metrics);
        break;
      case 'test':
        putAll('test', r.metrics);
        break;
      case 'lrGroups':
        // A resumed run opens its phase again at its checkpoint's step: that entry replaces the ones from there on.
        if (typeof r.groups === 'object' && r.groups !== null) {
          this.lrGroups = this.lrGroups.filter((g) => g.step < step);
          this.lrGroups.push({ step, groups: r.groups as Record<string, unknown> });
        }
        return undefined;
      default:
        return undefined;
    }
    if (!scalars.length) return undefined;
    const t = typeof r.time === 'string' ? Date.parse(r.time) : Number.NaN;
    return { wallTime: Number.isFinite(t) ? t / 1000 : Date.now() / 1000, step, scalars };
  }
}

/** The scalar events a whole metrics.jsonl maps to, in its order: what the event files of the run must hold. */
export function scalarsOf(records: readonly MetricsRecord[]): ScalarEvent[] {
  const mapper = new ScalarMapper();
  return records.flatMap((r) => mapper.map(r) ?? []);
}

/** The records a trainer writes; the only ones that open the event files (see mirrorMetricsLine). */
const TRAINER_TYPES = new Set(['train', 'eval', 'test', 'lrGroups']);

/** The event file this process appends to, per run folder, and the mapper's state after what it holds. */
const writing = new Map<string, { file: string; mapper: ScalarMapper }>();

/**
 * The TensorBoard side of appendMetrics: `line` was just appended to the run's metrics.jsonl. The first trainer
 * record a process writes into a run folder rebuilds the event files from the whole metrics.jsonl (which already
 * ends with that line), so they hold exactly what it holds however earlier processes ended; later ones are appended.
 * Log lines before that (the extension noting a stopped trainer) never touch the files a trainer may be writing.
 */
export function mirrorMetricsLine(runDir: string, line: string, readAll: () => MetricsRecord[]): void {
  const record = JSON.parse(line) as MetricsRecord;
  const open = writing.get(path.resolve(runDir));
  if (!open) {
    if (TRAINER_TYPES.has(String(record.type))) rebuildTensorboard(runDir, readAll());
    return;
  }
  const event = open.mapper.map(record);
  if (event) appendRecords(open.file, encodeScalarEvent(event));
}

/**
 * Replaces the run's event files with one file holding the scalars of `records` (the whole metrics.jsonl), which
 * this process then appends to. The new file is staged outside tensorboard/ (TensorBoard takes any name containing
 * "tfevents" for an event file, a staging name included), renamed in, and only then are the old files removed: a
 * kill in between leaves the old files beside the new one, whose SessionLog START makes TensorBoard drop their points.
 */
export function rebuildTensorboard(runDir: string, records: readonly MetricsRecord[]): void {
  const dir = tensorboardDir(runDir);
  const key = path.resolve(runDir);
  const mapper = new ScalarMapper();
  const events = records.flatMap((r) => mapper.map(r) ?? []);
  const old = listEventFiles(dir);
  if (!events.length && !old.length) {
    // Nothing to show yet: no folder for runs that log no scalars; the next trainer record comes back here.
    writing.delete(key);
    return;
  }
  const name = newEventFileName(dir);
  const staged = path.join(runDir, `tensorboard-${process.pid}.tmp`);
  // The header carries the run's first time, not the rebuild's: TensorBoard's "relative" axis counts from it.
  writeFileAtomic(staged, [fileHeader(events[0]?.wallTime ?? Date.now() / 1000), ...events.map(encodeScalarEvent)]);
  const file = path.join(dir, name);
  withFsContext(file, 'moving the rebuilt TensorBoard event file into place', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(staged, file);
    for (const f of old) fs.rmSync(path.join(dir, f), { force: true });
  });
  writing.set(key, { file, mapper });
}
