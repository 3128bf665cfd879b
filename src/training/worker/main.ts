// The training worker: a child process (session.run blocks its thread, never the extension host's). It speaks only
// the messages of protocol.ts, over one of two channels:
// - detached (a training run from the extension): `--control ADDRESS --request JSON [--log FILE]`. It runs in its own
//   session, serves its messages on a local socket that any window may connect to, and outlives the window.
// - attached (the time probe, and training where a platform cannot detach): forked with an IPC channel; the request
//   is the 'start' message, and the window going away ends it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { FromWorker, RunConfig, ToWorker } from '../protocol';
import type { TrainingHooks } from '../trainer';

/** What the extension asks of a detached worker, passed as --request (JSON). */
export interface DetachedRequest {
  config: RunConfig;
  resumeFrom?: string;
}

const control = { cancelled: false, paused: false };
/** Whether the run got its folder (a run that fails validation never does). */
let started = false;

function onControl(m: ToWorker): void {
  if (m.type === 'cancel') control.cancelled = true;
  else if (m.type === 'pause') control.paused = true;
  else if (m.type === 'resume') control.paused = false;
}

async function train(request: DetachedRequest, emit: (m: FromWorker) => void): Promise<number> {
  const hooks: TrainingHooks = { emit, isCancelled: () => control.cancelled, isPaused: () => control.paused };
  try {
    // Loaded once the channel is up, so a window waiting to connect is not kept waiting by the trainer's modules.
    const { runTraining } = await import('../run');
    await runTraining(request.config, hooks, request.resumeFrom);
    return 0;
  } catch (e) {
    const err = e as Error;
    emit({ type: 'error', message: err.message, stack: err.stack });
    return 1;
  }
}

async function runDetached(address: string, request: DetachedRequest, launchLog: string | undefined): Promise<void> {
  const { serveRunControl } = await import('../workerControl');
  const server = await serveRunControl(address, onControl);
  const emit = (m: FromWorker) => {
    if (m.type === 'started') server.record(m.runDir, moveLog(launchLog, m.runDir));
    server.emit(m);
  };
  const code = await train(request, emit);
  // A run that never got a folder (bad model or data) keeps no launch log: its error goes to the window.
  if (launchLog && !started) fs.rmSync(launchLog, { force: true });
  await server.close();
  process.exit(code);
}

/**
 * A new run's output goes to a launch log beside the runs before its folder exists; once it does, the log moves in
 * as worker.log (the open descriptor follows the rename). Where the rename fails, the log stays where it is.
 */
function moveLog(launchLog: string | undefined, runDir: string): string | undefined {
  started = true;
  if (!launchLog) return undefined;
  const target = path.join(runDir, 'worker.log');
  if (launchLog === target) return target;
  try {
    fs.renameSync(launchLog, target);
    return target;
  } catch {
    return launchLog;
  }
}

function runAttached(): void {
  const send = (m: FromWorker) => process.send?.(m);
  process.on('message', (m: ToWorker) => {
    if (m.type !== 'start') return onControl(m);
    void train({ config: m.config, resumeFrom: m.resumeFrom }, send).then((code) => {
      // Let the last IPC message flush before exiting.
      setTimeout(() => process.exit(code), code ? 100 : 0);
    });
  });
  // The window going away must not leave an orphan burning CPU.
  process.on('disconnect', () => process.exit(0));
}

const { values } = parseArgs({ options: { control: { type: 'string' }, request: { type: 'string' }, log: { type: 'string' } } });
if (values.control) {
  if (!values.request) throw new Error('worker: --control needs --request (the run request as JSON)');
  void runDetached(values.control, JSON.parse(values.request) as DetachedRequest, values.log);
} else {
  runAttached();
}
