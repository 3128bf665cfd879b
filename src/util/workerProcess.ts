// The one way this project starts its worker processes (training, the time probe, inference). Two kinds:
// - attached: forked with an IPC channel and piped output; it dies with the window (the worker exits on 'disconnect').
// - detached: its own session, output to a log file, not waited for; it outlives the window that started it and is
//   reached through a local socket instead (see jsonSocket.ts).
// Both run process.execPath: inside the extension host PATH may hold no node at all, or another version.
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** "signal SIGKILL" / "exit code 1": how a worker stopped, for messages. */
export function describeExit(exit: WorkerExit): string {
  return exit.signal ? exit.signal : `exit code ${exit.code}`;
}

/** Keeps the last `max` non-empty lines of output, for crash reports. */
export class OutputTail {
  private readonly lines: string[] = [];
  constructor(private readonly max: number) {}

  push(text: string): string[] {
    const added = text.split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean);
    this.lines.push(...added);
    this.lines.splice(0, Math.max(0, this.lines.length - this.max));
    return added;
  }

  get(): string[] {
    return [...this.lines];
  }
}

export interface AttachedWorker<In, Out> {
  readonly pid: number | undefined;
  readonly child: child_process.ChildProcess;
  /** False once the worker is gone (or its channel closed). */
  send(message: In): boolean;
  onMessage(fn: (message: Out) => void): void;
  onExit(fn: (exit: WorkerExit) => void): void;
  /** The last lines the worker printed (stdout and stderr together). */
  lastOutput(): string[];
  readonly exited: boolean;
  /** Asks the worker to stop and kills it if it does not within `graceMs` (it may be stuck in a native call). */
  dispose(graceMs?: number): void;
}

export interface AttachedOptions<Out> {
  script: string;
  args?: string[];
  /** Extra environment on top of this process's. */
  env?: Record<string, string>;
  /** Lines of output kept for crash reports (default 30). */
  logLines?: number;
  /** Each output line as it comes (an output channel). */
  onLog?(line: string): void;
  /** Which IPC values are worker messages; others are ignored. */
  isMessage(m: unknown): m is Out;
  /** Sent before the kill in dispose(), so a worker between tasks can exit cleanly. */
  shutdownMessage?: unknown;
}

export function forkAttached<In, Out>(options: AttachedOptions<Out>): AttachedWorker<In, Out> {
  const env = options.env ? { ...process.env, ...options.env } : undefined;
  const child = child_process.fork(options.script, options.args ?? [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
  const tail = new OutputTail(options.logLines ?? 30);
  const onOutput = (chunk: Buffer) => {
    for (const line of tail.push(chunk.toString('utf8'))) options.onLog?.(line);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  child.on('error', (e) => onOutput(Buffer.from(`worker process: ${e.message}\n`)));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid,
    child,
    send: (m) => {
      if (!child.connected) return false;
      child.send(m as child_process.Serializable);
      return true;
    },
    onMessage: (fn) => child.on('message', (m: unknown) => options.isMessage(m) && fn(m)),
    onExit: (fn) => child.on('exit', (code, signal) => fn({ code, signal })),
    lastOutput: () => tail.get(),
    get exited() {
      return gone();
    },
    dispose: (graceMs = 2000) => {
      if (gone()) return;
      if (options.shutdownMessage !== undefined && child.connected) child.send(options.shutdownMessage as child_process.Serializable);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      timer.unref();
      child.once('exit', () => clearTimeout(timer));
      child.disconnect?.();
    },
  };
}

export interface DetachedWorker {
  readonly pid: number;
  /** Resolves when the worker exits, as seen by the process that spawned it (never, if this process goes first). */
  readonly exit: Promise<WorkerExit>;
}

/**
 * Starts `script` in its own session with stdout and stderr appended to `logFile`, and does not keep this process
 * alive for it. Throws where the platform refuses to start a detached process (the caller falls back to attached).
 */
export function spawnDetached(options: { script: string; args?: string[]; env?: Record<string, string>; logFile: string }): DetachedWorker {
  const fd = fs.openSync(options.logFile, 'a');
  try {
    const child = child_process.spawn(process.execPath, [options.script, ...(options.args ?? [])], {
      detached: true,
      stdio: ['ignore', fd, fd],
      // In desktop VS Code process.execPath is the Electron binary: this makes it behave as plain Node (fork sets it
      // by itself; spawn does not). Node ignores it.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...options.env },
      windowsHide: true,
    });
    const exit = new Promise<WorkerExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    if (child.pid === undefined) throw new Error(`could not start ${options.script} as a detached process`);
    child.unref();
    return { pid: child.pid, exit };
  } finally {
    // The child holds its own copy of the descriptor.
    fs.closeSync(fd);
  }
}

/** The last `max` lines of a log file (empty when it cannot be read). */
export function tailOfFile(file: string, max: number, maxBytes = 64 * 1024): string[] {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      const tail = new OutputTail(max);
      tail.push(buffer.toString('utf8'));
      return tail.get();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
}

/** Whether a process with this id exists (on this machine). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
