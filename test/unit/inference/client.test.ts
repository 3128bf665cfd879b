// The inference worker as a real child process (the tsc build of src/inference/worker.ts) and the client that
// supervises it: warm models, cancellation, crash recovery without restart loops, dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledError, InferenceClient, InferenceWorkerError, InferenceWorkerState } from '../../../src/inference/client';
import type { FromInferenceWorker, ToInferenceWorker, ZeroShotOptions } from '../../../src/inference/protocol';
import { fixtureModel, tempDir } from '../models/support';

const WORKER = path.resolve(__dirname, '..', '..', '..', 'src', 'inference', 'worker.js');
const NLI = fixtureModel('tiny-nli-bert');
const ZS: ZeroShotOptions = { labels: ['positive', 'negative', 'neutral'], hypothesisTemplate: 'This example is {}.', multiLabel: false };
const ZERO_SHOT = { folder: NLI, task: 'zero-shot' as const };

function exited(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => {
      try {
        process.kill(pid, 0);
        setTimeout(poll, 20);
      } catch {
        resolve();
      }
    };
    poll();
  });
}

test('the model loads once and stays warm in the same worker process', async () => {
  const states: InferenceWorkerState[] = [];
  const client = new InferenceClient({ workerPath: WORKER, onStateChange: (s) => states.push(s) });
  try {
    const loading: string[] = [];
    const cold = await client.classify(ZERO_SHOT, ['I loved it.'], ZS, { onLoading: (f) => loading.push(f) });
    assert.equal(cold.warm, false);
    assert.deepEqual(loading, [NLI]);
    assert.equal(cold.model.folder, NLI);
    assert.equal(cold.model.onnxFile, 'onnx/model.onnx');
    const warm = await client.classify(ZERO_SHOT, ['I loved it.'], ZS, { onLoading: (f) => loading.push(f) });
    assert.equal(warm.warm, true);
    assert.deepEqual(loading, [NLI], 'a warm request does not load again');
    assert.equal(warm.workerPid, cold.workerPid);
    assert.deepEqual(warm.results, cold.results);
    assert.ok(states.includes('loading') && states.at(-1) === 'idle', `states ${states.join(' → ')}`);

    // A second task on the same folder is another pipeline, kept alongside the first.
    const tc = await client.classify({ folder: NLI, task: 'text-classification' }, ['I loved it.']);
    assert.equal(tc.warm, false);
    assert.deepEqual(tc.results[0].scores.map((s) => s.label).sort(), ['contradiction', 'entailment', 'neutral']);
    assert.equal((await client.classify(ZERO_SHOT, ['x'], ZS)).warm, true);
  } finally {
    client.dispose();
  }
});

test('errors from the worker reach the caller and the worker keeps serving', async () => {
  const client = new InferenceClient({ workerPath: WORKER });
  try {
    await assert.rejects(client.classify({ folder: fixtureModel('tiny-bert'), task: 'zero-shot' }, ['x'], ZS), (e: Error) => {
      assert.ok(e instanceof InferenceWorkerError);
      assert.match(e.message, /lacks "entailment" and "contradiction"/);
      return true;
    });
    const pid = client.pid;
    assert.equal((await client.classify(ZERO_SHOT, ['x'], ZS)).workerPid, pid);
  } finally {
    client.dispose();
  }
});

test('the worker drops a cancelled request between texts and answers "cancelled"', async () => {
  const worker = child_process.fork(WORKER, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  try {
    const messages: FromInferenceWorker[] = [];
    const done = new Promise<FromInferenceWorker>((resolve) => {
      worker.on('message', (m: FromInferenceWorker) => {
        messages.push(m);
        if (m.type === 'loaded') worker.send({ type: 'cancel', id: 1 } satisfies ToInferenceWorker);
        if (m.type === 'result' || m.type === 'cancelled' || m.type === 'error') resolve(m);
      });
    });
    const texts = Array.from({ length: 200 }, (_, i) => `Sentence number ${i} of a long batch.`);
    worker.send({ type: 'classify', id: 1, model: ZERO_SHOT, texts, zeroShot: ZS } satisfies ToInferenceWorker);
    const last = await done;
    assert.equal(last.type, 'cancelled', `expected the batch to be cancelled, got ${JSON.stringify(last).slice(0, 200)}`);
    assert.deepEqual(messages.map((m) => m.type), ['ready', 'loading', 'loaded', 'cancelled']);
  } finally {
    worker.kill();
  }
});

test('an aborted request rejects with CancelledError; the next one runs in the same worker', async () => {
  const client = new InferenceClient({ workerPath: WORKER });
  try {
    await client.preload(ZERO_SHOT);
    const pid = client.pid;
    const ac = new AbortController();
    const texts = Array.from({ length: 100 }, (_, i) => `Text ${i}.`);
    const pending = client.classify(ZERO_SHOT, texts, ZS, { signal: ac.signal });
    ac.abort();
    await assert.rejects(pending, CancelledError);
    const after = await client.classify(ZERO_SHOT, ['after the cancel'], ZS);
    assert.equal(after.workerPid, pid);
    assert.equal(after.results[0].text, 'after the cancel');
    await assert.rejects(client.classify(ZERO_SHOT, ['x'], ZS, { signal: AbortSignal.abort() }), CancelledError);
  } finally {
    client.dispose();
  }
});

test('a killed worker fails its requests with the cause, and the next request starts a new one', async () => {
  const client = new InferenceClient({ workerPath: WORKER });
  try {
    await client.preload(ZERO_SHOT);
    const first = client.pid as number;
    const texts = Array.from({ length: 200 }, (_, i) => `Text ${i}.`);
    const pending = client.classify(ZERO_SHOT, texts, ZS);
    process.kill(first, 'SIGKILL');
    await assert.rejects(pending, /The inference worker stopped \(signal SIGKILL\)/);
    assert.equal(client.state, 'stopped');
    const again = await client.classify(ZERO_SHOT, ['back again'], ZS);
    assert.notEqual(again.workerPid, first);
    assert.equal(again.warm, false, 'a new process loads the model again');
  } finally {
    client.dispose();
  }
});

test('a worker that keeps crashing is given up on after maxCrashes, until reset()', async () => {
  const dir = tempDir('inference-crash');
  const script = path.join(dir, 'crash.js');
  fs.writeFileSync(script, "console.error('broken model runtime: cannot start'); process.exit(3);\n");
  const states: InferenceWorkerState[] = [];
  const client = new InferenceClient({ workerPath: script, maxCrashes: 2, crashWindowMs: 60_000, onStateChange: (s) => states.push(s) });
  try {
    for (let i = 0; i < 2; i++) {
      await assert.rejects(client.classify(ZERO_SHOT, ['x'], ZS), /stopped \(exit code 3\)\. Last output:\n.*broken model runtime/);
    }
    assert.equal(client.state, 'failed');
    // No process is started any more: the refusal says why and shows the last output.
    await assert.rejects(client.classify(ZERO_SHOT, ['x'], ZS), /crashed 2 times in the last 60 s, so it is not restarted automatically\. Last output:\n.*broken model runtime/);
    assert.equal(client.pid, undefined);
    assert.equal(states.filter((s) => s === 'idle').length, 2, 'exactly two workers were started');
    client.reset();
    await assert.rejects(client.classify(ZERO_SHOT, ['x'], ZS), /stopped \(exit code 3\)/);
  } finally {
    client.dispose();
  }
});

test('dispose fails pending requests and ends the worker process', async () => {
  const client = new InferenceClient({ workerPath: WORKER });
  await client.preload(ZERO_SHOT);
  const pid = client.pid as number;
  const pending = client.classify(ZERO_SHOT, ['x', 'y', 'z'], ZS);
  client.dispose();
  await assert.rejects(pending, /shut down/);
  await exited(pid);
  await assert.rejects(client.classify(ZERO_SHOT, ['x'], ZS), /disposed/);
});
