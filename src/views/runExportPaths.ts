// Which changes under a runs folder can change the list of fine-tuned models: a run folder or its run.json (a run
// created, completed or deleted) and anything in its model/ export. Pure, so the filter is tested without VS Code.
import * as path from 'node:path';

export function isRunExportChange(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const parts = rel.split(path.sep);
  if (parts.length === 1) return true; // a run folder itself (created, renamed, deleted)
  if (parts[1] !== 'model') return parts.length === 2 && parts[1] === 'run.json';
  return true;
}
