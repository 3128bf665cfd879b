// Bench: length bucketing (the data layer's planBatches bucket=true, dynamic padding) vs pad-to-max (every batch
// padded to 128 tokens) over the same real review sentences: padding tokens and the time of one epoch of full
// fine-tuning train steps with the engine (4L/256H bench model).
import * as path from 'node:path';
import { collate, paddingStats, planBatches } from '../src/data/batching';
import { generateArtifacts } from '../src/training/artifacts/generateArtifacts';
import { TrainingSession } from '../src/training/artifacts/session';
import { inputFeeds, labelFeed } from '../src/training/worker/feeds';
import { benchData } from './lib/benchData';
import { args, clock, emit, need } from './lib/stats';

async function main(): Promise<void> {
  const a = args();
  const work = path.resolve(need(a, 'work'));
  const threads = Number(a.get('threads') ?? 2);
  const maxLength = 128;
  const batchSize = 16;
  const config = a.get('config') ?? 'bert-4L-256H';
  const d = await benchData(work, config, Number(a.get('examples') ?? 256), maxLength);
  const dir = path.join(work, 'artifacts');
  generateArtifacts(d.forward, { trainable: [...d.weights.keys()], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0.01 }, maxGradNorm: 1 }, dir);
  const session = await TrainingSession.open(dir, { sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 } });
  const names = ['input_ids', 'attention_mask', 'token_type_ids'];
  const lengths = d.items.map((i) => i.ids.length);
  const epoch = async (bucket: boolean) => {
    const batches = planBatches(lengths, { batchSize, seed: 1, bucket }).map((idx) => collate(d.items, idx, { padId: d.padId, padTo: bucket ? undefined : maxLength }));
    const t = await clock(async () => {
      for (const b of batches) await session.trainStep({ ...inputFeeds(b, names), labels: labelFeed({ kind: 'cross-entropy' }, b.labels, 2) }, 1e-4);
    });
    return { ...paddingStats(batches), ...t };
  };
  // One warm-up step per shape family, off the clock.
  const warm = collate(d.items, [0, 1], { padId: d.padId, padTo: maxLength });
  await session.trainStep({ ...inputFeeds(warm, names), labels: labelFeed({ kind: 'cross-entropy' }, warm.labels, 2) }, 1e-4);
  const padToMax = await epoch(false);
  const bucketed = await epoch(true);
  await session.release();
  emit({ examples: d.items.length, batchSize, maxLength, model: config, meanLength: lengths.reduce((s, x) => s + x, 0) / lengths.length, padToMax, bucketed });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
