// Keeps the Models view's "Fine-tuned" section current: a run's export (<runs>/<id>/model/) appears when the run
// completes, from this window's worker, a detached one, another window or the CLI alike. What the section shows is
// summed up in a cheap signature (runExportsSignature: one readdir and one stat per run), compared on a slow poll and
// whenever the Runs view changes (its run.json watcher, this window's supervisor at a run's end), and the view is
// refreshed only when it differs. No file watcher of its own: a second recursive watcher on the workspace was seen
// to leave code-server delivering no file events at all, and a runs folder that does not exist yet cannot be watched.
import { runExportsSignature } from './runExportPaths';

export const POLL_MS = 3000;

export interface Disposable {
  dispose(): void;
}

export class RunExportsWatch implements Disposable {
  private signature: string;
  private readonly poll: ReturnType<typeof setInterval>;

  constructor(
    private readonly roots: () => string[],
    private readonly onChange: () => void,
    pollMs = POLL_MS,
  ) {
    this.signature = this.current();
    this.poll = setInterval(() => this.check(), pollMs);
    (this.poll as { unref?: () => void }).unref?.();
  }

  private current(): string {
    return this.roots().map(runExportsSignature).join('\n');
  }

  /** Refreshes when an export appeared, changed or went away since the last look; a no-op otherwise. */
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
