// The interleaved-measurement protocol (bench/run.mjs): a bench child sets itself up, prints {"ready":true}, then
// for every "run" line on stdin does one timed unit and prints its timing as one JSON line; "exit" prints the
// process's final figures (peak RSS) and ends. Interleaving the engine's and PyTorch's steps one by one gives both
// the same share of a shared machine's load, which back-to-back runs of minutes do not.
import * as readline from 'node:readline';
import { clock, emit, peakRssMiB } from './stats';

export async function serve(unit: () => Promise<Record<string, unknown> | void>, meta: Record<string, unknown> = {}): Promise<void> {
  emit({ ready: true, ...meta });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const cmd = line.trim();
    if (cmd === 'run') {
      let extra: Record<string, unknown> | void = undefined;
      const t = await clock(async () => {
        extra = await unit();
      });
      emit({ ...t, ...(extra ?? {}) });
    } else if (cmd === 'exit') {
      break;
    } else if (cmd) {
      emit({ error: `unknown command "${cmd}" (run | exit)` });
    }
  }
  lines.close();
  emit({ done: true, peakRssMiB: peakRssMiB() });
}
