// What a view shows of a runs folder, in one string: each run folder under it and one file of each run (inode, size,
// mtime). The trainer writes run.json and renames an export into place, so a rewritten file has a new inode or mtime.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The Models view's "Fine-tuned" section: a run's export. */
export const RUN_EXPORT_FILE = path.join('model', 'config.json');
/** The Runs view: a run's record. */
export const RUN_RECORD_FILE = 'run.json';

export function runsFolderSignature(root: string, file: string): string {
  let ids: string[];
  try {
    ids = fs.readdirSync(root).sort();
  } catch {
    return '';
  }
  return ids
    .map((id) => {
      try {
        const st = fs.statSync(path.join(root, id, file));
        return `${id}:${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${id}:-`;
      }
    })
    .join('|');
}
