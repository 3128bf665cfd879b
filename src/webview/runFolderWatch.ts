// Notices changes in a run folder (run.json rewritten, metrics.jsonl appended) whoever writes them: the worker of
// this window, a CLI run, or another window. fs.watch gives immediacy where it works; a slow poll covers file systems
// where it misses events (network drives, some containers), so the panel is never stuck.
import * as fs from 'node:fs';

export interface Disposable {
  dispose(): void;
}

export function watchRunFolder(dir: string, onChange: () => void, pollMs = 1000): Disposable {
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, { persistent: false }, () => onChange());
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    // Folder not there yet or watching unsupported: the poll below still notices changes.
  }
  const poll = setInterval(onChange, pollMs);
  return {
    dispose() {
      clearInterval(poll);
      watcher?.close();
    },
  };
}
