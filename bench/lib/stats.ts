// Timing helpers shared by the bench entry points: warm-up runs are discarded, the median of the rest is reported.

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Timings {
  /** Wall seconds of each timed run. */
  seconds: number[];
  /** CPU seconds (user + system, all threads) of each timed run: on a shared, overloaded machine the wall time
   *  measures the scheduler as much as the code; CPU time per run stays close to what an idle machine would show. */
  cpuSeconds: number[];
}

/** Wall and CPU seconds of one call of `fn`. */
export async function clock(fn: () => Promise<unknown>): Promise<{ seconds: number; cpuSeconds: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

/** Runs `fn` warmup + reps times; returns the timings of the timed reps. */
export async function timeRuns(fn: () => Promise<unknown>, warmup: number, reps: number): Promise<Timings> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: Timings = { seconds: [], cpuSeconds: [] };
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    out.seconds.push((performance.now() - t0) / 1000);
    out.cpuSeconds.push((c.user + c.system) / 1e6);
  }
  return out;
}

/** Peak resident set of this process in MiB (Linux: VmHWM; resourceUsage reports the same in KiB). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Bench entry points print one JSON line; the orchestrator (bench/run.mjs) reads the last line of stdout. */
export function emit(result: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** --key value / --flag pairs (the benches take few options; node:util parseArgs would need a schema per file). */
export function args(argv = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument "${argv[i]}" (options are --name value)`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out.set(argv[i].slice(2), 'true');
    else out.set(argv[i].slice(2), argv[++i]);
  }
  return out;
}

export function need(a: Map<string, string>, key: string): string {
  const v = a.get(key);
  if (v === undefined) throw new Error(`missing --${key}`);
  return v;
}
