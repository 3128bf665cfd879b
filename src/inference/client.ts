// The extension side of the inference worker: starts it on first use, matches answers to requests, cancels, and
// supervises it. A crashed worker fails the requests it held and is started again by the next request; after
// `maxCrashes` crashes within `crashWindowMs` it is not started again until reset(), so a model that kills the
// process cannot put it in a restart loop. No vscode import: unit tests drive this class with a real worker.
import { forkAttached, OutputTail, describeExit, type AttachedWorker, type WorkerExit } from '../util/workerProcess';
import { CancelledError } from './cancelled';
import { AnswerResult, Classification, EntityResult, FromInferenceWorker, ModelLoadInfo, ModelRef, ToInferenceWorker, ZeroShotOptions, isFromInferenceWorker } from './protocol';

export { CancelledError };

export type InferenceWorkerState = 'stopped' | 'idle' | 'loading' | 'busy' | 'failed';

export interface InferenceClientOptions {
  /** The worker script (dist/inferenceWorker.js in the extension; the tsc output in unit tests). */
  workerPath: string;
  maxCrashes?: number;
  crashWindowMs?: number;
  /** Extra environment for the worker process (e.g. FTS_INFERENCE_THREADS). */
  env?: Record<string, string>;
  /** Lines of worker output kept for crash reports. */
  logLines?: number;
  onStateChange?(state: InferenceWorkerState, detail: string): void;
  /** Every stdout/stderr line of the worker (an output channel in the extension). */
  onLog?(line: string): void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Called when the worker starts loading the model (a cold request): the UI shows progress. */
  onLoading?(folder: string): void;
}

export interface ClassifyOutcome {
  results: Classification[];
  model: ModelLoadInfo;
  /** The model was already loaded when the request arrived. */
  warm: boolean;
  inferenceMs: number;
  /** Worker CPU time for the request (all threads). */
  cpuMs: number;
  workerPid: number;
}

/** What every answered request reports besides its results. */
export interface RunOutcome {
  model: ModelLoadInfo;
  warm: boolean;
  inferenceMs: number;
  cpuMs: number;
  workerPid: number;
}

export interface EntitiesOutcome extends RunOutcome {
  results: EntityResult[];
}

export interface AnswerOutcome extends RunOutcome {
  result: AnswerResult;
}

export class InferenceWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceWorkerError';
  }
}

interface Pending {
  resolve(m: FromInferenceWorker): void;
  reject(e: Error): void;
  onLoading?(folder: string): void;
  loaded?: { info: ModelLoadInfo; warm: boolean };
}

export class InferenceClient {
  private child: AttachedWorker<ToInferenceWorker, FromInferenceWorker> | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Load-only requests: answered by 'loaded' instead of 'result'. */
  private readonly preloads = new Set<number>();
  private readonly crashes: number[] = [];
  private readonly recentOutput: OutputTail;
  private nextId = 1;
  private disposed = false;
  private stateValue: InferenceWorkerState = 'stopped';

  constructor(private readonly options: InferenceClientOptions) {
    // Kept across restarts: the output of the worker that crashed explains why the next start was refused.
    this.recentOutput = new OutputTail(options.logLines ?? 30);
  }

  get state(): InferenceWorkerState {
    return this.stateValue;
  }

  /** The running worker's process id (undefined when none runs). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async classify(model: ModelRef, texts: string[], zeroShot?: ZeroShotOptions, opts: RequestOptions = {}): Promise<ClassifyOutcome> {
    const id = this.nextId++;
    const { message, loaded, pid } = await this.request({ type: 'classify', id, model, texts, zeroShot }, opts);
    if (message.type !== 'result') throw new InferenceWorkerError(`Unexpected answer "${message.type}" to a classify request.`);
    if (!loaded) throw new InferenceWorkerError('The worker answered before reporting which model it loaded.');
    return { results: message.results, model: loaded.info, warm: loaded.warm, inferenceMs: message.inferenceMs, cpuMs: message.cpuMs, workerPid: pid };
  }

  /** Entities of each text, by a token-classification export (model.task 'token-classification'). */
  async extractEntities(model: ModelRef, texts: string[], opts: RequestOptions = {}): Promise<EntitiesOutcome> {
    const id = this.nextId++;
    const { message, loaded, pid } = await this.request({ type: 'entities', id, model, texts }, opts);
    if (message.type !== 'entities') throw new InferenceWorkerError(`Unexpected answer "${message.type}" to an entities request.`);
    if (!loaded) throw new InferenceWorkerError('The worker answered before reporting which model it loaded.');
    return { results: message.results, model: loaded.info, warm: loaded.warm, inferenceMs: message.inferenceMs, cpuMs: message.cpuMs, workerPid: pid };
  }

  /** The answer to `question` found in `context`, by a question-answering export (model.task 'question-answering'). */
  async answerQuestion(model: ModelRef, question: string, context: string, opts: RequestOptions = {}): Promise<AnswerOutcome> {
    const id = this.nextId++;
    const { message, loaded, pid } = await this.request({ type: 'answer', id, model, question, context }, opts);
    if (message.type !== 'answer') throw new InferenceWorkerError(`Unexpected answer "${message.type}" to a question request.`);
    if (!loaded) throw new InferenceWorkerError('The worker answered before reporting which model it loaded.');
    return { result: message.result, model: loaded.info, warm: loaded.warm, inferenceMs: message.inferenceMs, cpuMs: message.cpuMs, workerPid: pid };
  }

  /** Loads a model without classifying, so that the next request is warm. */
  async preload(model: ModelRef, opts: RequestOptions = {}): Promise<ModelLoadInfo> {
    const id = this.nextId++;
    this.preloads.add(id);
    const { loaded } = await this.request({ type: 'load', id, model }, opts).finally(() => this.preloads.delete(id));
    if (!loaded) throw new InferenceWorkerError('The worker did not report the loaded model.');
    return loaded.info;
  }

  /** Forgets past crashes so a worker that was given up on may start again (the user asked to retry). */
  reset(): void {
    this.crashes.length = 0;
    if (this.stateValue === 'failed') this.setState('stopped', 'reset');
  }

  dispose(): void {
    this.disposed = true;
    this.failAll(new InferenceWorkerError('The inference worker was shut down.'));
    // A worker busy in a long session.run cannot read the shutdown message: it is killed after 2 s.
    this.child?.dispose(2000);
    this.child = undefined;
    this.setState('stopped', 'disposed');
  }

  private request(message: Extract<ToInferenceWorker, { id: number; model: ModelRef }>, opts: RequestOptions): Promise<{ message: FromInferenceWorker; loaded?: Pending['loaded']; pid: number }> {
    if (opts.signal?.aborted) return Promise.reject(new CancelledError());
    const child = this.ensureWorker();
    const pid = child.pid ?? -1;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(message.id)) return;
        child.send({ type: 'cancel', id: message.id });
        this.updateBusyState();
        reject(new CancelledError());
      };
      const entry: Pending = {
        onLoading: opts.onLoading,
        resolve: (m) => {
          opts.signal?.removeEventListener('abort', onAbort);
          resolve({ message: m, loaded: entry.loaded, pid });
        },
        reject: (e) => {
          opts.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      this.pending.set(message.id, entry);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      child.send(message);
      this.setState('busy', `request ${message.id}`);
    });
  }

  private ensureWorker(): AttachedWorker<ToInferenceWorker, FromInferenceWorker> {
    if (this.disposed) throw new InferenceWorkerError('The inference client was disposed.');
    if (this.child) return this.child;
    const window = this.options.crashWindowMs ?? 180_000;
    const now = Date.now();
    while (this.crashes.length && now - this.crashes[0] > window) this.crashes.shift();
    const max = this.options.maxCrashes ?? 3;
    if (this.crashes.length >= max) {
      throw new InferenceWorkerError(
        `The inference worker crashed ${this.crashes.length} times in the last ${Math.round(window / 1000)} s, so it is not restarted automatically. ` +
          `Last output:\n${this.recentOutput.get().join('\n') || '(none)'}`,
      );
    }
    const child = forkAttached<ToInferenceWorker, FromInferenceWorker>({
      script: this.options.workerPath,
      env: this.options.env,
      isMessage: isFromInferenceWorker,
      shutdownMessage: { type: 'shutdown' } satisfies ToInferenceWorker,
      onLog: (line) => {
        this.recentOutput.push(line);
        this.options.onLog?.(line);
      },
    });
    this.child = child;
    child.onMessage((m) => this.onMessage(m));
    child.onExit((exit) => this.onExit(child, exit));
    this.setState('idle', `worker ${child.pid} started`);
    return child;
  }

  private onMessage(m: FromInferenceWorker): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return; // cancelled on this side already
    if (m.type === 'loading') {
      this.setState('loading', m.folder);
      p.onLoading?.(m.folder);
      return;
    }
    if (m.type === 'loaded') {
      p.loaded = { info: m.info, warm: m.warm };
      this.setState('busy', m.info.folder);
      // A preload is answered by 'loaded' alone.
      if (this.isPreload(m.id)) this.settle(m.id, (q) => q.resolve(m));
      return;
    }
    if (m.type === 'result' || m.type === 'entities' || m.type === 'answer') this.settle(m.id, (q) => q.resolve(m));
    else if (m.type === 'cancelled') this.settle(m.id, (q) => q.reject(new CancelledError()));
    else this.settle(m.id, (q) => q.reject(new InferenceWorkerError(m.message)));
  }

  private isPreload(id: number): boolean {
    return this.preloads.has(id);
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.preloads.delete(id);
    how(p);
    this.updateBusyState();
  }

  private updateBusyState(): void {
    if (this.child && this.pending.size === 0) this.setState('idle', 'waiting for requests');
  }

  private onExit(child: AttachedWorker<ToInferenceWorker, FromInferenceWorker>, exit: WorkerExit): void {
    if (this.child !== child) return; // an old worker that was already replaced or disposed
    this.child = undefined;
    if (this.disposed) return;
    this.crashes.push(Date.now());
    const how = exit.signal ? `signal ${describeExit(exit)}` : describeExit(exit);
    this.failAll(new InferenceWorkerError(`The inference worker stopped (${how}). Last output:\n${this.recentOutput.get().join('\n') || '(none)'}`));
    const max = this.options.maxCrashes ?? 3;
    this.setState(this.crashes.length >= max ? 'failed' : 'stopped', `worker ${child.pid} stopped (${how})`);
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.preloads.clear();
    for (const p of all) p.reject(e);
  }

  private setState(state: InferenceWorkerState, detail: string): void {
    this.stateValue = state;
    this.options.onStateChange?.(state, detail);
  }
}
