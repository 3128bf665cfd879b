// The "estimated time" of the summary: a real run of a few steps in the worker (same model, data, strategy and device),
// cancelled after it has measured throughput, in a temporary runs folder that is deleted afterwards.
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeviceSetting } from '../onnx/device';
import { isFromWorker, type RunConfig, type ToWorker } from '../training/protocol';
import { readRun } from '../training/runStore';

export interface ProbeResult {
  samplesPerSecond: number;
  device: string;
  trainRows: number;
}

const PROBE_STEPS = 4;

export async function probeThroughput(context: vscode.ExtensionContext, request: Omit<RunConfig, 'runsRoot'>, token: vscode.CancellationToken): Promise<ProbeResult | undefined> {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-probe-'));
  const device = vscode.workspace.getConfiguration('finetuneStudio').get<DeviceSetting>('device', 'auto');
  const config: RunConfig = { device, ...request, runsRoot, settings: { ...request.settings, maxSteps: PROBE_STEPS + 10, loggingSteps: 1, gradientAccumulationSteps: 1 } };
  const worker = child_process.fork(path.join(context.extensionPath, 'dist', 'worker.js'), [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  try {
    return await new Promise<ProbeResult | undefined>((resolve) => {
      const rates: number[] = [];
      let ep = '';
      let rows = 0;
      token.onCancellationRequested(() => resolve(undefined));
      worker.on('message', (m: unknown) => {
        if (!isFromWorker(m)) return;
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
      worker.on('exit', () => resolve(undefined));
      worker.send({ type: 'start', config } satisfies ToWorker);
    });
  } finally {
    worker.kill();
    fs.rmSync(runsRoot, { recursive: true, force: true });
  }
}
