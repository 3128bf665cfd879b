// The extension's side of a training worker, without any UI: start one (detached, so it outlives the window; attached
// where the platform refuses to detach), or reconnect to one a previous window started, and learn how it ended.
// Messages are those of protocol.ts either way; the UI (commands/runSupervisor.ts) does not see which channel runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { localSocketAddress } from '../util/jsonSocket';
import { describeExit, forkAttached, processAlive, spawnDetached, tailOfFile, type WorkerExit } from '../util/workerProcess';
import { isFromWorker, type FromWorker, type RunConfig, type ToWorker } from './protocol';
import { CONTROL_FILE, connectRunControl, connectWhenListening, readControl, type ControlClient } from './workerControl';

type EndMessage = Extract<FromWorker, { type: 'done' | 'error' }>;

/** How the connection to a run ended: with the worker's last word, or with the worker gone without one. */
export type RunEnd = { kind: 'ended'; last: EndMessage } | { kind: 'stopped'; how: string; lastOutput: string[] } | { kind: 'left' };

export interface TrainingConnection {
  readonly pid: number;
  /** False where the worker is attached to this window and stops with it. */
  readonly detached: boolean;
  /** Why the worker is attached (the platform refused to detach), for the run's log. */
  readonly attachedReason?: string;
  send(m: ToWorker): boolean;
  onMessage(fn: (m: FromWorker) => void): void;
  readonly end: Promise<RunEnd>;
  /** Stops following the run; a detached worker goes on training. */
  disconnect(): void;
}

const LOG_LINES = 20;

/** Passes messages on to the UI's listeners; what arrives before the first listener is kept for it. */
class Fanout {
  private readonly listeners: ((m: FromWorker) => void)[] = [];
  private readonly early: FromWorker[] = [];
  last: FromWorker | undefined;
  runDir: string | undefined;
  /** This side stopped following (disconnect()): the worker may well go on. */
  left = false;
  on(fn: (m: FromWorker) => void): void {
    this.listeners.push(fn);
    if (this.listeners.length === 1) for (const m of this.early.splice(0)) fn(m);
  }
  emit = (m: FromWorker): void => {
    this.last = m;
    if (m.type === 'started') this.runDir = m.runDir;
    if (!this.listeners.length) this.early.push(m);
    for (const fn of this.listeners) fn(m);
  };
  endMessage(): EndMessage | undefined {
    return this.last?.type === 'done' || this.last?.type === 'error' ? this.last : undefined;
  }
}

/** Waits for `pid` to be gone (a worker not started by this process has no exit event to wait on). */
async function processGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * The end of a socket-connected run: the socket closed (the worker ends its connections only when it exits, or it
 * died). `exit` is the exit as seen by the parent when this process started the worker.
 */
async function socketEnd(client: Promise<ControlClient>, address: string, pid: number, fan: Fanout, log: () => string | undefined, exit?: Promise<WorkerExit>): Promise<RunEnd> {
  let how: string;
  try {
    await (await client).closed;
    const last = fan.endMessage();
    if (last) return { kind: 'ended', last };
    if (fan.left) return { kind: 'left' };
    const seen = exit ? await Promise.race([exit, new Promise<undefined>((r) => setTimeout(r, 5000))]) : undefined;
    how = seen ? describeExit(seen) : (await processGone(pid, 5000)) ? 'exit status unknown: started by an earlier window' : 'its control channel closed';
  } catch (e) {
    // The worker never listened: it died while starting.
    const seen = exit ? await exit : undefined;
    how = seen ? describeExit(seen) : (e as Error).message;
  }
  const file = log();
  removeRemains(address, pid, fan.runDir);
  return { kind: 'stopped', how, lastOutput: file ? tailOfFile(file, LOG_LINES) : [] };
}

/** A killed worker cannot remove its socket file and control.json; once it is gone, whoever saw it die does. */
function removeRemains(address: string, pid: number, runDir: string | undefined): void {
  if (processAlive(pid)) return;
  if (process.platform !== 'win32') fs.rmSync(address, { force: true });
  if (!runDir) return;
  const file = path.join(runDir, CONTROL_FILE);
  try {
    if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: number }).pid === pid) fs.rmSync(file, { force: true });
  } catch {
    // None left, or the run folder is gone.
  }
}

function socketConnection(address: string, pid: number, client: Promise<ControlClient>, fan: Fanout, log: () => string | undefined, exit?: Promise<WorkerExit>): TrainingConnection {
  let connected: ControlClient | undefined;
  let failed = false;
  // A Pause clicked while a just-started worker is not listening yet is sent once it is.
  const queued: ToWorker[] = [];
  void client.then(
    (c) => {
      connected = c;
      for (const m of queued.splice(0)) c.send(m);
    },
    () => (failed = true),
  );
  return {
    pid,
    detached: true,
    send: (m) => {
      if (failed) return false;
      if (connected) connected.send(m);
      else queued.push(m);
      return true;
    },
    onMessage: (fn) => fan.on(fn),
    end: socketEnd(client, address, pid, fan, log, exit),
    disconnect: () => {
      fan.left = true;
      connected?.close();
    },
  };
}

export interface LaunchOptions {
  /** dist/worker.js */
  workerScript: string;
  config: RunConfig;
  resumeFrom?: string;
  /** Test hook: behave as a platform that cannot start detached processes. */
  refuseDetach?: boolean;
}

/** Starts a training worker for `config` (or resuming `resumeFrom`) and connects to it. */
export function launchTraining(options: LaunchOptions): TrainingConnection {
  const fan = new Fanout();
  const address = localSocketAddress('fts');
  // Before a new run's folder exists its output goes to a launch log beside the runs; the worker moves it in.
  const logDir = options.resumeFrom ?? options.config.runsRoot;
  fs.mkdirSync(logDir, { recursive: true });
  const launchLog = options.resumeFrom ? path.join(options.resumeFrom, 'worker.log') : path.join(logDir, `.launch-${path.basename(address, '.sock')}.log`);
  let detached;
  let refused: string | undefined;
  try {
    if (options.refuseDetach) throw new Error('detached processes are disabled');
    const request = JSON.stringify({ config: options.config, resumeFrom: options.resumeFrom });
    detached = spawnDetached({ script: options.workerScript, args: ['--control', address, '--request', request, '--log', launchLog], logFile: launchLog });
  } catch (e) {
    refused = (e as Error).message;
  }
  if (!detached) {
    fs.rmSync(launchLog, { force: true });
    return attachedConnection(options, fan, `this platform did not start a detached worker (${refused}), so the run stops if the window closes or reloads; Resume continues it from its last checkpoint`);
  }
  const client = connectWhenListening(address, detached.pid, fan.emit);
  // The worker records where its log went once the run folder exists.
  const log = () => {
    const runDir = fan.runDir ?? options.resumeFrom;
    return (runDir ? readControlLog(runDir) : undefined) ?? (fs.existsSync(launchLog) ? launchLog : runDir && path.join(runDir, 'worker.log'));
  };
  return socketConnection(address, detached.pid, client, fan, log, detached.exit);
}

function readControlLog(runDir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(runDir, CONTROL_FILE), 'utf8')) as { log?: string }).log;
  } catch {
    return undefined;
  }
}

function attachedConnection(options: LaunchOptions, fan: Fanout, reason: string): TrainingConnection {
  const worker = forkAttached<ToWorker, FromWorker>({ script: options.workerScript, logLines: LOG_LINES, isMessage: isFromWorker });
  worker.onMessage(fan.emit);
  const end = new Promise<RunEnd>((resolve) =>
    worker.onExit((exit) => {
      const last = fan.endMessage();
      resolve(last ? { kind: 'ended', last } : { kind: 'stopped', how: describeExit(exit), lastOutput: worker.lastOutput() });
    }),
  );
  worker.send({ type: 'start', config: options.config, resumeFrom: options.resumeFrom });
  return {
    pid: worker.pid ?? -1,
    detached: false,
    attachedReason: reason,
    send: (m) => worker.send(m),
    onMessage: (fn) => fan.on(fn),
    end,
    disconnect: () => worker.dispose(),
  };
}

/**
 * Connects to the live worker of `runDir` that an earlier window started (its lease is held and it serves a control
 * channel); undefined when there is none. The worker then sends the run's current state (started, progress, paused).
 */
export async function reconnectTraining(runDir: string): Promise<TrainingConnection | undefined> {
  const record = readControl(runDir);
  if (!record) return undefined;
  const fan = new Fanout();
  const client = connectRunControl(record.address, fan.emit);
  try {
    await client;
  } catch {
    return undefined;
  }
  fan.runDir = runDir;
  return socketConnection(record.address, record.pid, client, fan, () => record.log);
}
