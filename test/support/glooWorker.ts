// One rank of a process-group test (test/unit/distributed/glooGroup.test.ts): opens a gloo group from the JSON
// config in argv[2], runs one scenario, and reports on stdout one JSON line per event
// ({event:'connected'|'started'|'result'|'error', ...}) so the test can time, kill and check each rank.
import { openGlooGroup, type GlooGroupOptions, type ProcessGroup } from '../../src/training/distributed/processGroup';

/** The group's options, and what to do with it. */
export interface WorkerConfig extends GlooGroupOptions {
  scenario: 'sums' | 'broadcast' | 'barrier' | 'buckets' | 'allreduce' | 'idle';
  /** Elements per allreduce buffer. */
  n?: number;
  /** 'allreduce': wait this long after connecting before starting it. */
  delayMs?: number;
}

const cfg = JSON.parse(process.argv[2]) as WorkerConfig;
const report = (event: string, data: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, rank: cfg.rank, ...data })}\n`);
};

// Rank r holds (i mod 4096)·(r+1) in float32 and i·(r+1) + 0.5 in float64: integers (and halves) small enough that
// every partial sum is exact in the type, so the expected sum is exact too.
const f32Value = (i: number, r: number): number => (i % 4096) * (r + 1);
const f64Value = (i: number, r: number): number => i * (r + 1) + 0.5;

function mismatches(buf: Float32Array | Float64Array, expected: (i: number) => number): number {
  let bad = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] !== expected(i)) bad++;
  return bad;
}

async function scenario(group: ProcessGroup): Promise<Record<string, unknown>> {
  const n = cfg.n ?? 1_000_000;
  const w = cfg.worldSize;
  const rankFactorSum = (w * (w + 1)) / 2;
  switch (cfg.scenario) {
    case 'sums': {
      const f32 = new Float32Array(n);
      const f64 = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        f32[i] = f32Value(i, cfg.rank);
        f64[i] = f64Value(i, cfg.rank);
      }
      const t0 = performance.now();
      await group.allreduceSum(f32);
      await group.allreduceSum(f64);
      const ms = performance.now() - t0;
      return {
        ms,
        f32Bad: mismatches(f32, (i) => (i % 4096) * rankFactorSum),
        f64Bad: mismatches(f64, (i) => i * rankFactorSum + 0.5 * w),
        f32Samples: [f32[0], f32[4097], f32[n - 1]],
        f64Samples: [f64[0], f64[12345], f64[n - 1]],
      };
    }
    case 'buckets': {
      // Four buffers queued without awaiting each: the addon runs them in issue order on its worker thread.
      const buckets = [1, 2, 3, 4].map((b) => new Float32Array(n / 4).fill(b * (cfg.rank + 1)));
      await Promise.all(buckets.map((b) => group.allreduceSum(b)));
      return { firsts: buckets.map((b) => b[0]), bad: buckets.map((b, k) => mismatches(b, () => (k + 1) * rankFactorSum)) };
    }
    case 'broadcast': {
      const root = w - 1;
      const buf = cfg.rank === root ? Float64Array.from([Math.PI, -2.5, 1e300, 7]) : new Float64Array(4);
      const f32 = cfg.rank === 0 ? Float32Array.from([0.25, 0.5]) : new Float32Array(2);
      await group.broadcast(buf, root);
      await group.broadcast(f32, 0);
      return { values: Array.from(buf), f32: Array.from(f32) };
    }
    case 'barrier': {
      // Rank r arrives 300·r ms late; nobody may leave before the last one arrived.
      await new Promise((r) => setTimeout(r, 300 * cfg.rank));
      const arrived = Date.now();
      await group.barrier();
      return { arrived, left: Date.now() };
    }
    case 'allreduce': {
      await new Promise((r) => setTimeout(r, cfg.delayMs ?? 0));
      report('started', { op: 'allreduce' });
      const t0 = performance.now();
      try {
        await group.allreduceSum(new Float32Array(n));
        return { ok: true };
      } catch (e) {
        return { rejected: (e as Error).message, ms: performance.now() - t0 };
      }
    }
    case 'idle':
      // Connected, then never takes part: the peer's op must time out or see this process killed.
      await new Promise((r) => setTimeout(r, 60_000));
      return {};
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  let group: ProcessGroup;
  try {
    group = await openGlooGroup(cfg);
  } catch (e) {
    report('error', { message: (e as Error).message, ms: performance.now() - t0 });
    return;
  }
  report('connected', { ms: performance.now() - t0, rankSeen: group.rank, worldSize: group.worldSize, transport: group.transport });
  const result = await scenario(group);
  group.close();
  report('result', result);
}

void main();
