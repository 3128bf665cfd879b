// Inference worker entry (bundled as dist/inferenceWorker.js, started with child_process.fork by InferenceClient).
// Requests run one at a time: onnxruntime-node's session.run blocks this process's event loop, so running two at
// once would only interleave them. Cancels are read between texts (see Classifier.classify).
import * as os from 'node:os';
import { CancelledError, loadClassifier } from './classifier';
import { ModelCache } from './modelCache';
import { FromInferenceWorker, ToInferenceWorker, isToInferenceWorker } from './protocol';

type Job = Extract<ToInferenceWorker, { type: 'classify' | 'load' }>;

// One sentence is a small matrix product: past a few threads ORT's workers mostly spin, and the editor (and maybe a
// training worker) share these cores. Half the cores, 1 to 4; FTS_INFERENCE_THREADS overrides (benchmarks).
const threads = Number(process.env.FTS_INFERENCE_THREADS) || Math.max(1, Math.min(4, Math.floor(os.availableParallelism() / 2)));
const cache = new ModelCache((ref) => loadClassifier(ref, { threads }));
const queue: Job[] = [];
const cancelled = new Set<number>();
let busy = false;
let running: number | undefined;

function send(m: FromInferenceWorker): void {
  if (process.connected) process.send?.(m);
}

async function runJob(job: Job): Promise<void> {
  if (cancelled.delete(job.id)) {
    send({ type: 'cancelled', id: job.id });
    return;
  }
  const warm = cache.has(job.model);
  if (!warm) send({ type: 'loading', id: job.id, folder: job.model.folder });
  const classifier = await cache.get(job.model);
  send({ type: 'loaded', id: job.id, info: classifier.info, warm });
  if (job.type === 'load') return;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const results = await classifier.classify(job.texts, job.zeroShot, () => cancelled.has(job.id));
  const cpu = process.cpuUsage(c0);
  send({ type: 'result', id: job.id, results, inferenceMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let job = queue.shift(); job; job = queue.shift()) {
      running = job.id;
      try {
        await runJob(job);
      } catch (e) {
        if (e instanceof CancelledError) send({ type: 'cancelled', id: job.id });
        else send({ type: 'error', id: job.id, message: e instanceof Error ? e.message : String(e) });
      } finally {
        cancelled.delete(job.id);
        running = undefined;
      }
    }
  } finally {
    busy = false;
  }
}

process.on('message', (m: unknown) => {
  if (!isToInferenceWorker(m)) return;
  if (m.type === 'shutdown') {
    void cache.clear().finally(() => process.exit(0));
  } else if (m.type === 'cancel') {
    // Only ids still pending are remembered: a cancel racing a finished request must not linger.
    if (running === m.id || queue.some((j) => j.id === m.id)) cancelled.add(m.id);
  } else {
    queue.push(m);
    void drain();
  }
});
// The extension going away (crash, reload) closes the IPC channel: nothing is left to answer to.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid });
