// Bench: the engine's train step (forward + backward + AdamW in one ORT run) on a prepared configuration.
// Prints step times (warm-up excluded), the loss curve (to show it trains) and this process's peak RSS.
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { collectGarbage } from '../src/util/collectGarbage';
import { FILES } from '../src/training/artifacts/generateArtifacts';
import { TrainingSession } from '../src/training/artifacts/session';
import type { ExecutionProvider } from '../src/onnx/device';
import { dropoutSeedFeed } from '../src/training/worker/dropoutSeeds';
import { chooseCpuThreads, trainingSessionOptions, type ThreadChoice } from '../src/training/worker/sessionOptions';
import { batchFeeds, readBatch } from './lib/batchFeeds';
import { serve } from './lib/serve';
import { args, emit, median, need, peakRssMiB } from './lib/stats';

/** The trainer's thread choice (runTraining): time the eval graph's forward on this batch at each candidate count. */
async function autoThreads(artifacts: string, mode: 'fused' | 'separate', feeds: Record<string, ort.Tensor>): Promise<ThreadChoice> {
  const probe = await TrainingSession.open(artifacts, { mode, sessionOptions: trainingSessionOptions('cpu') });
  const evalFile = path.join(artifacts, FILES.eval);
  try {
    return await chooseCpuThreads(ort, evalFile, { ...feeds, ...(await probe.features(feeds)), ...Object.fromEntries(probe.params) });
  } finally {
    await probe.release();
  }
}

async function main(): Promise<void> {
  const a = args();
  const ep = (a.get('ep') ?? 'cpu') as ExecutionProvider;
  const warmup = Number(a.get('warmup') ?? 2);
  const steps = Number(a.get('steps') ?? 5);
  const mode = (a.get('mode') ?? 'fused') as 'fused' | 'separate';
  const rssBefore = peakRssMiB();
  const artifacts = need(a, 'artifacts');
  const feeds = batchFeeds(readBatch(need(a, 'batch')), true);
  // Artifacts prepared with dropout read their masks' seed with the batch (one seed for every step: timing only).
  const stepFeeds = { ...feeds, ...dropoutSeedFeed(0, 0, 0) };
  // The trainer's own options (src/training/worker/sessionOptions.ts) unless a flag asks for ORT's former defaults, so
  // each of the trainer's choices can be measured against the alternative in the same turns.
  let threads = a.get('threads') ?? 'auto';
  let threadReason = '';
  if (threads === 'auto') {
    if (ep !== 'cpu') threads = '0';
    else {
      const choice = await autoThreads(artifacts, mode, feeds);
      // The probe session's weights and optimizer state are garbage now: collect them before the run's peak is measured.
      collectGarbage();
      threads = String(choice.threads);
      threadReason = choice.reason;
    }
  }
  const spin = a.get('spin') === 'true';
  const arena = a.get('arena') !== 'false';
  const memPattern = a.get('mempattern') === 'true';
  const base = trainingSessionOptions(ep, Number(threads));
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    ...base, enableCpuMemArena: arena, enableMemPattern: memPattern,
    extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
  };
  const t0 = performance.now();
  // WebGPU keeps weights and optimizer state in GPU buffers unless --resident false (to measure what that saves).
  const resident = a.get('resident') === undefined ? undefined : a.get('resident') === 'true';
  const session = await TrainingSession.open(artifacts, { mode, sessionOptions, deviceResident: resident });
  const openSeconds = (performance.now() - t0) / 1000;
  // Peak right after the sessions open (graph optimisation, initial weights) vs at the end (activations, gradients).
  const peakAfterOpenMiB = peakRssMiB();
  if (a.get('serve') === 'true') {
    await serve(async () => ({ loss: (await session.trainStep(stepFeeds, 1e-4)).loss }), { engine: 'ours', ep, threads: Number(threads), threadReason, mode, spin, arena, memPattern, deviceResident: session.deviceResident, openSeconds, peakAfterOpenMiB });
    await session.release();
    return;
  }
  // --steps-per-run K: K optimizer steps per onnxruntime run (TrainingSession.trainSteps, an ONNX Loop); the times
  // below are then per step (run time / K), to compare with K = 1 on CUDA, where weights otherwise cross the bus
  // every step.
  const perRun = Number(a.get('steps-per-run') ?? 1);
  const times: number[] = [];
  const cpu: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    if (perRun > 1) losses.push(...(await session.trainSteps(Array.from({ length: perRun }, () => stepFeeds), Array(perRun).fill(1e-4))).map((r) => r.loss));
    else losses.push((await session.trainStep(stepFeeds, 1e-4)).loss);
    const dt = (performance.now() - s) / 1000 / perRun;
    const used = process.cpuUsage(c);
    if (i >= warmup) {
      times.push(dt);
      cpu.push((used.user + used.system) / 1e6 / perRun);
    }
  }
  await session.release();
  emit({ engine: 'ours', ep, threads: Number(threads), threadReason, mode, spin, arena, memPattern, deviceResident: session.deviceResident, stepsPerRun: perRun, openSeconds, stepSeconds: times, medianStepSeconds: median(times), cpuSeconds: cpu, medianCpuSeconds: median(cpu), losses, peakRssMiB: peakRssMiB(), rssBeforeSessionMiB: rssBefore, peakAfterOpenMiB, ort: ort.env.versions.common });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
