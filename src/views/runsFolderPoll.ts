// Keeps a view of the runs folders current whoever writes them: this window's worker, a detached one, another window,
// the CLI, or a trainer on another host of a shared file system. What the view shows is summed up in a cheap
// signature (runsFolderSignature: one readdir and one stat per run), compared on a slow poll and whenever the caller
// asks (a file event, this window's supervisor at a run's end), and the view is refreshed only when it differs.
// Not a file watcher: a second recursive watcher on the workspace was seen to leave code-server delivering no file
// events at all; the workbench's own watcher was seen to start late (or never, on a loaded 2-core CI machine);
// network file systems deliver no events for another host's writes; and a folder not created yet cannot be watched.
import { runsFolderSignature } from './runsFolderSignature';

export const POLL_MS = 3000;

export interface Disposable {
  dispose(): void;
}

export class RunsFolderPoll implements Disposable {
  private signature: string;
  private readonly poll: ReturnType<typeof setInterval>;

  /** `file`: the one file per run whose changes matter to the view (RUN_EXPORT_FILE, RUN_RECORD_FILE). */
  constructor(
    private readonly roots: () => string[],
    private readonly file: string,
    private readonly onChange: () => void,
    pollMs = POLL_MS,
  ) {
    this.signature = this.current();
    this.poll = setInterval(() => this.check(), pollMs);
    (this.poll as { unref?: () => void }).unref?.();
  }

  private current(): string {
    return this.roots()
      .map((root) => runsFolderSignature(root, this.file))
      .join('\n');
  }

  /** Refreshes when a run or its file appeared, changed or went away since the last look; a no-op otherwise. */
  check(): void {
    const now = this.current();
    if (now === this.signature) return;
    this.signature = now;
    this.onChange();
  }

  dispose(): void {
    clearInterval(this.poll);
  }
}
