// Bench aid (not part of the table): ORT's own profiler over a few train steps of a prepared configuration, summed by
// operator type, to show where a step's time goes (MatMul vs layout ops vs elementwise vs scatter).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrainingSession } from '../src/training/artifacts/session';
import { trainingSessionOptions } from '../src/training/worker/sessionOptions';
import { batchFeeds, readBatch } from './lib/batchFeeds';
import { args, emit, need } from './lib/stats';

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}

async function main(): Promise<void> {
  const a = args();
  const prefix = path.resolve(a.get('prefix') ?? '.bench-tmp/profile');
  fs.mkdirSync(path.dirname(prefix), { recursive: true });
  const session = await TrainingSession.open(need(a, 'artifacts'), {
    sessionOptions: { ...trainingSessionOptions('cpu', Number(a.get('threads') ?? 1)), enableProfiling: true, profileFilePrefix: prefix },
  });
  const feeds = batchFeeds(readBatch(need(a, 'batch')), true);
  const steps = Number(a.get('steps') ?? 2);
  for (let i = 0; i < steps + 1; i++) await session.trainStep(feeds, 1e-4);
  await session.release();
  const dir = path.dirname(prefix);
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(prefix)) && f.endsWith('.json')).map((f) => path.join(dir, f));
  const byOp = new Map<string, { us: number; count: number }>();
  let total = 0;
  for (const file of files) {
    for (const e of JSON.parse(fs.readFileSync(file, 'utf8')) as ProfileEvent[]) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const op = e.args?.op_name ?? '?';
      const node = e.name.slice(0, -'_kernel_time'.length);
      // --by-node: one row per node name (digits folded); --by-shape: per op type and first input's shape, which tells
      // a word-embedding pass (30522×256) from an FFN one (16×128×1024) from a bias (16×128×256).
      const shape = Object.values(e.args?.input_type_shape?.[0] ?? {})[0]?.join('×') ?? '';
      const group = a.get('by-node') === 'true' ? `${op} ${node.replace(/\d+/g, '#').slice(0, 60)}` : a.get('by-shape') === 'true' ? `${op} ${shape}` : op;
      const cur = byOp.get(group) ?? { us: 0, count: 0 };
      cur.us += e.dur;
      cur.count++;
      byOp.set(group, cur);
      total += e.dur;
    }
    fs.rmSync(file);
  }
  const ops = [...byOp].sort((x, y) => y[1].us - x[1].us).map(([op, v]) => ({ op, share: +(v.us / total).toFixed(4), msPerStep: +(v.us / 1000 / (steps + 1)).toFixed(2), nodesPerStep: v.count / (steps + 1) }));
  emit({ steps: steps + 1, kernelMsPerStep: total / 1000 / (steps + 1), ops });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
