// Follows a growing metrics.jsonl: reads only the bytes appended since the last read and hands over complete lines.
// A line the trainer is still writing (no newline yet) waits for the next read; bytes are kept as bytes so a UTF-8
// character split across two reads is never mangled. A file that shrinks (a new run reusing the folder, a rewrite)
// starts over from the beginning.
import * as fs from 'node:fs';
import type { MetricsEntry } from '../training/protocol';
import { parseMetricsLine } from './metricsEntries';

export interface TailUpdate {
  entries: MetricsEntry[];
  problems: string[];
  /** True when the file was replaced or truncated: what was read before no longer applies. */
  reset: boolean;
}

export class MetricsTail {
  private offset = 0;
  private pending: Buffer = Buffer.alloc(0);
  private lineNo = 0;
  private identity: string | undefined;

  constructor(readonly file: string) {}

  /** Reads what was appended since the last call; an absent file yields nothing (the run has not logged yet). */
  read(): TailUpdate {
    let reset = false;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      return { entries: [], problems: [], reset };
    }
    const identity = `${stat.dev}:${stat.ino}`;
    if ((this.identity !== undefined && identity !== this.identity) || stat.size < this.offset) {
      reset = true;
      this.offset = 0;
      this.pending = Buffer.alloc(0);
      this.lineNo = 0;
    }
    this.identity = identity;
    if (stat.size === this.offset) return { entries: [], problems: [], reset };
    const chunk = Buffer.alloc(stat.size - this.offset);
    const fd = fs.openSync(this.file, 'r');
    let got = 0;
    try {
      while (got < chunk.length) {
        const n = fs.readSync(fd, chunk, got, chunk.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    this.offset += got;
    const data = Buffer.concat([this.pending, chunk.subarray(0, got)]);
    const end = data.lastIndexOf(0x0a);
    this.pending = end < 0 ? data : data.subarray(end + 1);
    const entries: MetricsEntry[] = [];
    const problems: string[] = [];
    if (end >= 0) {
      for (const line of data.subarray(0, end).toString('utf8').split('\n')) {
        this.lineNo++;
        const r = parseMetricsLine(line, `${this.file}:${this.lineNo}`);
        if ('entry' in r) entries.push(r.entry);
        else if ('problem' in r) problems.push(r.problem);
      }
    }
    return { entries, problems, reset };
  }
}
