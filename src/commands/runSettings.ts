// What the finetuneStudio.* settings add to a run request: the device and the CPU thread / steps-per-run choices.
// The real run and the time probe both build their configuration here, so the probe measures the run it estimates.
import * as vscode from 'vscode';
import type { DeviceSetting } from '../onnx/device';
import type { RunConfig } from '../training/protocol';

export function runConfigFor(request: Omit<RunConfig, 'runsRoot'>, runsRoot: string): RunConfig {
  const device = vscode.workspace.getConfiguration('finetuneStudio').get<DeviceSetting>('device', 'auto');
  const training = vscode.workspace.getConfiguration('finetuneStudio.training');
  const threads = training.get<number>('threads', 0);
  const stepsPerRun = training.get<number>('stepsPerRun', 0);
  return {
    device, ...request, runsRoot,
    settings: { ...(threads > 0 ? { threads } : {}), ...(stepsPerRun > 0 ? { stepsPerRun } : {}), ...request.settings },
  };
}
