// Bench: the engine's train step (forward + backward + AdamW in one ORT run) on a prepared configuration.
// Prints step times (warm-up excluded), the loss curve (to show it trains) and this process's peak RSS.
import * as ort from 'onnxruntime-node';
import { TrainingSession } from '../src/training/artifacts/session';
import { batchFeeds, readBatch } from './lib/batchFeeds';
import { serve } from './lib/serve';
import { args, emit, median, need, peakRssMiB } from './lib/stats';

async function main(): Promise<void> {
  const a = args();
  const threads = Number(a.get('threads') ?? 0);
  const ep = a.get('ep') ?? 'cpu';
  const warmup = Number(a.get('warmup') ?? 2);
  const steps = Number(a.get('steps') ?? 5);
  const mode = (a.get('mode') ?? 'fused') as 'fused' | 'separate';
  const rssBefore = peakRssMiB();
  // Spinning worker threads burn the other engineers' cores on a shared machine and inflate CPU time; the arena keeps
  // freed activations for reuse (faster) but holds the peak. Both are measured, not assumed.
  const spin = a.get('spin') !== 'false';
  const arena = a.get('arena') !== 'false';
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [ep], intraOpNumThreads: threads, interOpNumThreads: 1, enableCpuMemArena: arena,
    extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
  };
  const t0 = performance.now();
  const session = await TrainingSession.open(need(a, 'artifacts'), { mode, sessionOptions });
  const openSeconds = (performance.now() - t0) / 1000;
  // Peak right after the sessions open (graph optimisation, initial weights) vs at the end (activations, gradients).
  const peakAfterOpenMiB = peakRssMiB();
  const feeds = batchFeeds(readBatch(need(a, 'batch')), true);
  if (a.get('serve') === 'true') {
    await serve(async () => ({ loss: (await session.trainStep(feeds, 1e-4)).loss }), { engine: 'ours', ep, threads, mode, spin, arena, openSeconds, peakAfterOpenMiB });
    await session.release();
    return;
  }
  const times: number[] = [];
  const cpu: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    const r = await session.trainStep(feeds, 1e-4);
    const dt = (performance.now() - s) / 1000;
    const used = process.cpuUsage(c);
    losses.push(r.loss);
    if (i >= warmup) {
      times.push(dt);
      cpu.push((used.user + used.system) / 1e6);
    }
  }
  await session.release();
  emit({ engine: 'ours', ep, threads, mode, spin, arena, openSeconds, stepSeconds: times, medianStepSeconds: median(times), cpuSeconds: cpu, medianCpuSeconds: median(cpu), losses, peakRssMiB: peakRssMiB(), rssBeforeSessionMiB: rssBefore, peakAfterOpenMiB, ort: ort.env.versions.common });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
