// The "estimated time" of the summary and the form: a real run of a few steps in the worker (same model, data,
// strategy, device and thread / steps-per-run settings as the run it estimates), cancelled after it has measured
// throughput, in a temporary runs folder that is deleted afterwards. The worker is attached: it dies with the window.
// It always answers with an outcome: the measurement, or why there is none (probeOutcome.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isFromWorker, type FromWorker, type RunConfig, type ToWorker } from '../training/protocol';
import { readRun } from '../training/runStore';
import { forkAttached } from '../util/workerProcess';
import { PROBE_STEPS, ProbeWatch } from './probeOutcome';
import type { ProbeOutcome } from './runEstimate';
import { runConfigFor } from './runSettings';

/** The probe's configuration: the real run's, cut to a few steps that each log their throughput. */
export function probeConfig(request: Omit<RunConfig, 'runsRoot'>, runsRoot: string): RunConfig {
  const config = runConfigFor(request, runsRoot);
  return { ...config, settings: { ...config.settings, maxSteps: PROBE_STEPS + 10, loggingSteps: 1, gradientAccumulationSteps: 1 } };
}

export async function probeThroughput(context: vscode.ExtensionContext, request: Omit<RunConfig, 'runsRoot'>, token: vscode.CancellationToken): Promise<ProbeOutcome> {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-probe-'));
  const worker = forkAttached<ToWorker, FromWorker>({ script: path.join(context.extensionPath, 'dist', 'worker.js'), isMessage: isFromWorker });
  const watch = new ProbeWatch((runDir) => {
    const d = readRun(runDir).dataset;
    return { trainRows: d.trainRows, evalRows: d.evalRows };
  });
  try {
    return await new Promise<ProbeOutcome>((resolve) => {
      token.onCancellationRequested(() => resolve({ ok: false, reason: 'the probe was cancelled' }));
      worker.onMessage((m) => {
        let outcome: ProbeOutcome | undefined;
        try {
          outcome = watch.feed(m);
        } catch (e) {
          outcome = { ok: false, reason: (e as Error).message };
        }
        if (outcome) resolve(outcome);
      });
      worker.onExit((exit) => resolve(watch.exited(exit, worker.lastOutput())));
      worker.send({ type: 'start', config: probeConfig(request, runsRoot) });
    });
  } finally {
    // The probe has what it needs: no reason to let it finish its steps.
    worker.dispose(0);
    fs.rmSync(runsRoot, { recursive: true, force: true });
  }
}
