// Whether a path lies under a folder, by path arithmetic only (no symlinks resolved): "Open run folder" and the run
// folder watch ask whether a runs folder is inside a workspace folder.
import * as path from 'node:path';

/** Whether `child` is `parent` or lies under it (a sibling sharing a name prefix does not). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
