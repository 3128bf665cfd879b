// What a run folder takes on disk, by part, for the run summary: a bert-base full fine-tune writes a few GB
// (checkpoints hold weights + AdamW moments), and users should see that, and that retention keeps it bounded.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DiskUsage {
  total: number;
  /** Bytes per top-level entry of the run folder (checkpoints, model, artifacts, cache, run.json, ...). */
  parts: Record<string, number>;
}

function bytesUnder(p: string): number {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.size;
  let sum = 0;
  for (const e of fs.readdirSync(p)) sum += bytesUnder(path.join(p, e));
  return sum;
}

export function runDiskUsage(runDir: string): DiskUsage {
  const parts: Record<string, number> = {};
  let total = 0;
  for (const e of fs.readdirSync(runDir).sort()) {
    const n = bytesUnder(path.join(runDir, e));
    parts[e] = n;
    total += n;
  }
  return { total, parts };
}

export function formatDiskBytes(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

/** One line for the run log: the total and the parts that matter, largest first. */
export function describeDiskUsage(u: DiskUsage): string {
  const big = Object.entries(u.parts).filter(([, n]) => n >= 1024 ** 2).sort((a, b) => b[1] - a[1]);
  return `run folder on disk: ${formatDiskBytes(u.total)}${big.length ? ` (${big.map(([k, n]) => `${k} ${formatDiskBytes(n)}`).join(', ')})` : ''}`;
}
