// Training outlives the window: a run is started and paused, the window reloads (which ends the extension host that
// started it), and the new window finds the same run — same worker process, still paused at the same step —
// follows it again, continues it, pauses and continues it once more, and sees it complete without restarting.
// The extension host runs this file twice; a marker file in the workspace says which side of the reload it is on.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from '../until';
import type { Api } from '../../../src/extension';

interface Marker {
  runDir: string;
  workerPid: number;
  pausedSteps: number;
}

const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const markerFile = () => path.join(root(), '.reload-test.json');

/** The steps of the run's "train" records in metrics.jsonl, in file order. */
const trainSteps = (runDir: string): number[] => {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"type":"train"')).map((l) => (JSON.parse(l) as { step: number }).step);
};
const leasePid = (runDir: string): number | undefined => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(runDir, 'lease.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
};
const runStatus = (runDir: string) => (JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { status: string; totalSteps: number });


/** Pauses the run and returns the step count once nothing more is written (the loop holds between steps). */
async function pauseAndSettle(runDir: string): Promise<number> {
  await vscode.commands.executeCommand('finetuneStudio.pauseRun', runDir);
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1500));
    const now = trainSteps(runDir).length;
    if (now === last) return now;
    last = now;
  }
}

suite('Window reload', () => {
  test('a run goes on across a window reload: same worker, controls work again, it completes without restarting', async function () {
    this.timeout(240_000);
    const api = await vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.activate();
    if (!fs.existsSync(markerFile())) {
      // ---- before the reload ----
      const before = new Set(api.runs.listRuns().map((r) => r.dir));
      void api.startRun({
        model: path.join(root(), 'models', 'tiny-bert'), data: path.join(root(), 'data', 'sentiment_train.csv'), strategy: 'full',
        device: 'cpu', settings: { epochs: 3, maxLength: 32, batchSize: 4, loggingSteps: 1, threads: 1 },
      });
      const runDir = await until('the new run folder', () => api.runs.listRuns().find((r) => !before.has(r.dir))?.dir);
      await until('a few logged steps', () => trainSteps(runDir).length >= 3);
      const pausedSteps = await pauseAndSettle(runDir);
      const workerPid = await until('the lease', () => leasePid(runDir));
      fs.writeFileSync(markerFile(), JSON.stringify({ runDir, workerPid, pausedSteps } satisfies Marker));
      console.log(`reload-test: reloading with run ${path.basename(runDir)} paused after ${pausedSteps} steps (worker ${workerPid})`);
      await vscode.commands.executeCommand('workbench.action.reloadWindow');
      // This extension host ends with the reload; the test goes on in the next one.
      await new Promise(() => undefined);
    }
    // ---- after the reload ----
    const mark = JSON.parse(fs.readFileSync(markerFile(), 'utf8')) as Marker;
    try {
      assert.deepEqual(await api.reconnected, [mark.runDir], 'the new window did not reconnect to the run');
      assert.equal(leasePid(mark.runDir), mark.workerPid, 'another process holds the run: it was restarted');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(trainSteps(mark.runDir).length, mark.pausedSteps, 'the run did not stay paused across the reload');
      const { totalSteps } = runStatus(mark.runDir);
      assert.ok(mark.pausedSteps < totalSteps, `the run had ended (${mark.pausedSteps}/${totalSteps}) before the reload`);

      // Continue, pause and continue again: the controls reach the worker from the new window.
      await vscode.commands.executeCommand('finetuneStudio.continueRun', mark.runDir);
      await until('steps after continuing', () => trainSteps(mark.runDir).length > mark.pausedSteps);
      const second = await pauseAndSettle(mark.runDir);
      if (runStatus(mark.runDir).status === 'running') {
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(trainSteps(mark.runDir).length, second, 'steps were written while paused after the reload');
        await vscode.commands.executeCommand('finetuneStudio.continueRun', mark.runDir);
      }
      await until('the run to complete', () => runStatus(mark.runDir).status === 'completed', 180_000);

      // One uninterrupted sequence of steps: nothing repeated, nothing restarted from step 1.
      const steps = trainSteps(mark.runDir);
      assert.deepEqual(steps, Array.from({ length: totalSteps }, (_, i) => i + 1));
      assert.ok(fs.existsSync(path.join(mark.runDir, 'model', 'model.safetensors')));
      // run.json says "completed" a moment before the worker lets go of its lease and control channel.
      await until('the finished worker to remove its lease and control.json', () => !fs.existsSync(path.join(mark.runDir, 'control.json')) && !fs.existsSync(path.join(mark.runDir, 'lease.json')), 15_000);
      assert.doesNotMatch(fs.readFileSync(path.join(mark.runDir, 'metrics.jsonl'), 'utf8'), /resuming from/);
    } finally {
      fs.rmSync(markerFile(), { force: true });
      // Never leave a detached worker training after the test.
      void vscode.commands.executeCommand('finetuneStudio.cancelRun', mark.runDir);
    }
  });
});
