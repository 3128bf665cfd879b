// One training phase of a SetFit run (the contrastive body phase, or the differentiable head phase): epochs of
// batches through a TrainingSession with the HF learning-rate schedule, logging train entries the way the trainer
// does (metrics.jsonl + progress messages), and stopping at once when the run is cancelled.
import type { TrainingSession } from '../artifacts/session';
import { appendMetrics } from '../runStore';
import type { TrainingHooks } from '../trainer';
import { dropoutSeedFeed } from '../worker/dropoutSeeds';
import { waitWhilePaused } from '../worker/pauseGate';
import { learningRate, type ScheduleOptions } from '../worker/schedules';
import type { Feeds } from '../worker/feeds';
import { assertFiniteLoss } from '../lossCheck';

export interface PhaseBatch {
  feeds: Feeds;
  /** Examples (sentences) in the batch and their non-padding tokens, for throughput. */
  sentences: number;
  realTokens: number;
}

export interface PhaseOptions {
  /** Logged with each train entry: the contrastive body phase or the classification head phase. */
  phase: 'body' | 'head';
  session: TrainingSession;
  runDir: string;
  hooks: TrainingHooks;
  /** The run seed: with the step and the batch it seeds each step's Dropout masks (dropoutSeeds.ts). */
  seed: number;
  epochs: number;
  /** The batches of an epoch (recomputed per epoch so each epoch may reshuffle). */
  batches(epoch: number): PhaseBatch[];
  schedule: ScheduleOptions;
  /** Optimizer steps done before this phase: logged steps continue the run's count. */
  stepOffset: number;
  totalSteps: number;
  /** Epoch number logged for the phase's first epoch. */
  epochOffset: number;
  loggingSteps: number;
  /** Called at the end of each epoch (evaluation). */
  afterEpoch?(epoch: number, step: number): Promise<void>;
}

export interface PhaseResult {
  cancelled: boolean;
  steps: number;
  seconds: number;
  samples: number;
  lastLoss: number;
}

export async function trainPhase(o: PhaseOptions): Promise<PhaseResult> {
  const result: PhaseResult = { cancelled: false, steps: 0, seconds: 0, samples: 0, lastLoss: NaN };
  let windowStart = performance.now();
  let windowSamples = 0;
  let windowTokens = 0;
  let lossSum = 0;
  let lossCount = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const batches = o.batches(epoch);
    for (let i = 0; i < batches.length; i++) {
      windowStart += await waitWhilePaused(o.hooks, o.stepOffset + result.steps);
      if (o.hooks.isCancelled()) return { ...result, cancelled: true };
      const t0 = performance.now();
      const lr = learningRate(result.steps, o.schedule);
      const r = await o.session.trainStep({ ...batches[i].feeds, ...dropoutSeedFeed(o.seed, o.stepOffset + result.steps, i) }, lr);
      assertFiniteLoss(r.loss, { step: o.stepOffset + result.steps + 1, lr, updatesSoFar: o.stepOffset + result.steps });
      result.seconds += (performance.now() - t0) / 1000;
      result.steps++;
      result.samples += batches[i].sentences;
      result.lastLoss = r.loss;
      windowSamples += batches[i].sentences;
      windowTokens += batches[i].realTokens;
      lossSum += r.loss;
      lossCount++;
      const step = o.stepOffset + result.steps;
      const last = i === batches.length - 1;
      if (step % o.loggingSteps === 0 || last) {
        const seconds = Math.max((performance.now() - windowStart) / 1000, 1e-9);
        const sps = windowSamples / seconds;
        const entry = {
          step, totalSteps: o.totalSteps, epoch: o.epochOffset + epoch + (i + 1) / batches.length, loss: lossSum / lossCount, lr, gradNorm: r.gradNorm,
          samplesPerSecond: sps, tokensPerSecond: windowTokens / seconds, etaSeconds: ((o.totalSteps - step) * (windowSamples / lossCount)) / Math.max(sps, 1e-9),
        };
        appendMetrics(o.runDir, { type: 'train', phase: o.phase, ...entry });
        o.hooks.emit({ type: 'progress', ...entry });
        windowStart = performance.now();
        windowSamples = windowTokens = lossSum = lossCount = 0;
      }
    }
    await o.afterEpoch?.(epoch, o.stepOffset + result.steps);
    windowStart = performance.now();
  }
  return result;
}
