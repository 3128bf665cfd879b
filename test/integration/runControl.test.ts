// Inside VS Code: a run started in the worker is paused and continued through the commands the dashboard's Pause /
// Continue button and the Runs view call (while paused, the worker writes no step); a worker killed mid-run is
// reported with an offer to resume, and accepting it finishes the run from its last checkpoint.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './until';
import type { Api } from '../../src/extension';

const trainSteps = (runDir: string) => {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return 0;
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"type":"train"')).length;
};


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
    // The Runs view (and a window opened now) reads the pause from the run folder, not from this window's memory.
    assert.equal(api.runs.listRuns().find((r) => r.dir === runDir)?.status, 'paused');
    const total = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')).totalSteps as number;
    assert.ok(last < total, `the run ended (${last}/${total} steps) before the pause could be seen`);
    await vscode.commands.executeCommand('finetuneStudio.continueRun', runDir);
    const done = await finished;
    assert.ok(done && done.type === 'done' && done.status === 'completed', `run did not complete: ${JSON.stringify(done)}`);
    assert.ok(trainSteps(runDir) > last);
  });

  test('a killed worker is reported with "Resume from last checkpoint", which finishes the run', async function () {
    this.timeout(180_000);
    const api = vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.exports;
    const before = new Set(api.runs.listRuns().map((r) => r.dir));
    // The error notification is modal to a user; here it is answered the way a user would answer it.
    const shown: { message: string; items: string[] }[] = [];
    const original = vscode.window.showErrorMessage;
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = async (message: string, ...items: string[]) => {
      shown.push({ message, items });
      return items.find((i) => i.startsWith('Resume'));
    };
    try {
      const first = api.startRun({
        model: path.join(root(), 'models', 'tiny-bert'), data: path.join(root(), 'data', 'sentiment_train.csv'), strategy: 'full',
        // Six epochs: an epoch of the tiny model takes ~2 s, and the kill must land well before the run ends (with two,
        // a slow poll once killed a worker that had already written "completed", and nothing was resumed).
        device: 'cpu', settings: { epochs: 6, maxLength: 32, batchSize: 4, loggingSteps: 1, threads: 1 },
      });
      const runDir = await until('the new run folder', () => api.runs.listRuns().find((r) => !before.has(r.dir))?.dir);
      await until('the first checkpoint (end of epoch 1)', () => fs.existsSync(path.join(runDir, 'checkpoints')) && fs.readdirSync(path.join(runDir, 'checkpoints')).some((d) => /^step-\d+$/.test(d)));
      const worker = await until('the training worker process', () => trainingWorkerPid());
      process.kill(worker, 'SIGKILL');
      assert.equal(await first, undefined, 'the killed run reported a result');
      assert.equal(shown.length, 1, JSON.stringify(shown));
      assert.match(shown[0].message, /^Fine-tuning failed: the training worker stopped \(SIGKILL\)/);
      assert.deepEqual(shown[0].items, ['Resume from last checkpoint']);
      // Accepting started the resumed run in a new worker; it completes from the checkpoint.
      await until('the resumed run to complete', () => JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')).status === 'completed', 120_000);
      const log = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
      assert.match(log, /resuming from step-\d+/);
      // The resume that took the run over recorded the interruption, naming the killed worker.
      assert.match(log, new RegExp(`"interrupted: the previous owner, process ${worker} on [^,]+ \\(started [^)]+\\), stopped at step \\d+ without ending the run`));
      assert.ok(fs.existsSync(path.join(runDir, 'model', 'model.safetensors')));
    } finally {
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = original;
    }
  });
});

/** The training worker this extension host forked (dist/worker.js), from /proc: the test has no handle on it. */
function trainingWorkerPid(): number | undefined {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (ppid === process.pid && /dist[\\/]worker\.js/.test(cmd)) return Number(pid);
    } catch {
      // The process went away while being read.
    }
  }
  return undefined;
}
