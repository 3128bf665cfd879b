// Bench: ORT's forward-only (inference) rate on the same model and batch, the yardstick the issue sets for the train
// step's FLOP rate (a train step should reach >= 50% of it).
import * as ort from 'onnxruntime-node';
import { batchFeeds, readBatch } from './lib/batchFeeds';
import { serve } from './lib/serve';
import { args, emit, median, need, timeRuns } from './lib/stats';

async function main(): Promise<void> {
  const a = args();
  const threads = Number(a.get('threads') ?? 0);
  const ep = a.get('ep') ?? 'cpu';
  const session = await ort.InferenceSession.create(need(a, 'model'), { executionProviders: [ep], intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 });
  const all = batchFeeds(readBatch(need(a, 'batch')), false);
  const feeds = Object.fromEntries(session.inputNames.map((n) => [n, all[n]]));
  if (a.get('serve') === 'true') {
    await serve(async () => {
      await session.run(feeds);
    }, { engine: 'ours-forward', ep, threads });
    await session.release();
    return;
  }
  const times = await timeRuns(() => session.run(feeds), Number(a.get('warmup') ?? 2), Number(a.get('reps') ?? 5));
  await session.release();
  emit({ engine: 'ours-forward', ep, threads, ...times, medianSeconds: median(times.seconds), medianCpuSeconds: median(times.cpuSeconds) });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
