// The time probe runs what the real run will run: the thread count and steps per ORT run come from the same
// finetuneStudio.training.* settings (it used to ignore them and so measured something else).
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { probeConfig } from '../../src/commands/probeRun';
import { runConfigFor } from '../../src/commands/runSettings';

suite('Probe settings', () => {
  test('the probe takes the run\'s threads and steps-per-run settings and only shortens the run', async () => {
    const training = vscode.workspace.getConfiguration('finetuneStudio.training');
    await training.update('threads', 3, vscode.ConfigurationTarget.Workspace);
    await training.update('stepsPerRun', 4, vscode.ConfigurationTarget.Workspace);
    try {
      const request = { model: '/m', data: '/d.csv', strategy: 'full' as const, settings: { epochs: 2, batchSize: 8 } };
      const run = runConfigFor(request, '/runs');
      const probe = probeConfig(request, '/probe-runs');
      assert.deepEqual(run.settings, { threads: 3, stepsPerRun: 4, epochs: 2, batchSize: 8 });
      assert.deepEqual(probe.settings, { ...run.settings, maxSteps: 14, loggingSteps: 1, gradientAccumulationSteps: 1 });
      assert.equal(probe.device, run.device);
      assert.equal(probe.runsRoot, '/probe-runs');
    } finally {
      await training.update('threads', undefined, vscode.ConfigurationTarget.Workspace);
      await training.update('stepsPerRun', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
