// Inference worker entry (bundled as dist/inferenceWorker.js, started with child_process.fork by InferenceClient).
// Requests run one at a time: onnxruntime-node's session.run blocks this process's event loop, so running two at
// once would only interleave them. Cancels are read between texts (see Classifier.classify) and between model windows
// (entities, answers).
import * as os from 'node:os';
import { CancelledError, loadClassifier } from './classifier';
import { ModelCache } from './modelCache';
import { FromInferenceWorker, ModelRef, ToInferenceWorker, isToInferenceWorker } from './protocol';
import { loadTokenTaskModel } from './tokenTaskModel';

type Job = Extract<ToInferenceWorker, { type: 'classify' | 'entities' | 'answer' | 'load' }>;

// One sentence is a small matrix product: past a few threads ORT's workers mostly spin, and the editor (and maybe a
// training worker) share these cores. Half the cores, 1 to 4; FTS_INFERENCE_THREADS overrides (benchmarks).
const threads = Number(process.env.FTS_INFERENCE_THREADS) || Math.max(1, Math.min(4, Math.floor(os.availableParallelism() / 2)));
const cache = new ModelCache((ref) => loadClassifier(ref, { threads }));
// Token-level models (NER, QA) run their own sessions, kept warm apart from the classifiers.
const tokenCache = new ModelCache((ref) => loadTokenTaskModel(ref, { threads }));
const isTokenTask = (ref: ModelRef) => ref.task === 'token-classification' || ref.task === 'question-answering';
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
  const tokenTask = isTokenTask(job.model);
  if ((job.type === 'entities' || job.type === 'answer') !== tokenTask && job.type !== 'load') {
    throw new Error(`A ${job.type} request needs a ${job.type === 'classify' ? 'classification' : job.type === 'entities' ? 'token-classification' : 'question-answering'} model, not ${job.model.task}.`);
  }
  const warm = tokenTask ? tokenCache.has(job.model) : cache.has(job.model);
  if (!warm) send({ type: 'loading', id: job.id, folder: job.model.folder });
  const model = tokenTask ? await tokenCache.get(job.model) : await cache.get(job.model);
  send({ type: 'loaded', id: job.id, info: model.info, warm });
  if (job.type === 'load') return;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const stop = () => cancelled.has(job.id);
  const took = () => {
    const cpu = process.cpuUsage(c0);
    return { inferenceMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  if (job.type === 'classify') {
    const results = await (await cache.get(job.model)).classify(job.texts, job.zeroShot, stop);
    send({ type: 'result', id: job.id, results, ...took() });
  } else if (job.type === 'entities') {
    const results = await (await tokenCache.get(job.model)).extractEntities(job.texts, stop);
    send({ type: 'entities', id: job.id, results, ...took() });
  } else {
    const result = await (await tokenCache.get(job.model)).answer(job.question, job.context, stop);
    send({ type: 'answer', id: job.id, result, ...took() });
  }
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
    void Promise.all([cache.clear(), tokenCache.clear()]).finally(() => process.exit(0));
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
