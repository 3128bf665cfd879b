// Keeps the Models view's "Fine-tuned" section current: a run's export (<runs>/<id>/model/) appears when the run
// completes, from this window's worker, a detached one, another window or the CLI alike, so the run folders are
// watched rather than waiting for a message from this window's supervisor. The export is written into a staging
// folder and renamed into place, and run.json is rewritten right after it, so either event refreshes the view.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isInside } from '../util/pathInside';
import { isRunExportChange } from './runExportPaths';

/** Coalesces a burst of events (the export writes several files) into one refresh. */
const DEBOUNCE_MS = 300;

export class RunExportsWatch implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly roots: () => string[],
    private readonly onChange: () => void,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rewatch()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('finetuneStudio.runsFolder') && this.rewatch()),
    ];
    this.rewatch();
  }

  private rewatch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const root of this.roots()) {
      // One watcher per runs folder; events are filtered by path, since a running run also rewrites metrics.jsonl
      // every few steps. The runs folder usually does not exist before the first run, and a watcher on a missing
      // folder never starts: inside a workspace folder the pattern is based on that folder, which exists.
      const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => isInside(root, f.uri.fsPath));
      const rel = folder ? path.relative(folder.uri.fsPath, root).split(path.sep).join('/') : '';
      const pattern = folder ? new vscode.RelativePattern(folder, rel ? `${rel}/**` : '**') : new vscode.RelativePattern(vscode.Uri.file(root), '**');
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const handle = (uri: vscode.Uri) => isRunExportChange(root, uri.fsPath) && this.schedule();
      this.watchers.push(watcher, watcher.onDidCreate(handle), watcher.onDidChange(handle), watcher.onDidDelete(handle));
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(), DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of [...this.watchers, ...this.subscriptions]) d.dispose();
    this.watchers = [];
  }
}
