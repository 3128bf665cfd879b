// Bench: feature extraction with the encode-once cache (the trainer's FeatureCache) vs recomputing the frozen encoder
// every step, on real sentences and the 4L/256H bench model. Epoch 1 pays for encoding; epochs 2..n train the head only.
import * as path from 'node:path';
import { collate, planBatches } from '../src/data/batching';
import { generateArtifacts } from '../src/training/artifacts/generateArtifacts';
import { TrainingSession } from '../src/training/artifacts/session';
import { planParameters } from '../src/training/parameterGroups';
import { FeatureCache } from '../src/training/worker/featureCache';
import { inputFeeds, labelFeed } from '../src/training/worker/feeds';
import { benchData } from './lib/benchData';
import { args, clock, emit, median, need } from './lib/stats';

async function main(): Promise<void> {
  const a = args();
  const work = path.resolve(need(a, 'work'));
  const epochs = Number(a.get('epochs') ?? 3);
  const threads = Number(a.get('threads') ?? 2);
  const d = await benchData(work, a.get('config') ?? 'bert-4L-256H', Number(a.get('examples') ?? 256));
  const plan = planParameters([...d.weights.keys()], d.spec.numLayers, 'feature-extraction');
  const dir = path.join(work, 'artifacts');
  const manifest = generateArtifacts(d.forward, { trainable: plan.trainable, loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0.01 }, maxGradNorm: 1 }, dir);
  if (!manifest.frozenPrefix?.cacheable) throw new Error('feature extraction produced no cacheable frozen prefix: nothing to cache');
  const session = await TrainingSession.open(dir, { sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 } });
  const names = ['input_ids', 'attention_mask', 'token_type_ids'];
  const batches = planBatches(d.items.map((i) => i.ids.length), { batchSize: 16, seed: 1 });
  const labels = (idx: number[]) => labelFeed({ kind: 'cross-entropy' }, idx.map((i) => d.items[i].label), 2);
  // Warm both paths once (session first-run allocations), off the clock.
  await session.trainStep({ ...inputFeeds(collate(d.items, batches[0], { padId: d.padId }), names), labels: labels(batches[0]) }, 1e-3);
  const noCache = await clock(async () => {
    for (const idx of batches) await session.trainStep({ ...inputFeeds(collate(d.items, idx, { padId: d.padId }), names), labels: labels(idx) }, 1e-3);
  });
  let cache: FeatureCache | undefined;
  const headEpoch = async () => {
    for (const idx of batches) await session.trainStep({ ...cache!.feeds(idx), labels: labels(idx) }, 1e-3);
  };
  const encode = await clock(async () => {
    cache = await FeatureCache.build(session, d.items, names, d.padId);
  });
  const firstHead = await clock(headEpoch);
  const later: { seconds: number; cpuSeconds: number }[] = [];
  for (let e = 1; e < epochs; e++) later.push(await clock(headEpoch));
  await session.release();
  emit({
    examples: d.items.length, epochs, batches: batches.length, trainable: plan.trainable, frontier: manifest.frozenPrefix.outputs.map((o) => `${o.name} [${o.shape.join(', ')}]`),
    noCacheEpochSeconds: noCache.seconds, noCacheEpochCpuSeconds: noCache.cpuSeconds, encodeSeconds: encode.seconds,
    firstEpochSeconds: encode.seconds + firstHead.seconds, firstEpochCpuSeconds: encode.cpuSeconds + firstHead.cpuSeconds,
    cachedEpochSeconds: median(later.map((l) => l.seconds)), cachedEpochCpuSeconds: median(later.map((l) => l.cpuSeconds)), laterEpochs: later,
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
