// What the Models view's "Fine-tuned" section depends on, in one string: each run folder under a runs folder and its
// export's config.json (inode, size, mtime; the export is renamed into place, so a new one has a new inode).
import * as fs from 'node:fs';
import * as path from 'node:path';

export function runExportsSignature(root: string): string {
  let ids: string[];
  try {
    ids = fs.readdirSync(root).sort();
  } catch {
    return '';
  }
  return ids
    .map((id) => {
      try {
        const st = fs.statSync(path.join(root, id, 'model', 'config.json'));
        return `${id}:${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${id}:-`;
      }
    })
    .join('|');
}
