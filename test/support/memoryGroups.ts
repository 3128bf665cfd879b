// N process groups inside one process, for testing what runs on top of a ProcessGroup (bucketing, rank agreement)
// without processes or sockets: each collective completes once every rank has called it, in the same order, as gloo's
// do. The real groups (the gloo addon across processes) are tested in glooGroup.test.ts.
import type { ProcessGroup } from '../../src/training/distributed/processGroup';

type Buf = Float32Array | Float64Array;

export function memoryGroups(worldSize: number): ProcessGroup[] {
  const pending = new Map<number, { kind: string; bufs: Buf[]; roots: number[]; done: (() => void)[] }>();
  const counters = new Array<number>(worldSize).fill(0);
  const collective = (rank: number, kind: string, buf: Buf | undefined, root: number): Promise<void> => {
    const seq = counters[rank]++;
    let op = pending.get(seq);
    if (!op) pending.set(seq, (op = { kind, bufs: [], roots: [], done: [] }));
    if (op.kind !== kind) return Promise.reject(new Error(`rank ${rank} called ${kind} where another rank called ${op.kind} (collective ${seq})`));
    return new Promise((resolve, reject) => {
      const o = op!;
      if (buf) {
        if (o.bufs.length && o.bufs[0].length !== buf.length) return reject(new Error(`rank ${rank}: ${kind} of ${buf.length} values, another rank gave ${o.bufs[0].length}`));
        o.bufs[rank] = buf;
      }
      o.roots.push(root);
      o.done.push(resolve);
      if (o.done.length < worldSize) return;
      pending.delete(seq);
      if (kind === 'allreduce') {
        const sum = new Float64Array(o.bufs[0].length);
        for (const b of o.bufs) for (let i = 0; i < b.length; i++) sum[i] += b[i];
        for (const b of o.bufs) b.set(sum);
      } else if (kind === 'broadcast') {
        for (const b of o.bufs) b.set(o.bufs[root]);
      }
      // Completion on a later turn, as the addon's worker-thread callbacks arrive.
      setImmediate(() => o.done.forEach((d) => d()));
    });
  };
  return Array.from({ length: worldSize }, (_, rank): ProcessGroup => ({
    rank, worldSize, backend: 'gloo', transport: 'in-process (test)',
    allreduceSum: (buf) => collective(rank, 'allreduce', buf, 0),
    broadcast: (buf, root) => collective(rank, 'broadcast', buf, root),
    barrier: () => collective(rank, 'barrier', undefined, 0),
    close: () => undefined,
  }));
}
