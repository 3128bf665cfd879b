// What the time probe (probeRun.ts) makes of its worker's messages: the steady throughput once a few steps have run,
// or why there is none (the worker's error message, how it exited and its last output line), so the summary and the
// form can say what went wrong instead of "probe cancelled or failed". Pure: fed messages, it returns the outcome.
import type { FromWorker } from '../training/protocol';
import type { ProbeOutcome } from './runEstimate';
import { describeExit, type WorkerExit } from '../util/workerProcess';

/** Steps measured after the first (warm-up) one. */
export const PROBE_STEPS = 4;

/** The worker's feature-cache log line (worker/runTraining.ts): its time is the encoding pass the estimate counts. */
const ENCODED = /^encoded \d+ \w+ examples once into the feature cache in ([\d.]+) s$/;

export interface SplitRows {
  trainRows: number;
  evalRows: number;
}

export class ProbeWatch {
  private readonly rates: number[] = [];
  private device = '';
  private rows: SplitRows = { trainRows: 0, evalRows: 0 };
  private encodeSeconds: number | undefined;
  private lastError: string | undefined;

  /** `rowsOf` reads the split sizes the worker wrote into run.json when it started. */
  constructor(private readonly rowsOf: (runDir: string) => SplitRows) {}

  /** The outcome once the messages so far decide it, else undefined (keep listening). */
  feed(m: FromWorker): ProbeOutcome | undefined {
    switch (m.type) {
      case 'started':
        this.device = m.device;
        this.rows = this.rowsOf(m.runDir);
        return undefined;
      case 'log': {
        const enc = ENCODED.exec(m.message);
        if (enc) this.encodeSeconds = (this.encodeSeconds ?? 0) + Number(enc[1]);
        if (m.level === 'error') this.lastError = m.message;
        return undefined;
      }
      case 'progress': {
        this.rates.push(m.samplesPerSecond);
        if (this.rates.length <= PROBE_STEPS) return undefined;
        // The first step pays for session warm-up; the median of the next ones is the steady rate.
        const steady = this.rates.slice(1).sort((a, b) => a - b);
        return { ok: true, samplesPerSecond: steady[Math.floor(steady.length / 2)], device: this.device, ...this.rows, encodeSeconds: this.encodeSeconds };
      }
      case 'error':
        return { ok: false, reason: m.message };
      case 'done':
        return { ok: false, reason: this.lastError ?? `the run ${m.status === 'cancelled' ? 'was cancelled' : 'ended'} after ${this.rates.length} logged step(s), before its speed could be measured` };
      default:
        return undefined;
    }
  }

  /** The worker went away before deciding: how it stopped and what it printed last. */
  exited(exit: WorkerExit, lastOutput: readonly string[]): ProbeOutcome {
    const last = lastOutput.at(-1);
    return { ok: false, reason: this.lastError ?? `the worker stopped (${describeExit(exit)})${last ? `: ${last}` : ''}` };
  }
}
