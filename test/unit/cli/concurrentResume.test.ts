// The concurrent-resume test (issue 18): two `finetune-studio train --resume <run>` started at once on a stopped run,
// through the real CLI. Exactly one proceeds; the other is refused with a message naming the process and host that
// hold the run, and changes nothing; the run then has exactly the train / eval lines and the final model of a run
// that was never stopped. Done for a cancelled run and for one whose trainer was killed (shown as interrupted).
//
// Dropout is off: whether a resume from a mid-interval checkpoint replays the same dropout masks is item 4's test,
// not this one. The killed trainer is the state a kill -9 right after a checkpoint leaves (run.json "running", the
// dead trainer's lease, its last checkpoint): a kill that lands mid-step leaves lines past the checkpoint that the
// resume logs again, which would hide what this test counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const WS = path.join(ROOT, 'test/fixtures/generated/workspace');
const SETTINGS = ['maxSteps=40', 'batchSize=8', 'maxLength=32', 'threads=1', 'dropout=false', 'loggingSteps=1', 'evalEvery=10', 'seed=5'];

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

function cli(args: string[], onStdout?: (text: string, child: child_process.ChildProcess) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = child_process.spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr, pid: child.pid! }));
  });
}

const train = (runs: string, extra: string[] = []) =>
  ['train', '--model', path.join(WS, 'models/tiny-bert'), '--data', path.join(WS, 'data/sentiment_train.csv'), '--runs', runs, '--device', 'cpu', ...SETTINGS.flatMap((s) => ['--set', s]), ...extra];

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const onlyRun = (runs: string) => {
  const ids = fs.readdirSync(runs);
  assert.equal(ids.length, 1, `one run folder in ${runs}: ${ids.join(', ')}`);
  return path.join(runs, ids[0]);
};

const lines = (dir: string) => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** The train and eval lines with their timings dropped: what an uninterrupted run and a resumed one must share. */
function trainAndEval(dir: string): unknown[] {
  return lines(dir)
    .filter((l) => l.type === 'train' || l.type === 'eval')
    .map(({ time: _t, samplesPerSecond: _s, tokensPerSecond: _k, etaSeconds: _e, ...rest }) => rest);
}

test('two resumes of one stopped run at once: one proceeds, the other is refused naming it; the run ends as if never stopped', async (t) => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concurrent-resume-'));
  try {
    // The reference: the same run, never stopped.
    const reference = await cli(train(path.join(tmp, 'reference')));
    assert.equal(reference.code, 0, reference.stderr);
    const refDir = onlyRun(path.join(tmp, 'reference'));
    const refLines = trainAndEval(refDir);
    assert.equal(refLines.filter((l) => (l as { type: string }).type === 'train').length, 40);

    // The same run cancelled (SIGINT, as Ctrl-C) once it has logged step 12: it stops after a step with a checkpoint.
    let signalled = false;
    const cancelled = await cli(train(path.join(tmp, 'stopped'), ['--json']), (out, child) => {
      if (!signalled && /"type":"progress","step":1[2-9]/.test(out)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const stoppedDir = onlyRun(path.join(tmp, 'stopped'));
    const stoppedAt = JSON.parse(fs.readFileSync(path.join(stoppedDir, 'run.json'), 'utf8')) as { status: string; step: number };
    assert.equal(stoppedAt.status, 'cancelled');
    assert.ok(stoppedAt.step >= 12 && stoppedAt.step < 40, `cancelled at step ${stoppedAt.step}`);

    for (const variant of ['cancelled', 'interrupted'] as const) {
      await t.test(`a ${variant} run`, async () => {
        const runs = path.join(tmp, variant);
        const dir = path.join(runs, path.basename(stoppedDir));
        fs.cpSync(stoppedDir, dir, { recursive: true });
        if (variant === 'interrupted') {
          // What a trainer killed right after that checkpoint leaves: "running", and a lease whose pid is gone.
          const dead = child_process.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
          const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
          fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...record, status: 'running', updatedAt: new Date(Date.now() - 60_000).toISOString() }));
          const at = new Date(Date.now() - 30_000).toISOString();
          fs.writeFileSync(path.join(dir, 'lease.json'), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), startedAt: at, heartbeat: at }));
          const listed = await cli(['list', '--runs', runs]);
          assert.match(listed.stdout, new RegExp(`\\n  interrupted — resume with: finetune-studio train --resume ${esc(dir)}  \\(stopped at step ${stoppedAt.step}: process ${dead.stdout} on ${os.hostname()} is gone\\)\\n`), listed.stdout);
        }

        const [a, b] = await Promise.all([cli(['train', '--resume', dir]), cli(['train', '--resume', dir])]);
        const winner = [a, b].find((r) => r.code === 0);
        const loser = [a, b].find((r) => r.code !== 0);
        assert.ok(winner && loser, `exactly one resume proceeds: exit codes ${a.code} and ${b.code}\n${a.stderr}\n${b.stderr}`);
        assert.equal(loser.code, 1);
        // Refused before anything was written, with who holds the run and what to do.
        assert.match(loser.stderr, new RegExp(`^error: ${esc(dir)} is being trained by process ${winner.pid} on ${esc(os.hostname())} \\(since \\S+, alive at \\S+\\); wait for it to finish or cancel it before resuming\\.\\n$`));
        assert.equal(loser.stdout, '');
        assert.match(winner.stderr, new RegExp(`\\ncompleted: ${esc(dir)}`));

        const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
        assert.equal(record.status, 'completed');
        assert.equal(record.step, 40);
        assert.ok(!fs.existsSync(path.join(dir, 'lease.json')), 'the winner released the lease');
        const notes = lines(dir).filter((l) => l.type === 'log' && String(l.message).startsWith('interrupted:'));
        if (variant === 'interrupted') {
          assert.equal(record.interruptions?.length, 1, 'one interruption, recorded by the winner only');
          assert.deepEqual(record.interruptions[0].resumedBy, { pid: winner.pid, host: os.hostname() });
          assert.equal(record.interruptions[0].step, stoppedAt.step);
          assert.equal(notes.length, 1);
        } else {
          assert.equal(record.interruptions, undefined, 'a cancelled run was not interrupted');
          assert.equal(notes.length, 0);
        }
        // Exactly the train and eval lines of the run that was never stopped (steps, losses, lrs, metrics), once each.
        assert.deepEqual(trainAndEval(dir), refLines);
        assert.equal(lines(dir).filter((l) => l.type === 'summary').length, 1);
        assert.ok(fs.readFileSync(path.join(dir, 'model/model.safetensors')).equals(fs.readFileSync(path.join(refDir, 'model/model.safetensors'))), 'the final model is byte-identical to the uninterrupted run\'s');
        const listed = await cli(['list', '--runs', runs, '--json']);
        assert.equal(JSON.parse(listed.stdout).state, 'completed');
      });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
