// Measures the two ways of running a training step on the same artifacts — the fused train_step.onnx versus
// training_model.onnx + optimizer_model.onnx — interleaved so machine noise hits both alike. Used to make (and
// re-check) the choice documented in README.md; bench scripts can call it on any artifact folder.
import * as ort from 'onnxruntime-node';
import { Feeds, TrainingSession } from './session';

export interface StepModeTiming {
  mode: 'fused' | 'separate';
  /** Median milliseconds per optimizer step. */
  medianMs: number;
  /** Fastest step seen. */
  minMs: number;
}

export async function measureStepModes(dir: string, batch: Feeds, opts: { steps?: number; warmup?: number; sessionOptions?: ort.InferenceSession.SessionOptions } = {}): Promise<StepModeTiming[]> {
  const steps = opts.steps ?? 20;
  const warmup = opts.warmup ?? 3;
  const sessions = {
    fused: await TrainingSession.open(dir, { mode: 'fused', sessionOptions: opts.sessionOptions }),
    separate: await TrainingSession.open(dir, { mode: 'separate', sessionOptions: opts.sessionOptions }),
  };
  const times: Record<'fused' | 'separate', number[]> = { fused: [], separate: [] };
  for (let i = 0; i < warmup + steps; i++) {
    for (const mode of ['fused', 'separate'] as const) {
      const t0 = performance.now();
      await sessions[mode].trainStep(batch, 1e-5);
      if (i >= warmup) times[mode].push(performance.now() - t0);
    }
  }
  for (const s of Object.values(sessions)) await s.release();
  return (['fused', 'separate'] as const).map((mode) => {
    const sorted = [...times[mode]].sort((a, b) => a - b);
    return { mode, medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0] };
  });
}
