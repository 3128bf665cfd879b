// Inside VS Code: a run started in the worker is paused and continued through the commands the dashboard's Pause /
// Continue button and the Runs view call; while paused, the worker writes no step.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../src/extension';

const trainSteps = (runDir: string) => {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return 0;
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"type":"train"')).length;
};

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('Run control', () => {
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  test('pause stops the worker between steps; continue finishes the run', async function () {
    this.timeout(180_000);
    const api = vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.exports;
    const before = new Set(api.runs.listRuns().map((r) => r.dir));
    const finished = api.startRun({
      model: path.join(root(), 'models', 'tiny-bert'), data: path.join(root(), 'data', 'sentiment_train.csv'), strategy: 'full',
      device: 'cpu', settings: { epochs: 3, maxLength: 32, batchSize: 4, loggingSteps: 1, threads: 1 },
    });
    const runDir = await until('the new run folder', () => api.runs.listRuns().find((r) => !before.has(r.dir))?.dir);
    await until('a first logged step', () => trainSteps(runDir) >= 1);
    await vscode.commands.executeCommand('finetuneStudio.pauseRun', runDir);
    // The worker stops at the next step boundary (well within a second here); from then on nothing is written.
    await new Promise((r) => setTimeout(r, 1000));
    const last = trainSteps(runDir);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(trainSteps(runDir), last, 'steps were written while paused');
    const total = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')).totalSteps as number;
    assert.ok(last < total, `the run ended (${last}/${total} steps) before the pause could be seen`);
    await vscode.commands.executeCommand('finetuneStudio.continueRun', runDir);
    const done = await finished;
    assert.ok(done && done.type === 'done' && done.status === 'completed', `run did not complete: ${JSON.stringify(done)}`);
    assert.ok(trainSteps(runDir) > last);
  });
});
