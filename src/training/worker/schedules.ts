// Learning-rate schedules with Hugging Face transformers' exact formulas (transformers/optimization.py), so a run here
// and a run with HF Trainer use the same learning rate at every step. Each returns the multiplier of the base lr for
// the optimizer step `step` (0-based: the multiplier HF's LambdaLR applies before the (step+1)-th optimizer.step()).
export type ScheduleName = 'constant' | 'constant_with_warmup' | 'linear' | 'cosine' | 'cosine_with_restarts' | 'polynomial';

export const SCHEDULE_NAMES: readonly ScheduleName[] = ['constant', 'constant_with_warmup', 'linear', 'cosine', 'cosine_with_restarts', 'polynomial'];

export interface ScheduleOptions {
  name: ScheduleName;
  warmupSteps: number;
  totalSteps: number;
  /** cosine: 0.5 (half a wave, HF default); cosine_with_restarts: number of hard restarts (HF default 1). */
  numCycles?: number;
  /** polynomial: final lr (HF default 1e-7) and power (HF default 1.0). */
  lrEnd?: number;
  power?: number;
  baseLr: number;
}

export function lrMultiplier(step: number, o: ScheduleOptions): number {
  const { warmupSteps: w, totalSteps: t } = o;
  const warm = step < w ? step / Math.max(1, w) : undefined;
  switch (o.name) {
    case 'constant':
      return 1;
    case 'constant_with_warmup':
      return warm ?? 1;
    case 'linear':
      return warm ?? Math.max(0, (t - step) / Math.max(1, t - w));
    case 'cosine': {
      if (warm !== undefined) return warm;
      const progress = (step - w) / Math.max(1, t - w);
      const cycles = o.numCycles ?? 0.5;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
    }
    case 'cosine_with_restarts': {
      if (warm !== undefined) return warm;
      const progress = (step - w) / Math.max(1, t - w);
      if (progress >= 1) return 0;
      const cycles = o.numCycles ?? 1;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((cycles * progress) % 1))));
    }
    case 'polynomial': {
      if (warm !== undefined) return warm;
      const lrEnd = o.lrEnd ?? 1e-7;
      const power = o.power ?? 1;
      if (lrEnd > o.baseLr) throw new Error(`polynomial schedule: lr_end (${lrEnd}) must be smaller than the initial lr (${o.baseLr})`);
      if (step > t) return lrEnd / o.baseLr;
      const range = o.baseLr - lrEnd;
      const remaining = 1 - (step - w) / Math.max(1, t - w);
      return (range * remaining ** power + lrEnd) / o.baseLr;
    }
  }
}

export function learningRate(step: number, o: ScheduleOptions): number {
  return o.baseLr * lrMultiplier(step, o);
}

/** Warmup given as a ratio of total steps (HF `warmup_ratio`) or in steps (HF `warmup_steps`, which wins when > 0). */
export function resolveWarmupSteps(totalSteps: number, warmupSteps: number | undefined, warmupRatio: number | undefined): number {
  if (warmupSteps && warmupSteps > 0) return warmupSteps;
  return Math.ceil(totalSteps * (warmupRatio ?? 0));
}
