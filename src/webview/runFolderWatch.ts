// Notices changes in a run folder (run.json rewritten, metrics.jsonl appended) whoever writes them: the worker of
// this window, a CLI run, or another window. fs.watch gives immediacy where it works; a slow poll of the two files'
// stat covers file systems where it misses events (network drives, some containers), so the panel is never stuck.
// The poll reports only real changes: a panel re-rendered every second would lose the user's scroll and focus.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Disposable {
  dispose(): void;
}

const WATCHED = ['run.json', 'metrics.jsonl'];

export function folderSignature(dir: string): string {
  return WATCHED.map((f) => {
    try {
      const st = fs.statSync(path.join(dir, f));
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return '-';
    }
  }).join('|');
}

export function watchRunFolder(dir: string, onChange: () => void, pollMs = 1000): Disposable {
  let last = folderSignature(dir);
  const check = () => {
    const now = folderSignature(dir);
    if (now === last) return;
    last = now;
    onChange();
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, { persistent: false }, (_event, file) => {
      if (!file || WATCHED.includes(String(file))) check();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    // Folder not there yet or watching unsupported: the poll below still notices changes.
  }
  const poll = setInterval(check, pollMs);
  return {
    dispose() {
      clearInterval(poll);
      watcher?.close();
    },
  };
}
