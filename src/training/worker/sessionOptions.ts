// onnxruntime session options for training, each setting measured (BENCHMARKS.md, `npm run bench`), not assumed.
import * as os from 'node:os';
import type * as ortTypes from 'onnxruntime-node';

import type { ExecutionProvider } from '../../onnx/device';

/**
 * Options for every session of a training run (train step, eval, frozen prefix).
 * - allow_spinning off: ORT's pool threads otherwise busy-wait between kernels, burning the core the editor (or the
 *   other half of the step) needs; measured 1.15× faster wall and 1.18× less CPU per step on an idle 2-core machine.
 * - memory pattern off: with it ORT pre-plans one block per input shape on top of the arena it already grew on the first
 *   run; turning it off cut the peak RSS of a 4L/256H train step from 909 to 647 MiB (6L/384H: 1,867 → 1,237) at the
 *   same speed.
 * - one inter-op thread: the graphs run sequentially; parallel branches are too small to pay for a second pool.
 */
export function trainingSessionOptions(ep: ExecutionProvider, threads?: number, cudaDevice?: number): ortTypes.InferenceSession.SessionOptions {
  return {
    // A data-parallel rank names its GPU (launchEnv.ts's cudaDeviceFor); otherwise the provider's default, device 0.
    executionProviders: [ep === 'cuda' && cudaDevice !== undefined ? { name: 'cuda', deviceId: cudaDevice } : ep],
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
    interOpNumThreads: 1,
    ...(threads && threads > 0 ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export interface ThreadChoice {
  threads: number;
  /** Seconds of the best timed forward pass per thread count tried, in the order tried. */
  timings: Array<{ threads: number; seconds: number }>;
  /** Wall seconds the probe itself took (sessions opened, warm-ups, timed rounds). */
  probeSeconds: number;
  /** One line for the run log. */
  reason: string;
}

/** Thread counts worth timing on a machine with `cores` logical cores: all, half, one. */
export function threadCandidates(cores: number): number[] {
  return [...new Set([Math.max(1, cores), Math.max(1, Math.ceil(cores / 2)), 1])];
}

/** How much of a run the probe may cost: `fraction` of what the run is expected to take, given one forward pass. */
export interface ProbeBudget {
  fraction: number;
  /** The run's expected seconds when one forward pass of the first batch takes `forwardSeconds`. */
  runSeconds: (forwardSeconds: number) => number;
}

/**
 * Picks the intra-op thread count by timing the same forward pass at each candidate count: every candidate's session
 * is opened and warmed up first, then up to three rounds run each candidate once in turn, and each keeps its best
 * time, so a burst of load elsewhere hits all candidates alike. On a busy or small machine more threads are often
 * slower (one thread was 1.34–1.56× faster than two on a loaded 2-core VM; on the same VM idle, two were 1.6×
 * faster), so no fixed default is right. A larger count must win by 5 %: fewer threads leave cores to the editor.
 *
 * With a `budget` the probe first times the first candidate alone, estimates what the others would cost (each as
 * slow as its share of the cores, opening included) and runs only as many rounds as fit in the budget — none for a
 * short run, which then keeps all cores untimed: a 10-step bert-base run spent ~35 s probing before step 1.
 */
export async function chooseThreads(
  candidates: number[],
  open: (threads: number) => Promise<ortTypes.InferenceSession>,
  feeds: ortTypes.InferenceSession.FeedsType,
  { rounds = 3, clock = () => performance.now() / 1000, budget }: { rounds?: number; clock?: () => number; budget?: ProbeBudget } = {},
): Promise<ThreadChoice> {
  const sessions: ortTypes.InferenceSession[] = [];
  const started = clock();
  try {
    const best = candidates.map(() => Infinity);
    const first = await open(candidates[0]);
    sessions.push(first);
    await first.run(feeds);
    const t0 = clock();
    await first.run(feeds);
    best[0] = clock() - t0;
    const setup = t0 - started;
    let plannedRounds = rounds;
    if (budget && candidates.length > 1) {
      const allowed = budget.fraction * budget.runSeconds(best[0]);
      const slow = candidates.slice(1).map((k) => candidates[0] / k);
      const cost = (r: number) => clock() - started + (r - 1) * best[0] + slow.reduce((sum, s) => sum + s * (setup + r * best[0]), 0);
      while (plannedRounds > 0 && cost(plannedRounds) > allowed) plannedRounds--;
      if (plannedRounds === 0) {
        const probeSeconds = clock() - started;
        return {
          threads: candidates[0], timings: [{ threads: candidates[0], seconds: best[0] }], probeSeconds,
          reason: `${candidates[0]} CPU thread${candidates[0] === 1 ? '' : 's'} (all cores), not timed against ${candidates.slice(1).join(' and ')}: that would take about ${cost(1).toFixed(1)} s, ` +
            `more than ${(budget.fraction * 100).toFixed(0)} % of this run (about ${budget.runSeconds(best[0]).toFixed(0)} s); set "threads" to choose`,
        };
      }
    }
    for (const threads of candidates.slice(1)) {
      const s = await open(threads);
      sessions.push(s);
      await s.run(feeds);
    }
    for (let r = 0; r < plannedRounds; r++) {
      for (let i = 0; i < sessions.length; i++) {
        if (r === 0 && i === 0) continue; // timed above
        const t = clock();
        await sessions[i].run(feeds);
        best[i] = Math.min(best[i], clock() - t);
      }
    }
    const timings = candidates.map((threads, i) => ({ threads, seconds: best[i] }));
    const byFewer = [...timings].sort((a, b) => a.threads - b.threads);
    let pick = byFewer[0];
    for (const t of byFewer.slice(1)) if (t.seconds < pick.seconds * 0.95) pick = t;
    const list = timings.map((t) => `${t.threads} → ${(t.seconds * 1000).toFixed(1)} ms`).join(', ');
    const probeSeconds = clock() - started;
    return {
      threads: pick.threads, timings, probeSeconds,
      reason: `${pick.threads} CPU thread${pick.threads === 1 ? '' : 's'}, chosen by timing a forward pass of the first batch (${list}${plannedRounds < rounds ? `; ${plannedRounds} round(s) to stay within the probe budget` : ''}; probe ${probeSeconds.toFixed(1)} s)`,
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}

/**
 * The CPU thread count for a training run on this machine: `model` (a forward graph, path or bytes) timed on `feeds`
 * at every threadCandidates() count, with the training session options.
 */
export function chooseCpuThreads(ort: typeof ortTypes, model: string | Uint8Array, feeds: ortTypes.InferenceSession.FeedsType, budget?: ProbeBudget): Promise<ThreadChoice> {
  const open = (threads: number) => {
    const options = { ...trainingSessionOptions('cpu', threads), logSeverityLevel: 3 as const };
    // Two overloads of create (path, bytes): TypeScript does not pick one for the union.
    return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
  };
  return chooseThreads(threadCandidates(os.availableParallelism()), open, feeds, { budget });
}
