// The "estimated time" of the summary: a real run of a few steps in the worker (same model, data, strategy, device and
// thread / steps-per-run settings as the run it estimates), cancelled after it has measured throughput, in a temporary
// runs folder that is deleted afterwards. The worker is attached: it dies with the window.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isFromWorker, type FromWorker, type RunConfig, type ToWorker } from '../training/protocol';
import { readRun } from '../training/runStore';
import { forkAttached } from '../util/workerProcess';
import { runConfigFor } from './runSettings';

export interface ProbeResult {
  samplesPerSecond: number;
  device: string;
  trainRows: number;
}

const PROBE_STEPS = 4;

/** The probe's configuration: the real run's, cut to a few steps that each log their throughput. */
export function probeConfig(request: Omit<RunConfig, 'runsRoot'>, runsRoot: string): RunConfig {
  const config = runConfigFor(request, runsRoot);
  return { ...config, settings: { ...config.settings, maxSteps: PROBE_STEPS + 10, loggingSteps: 1, gradientAccumulationSteps: 1 } };
}

export async function probeThroughput(context: vscode.ExtensionContext, request: Omit<RunConfig, 'runsRoot'>, token: vscode.CancellationToken): Promise<ProbeResult | undefined> {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-probe-'));
  const worker = forkAttached<ToWorker, FromWorker>({ script: path.join(context.extensionPath, 'dist', 'worker.js'), isMessage: isFromWorker });
  try {
    return await new Promise<ProbeResult | undefined>((resolve) => {
      const rates: number[] = [];
      let ep = '';
      let rows = 0;
      token.onCancellationRequested(() => resolve(undefined));
      worker.onMessage((m) => {
        if (m.type === 'started') {
          ep = m.device;
          rows = readRun(m.runDir).dataset.trainRows;
        } else if (m.type === 'progress') {
          rates.push(m.samplesPerSecond);
          // The first step pays for session warm-up; the median of the next ones is the steady rate.
          if (rates.length > PROBE_STEPS) {
            const steady = rates.slice(1).sort((a, b) => a - b);
            resolve({ samplesPerSecond: steady[Math.floor(steady.length / 2)], device: ep, trainRows: rows });
          }
        } else if (m.type === 'error' || m.type === 'done') {
          resolve(undefined);
        }
      });
      worker.onExit(() => resolve(undefined));
      worker.send({ type: 'start', config: probeConfig(request, runsRoot) });
    });
  } finally {
    // The probe has what it needs: no reason to let it finish its steps.
    worker.dispose(0);
    fs.rmSync(runsRoot, { recursive: true, force: true });
  }
}
