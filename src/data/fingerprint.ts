// A dataset is read more than once (columns and label kind from the first rows, then every row), and a file being
// rewritten meanwhile yields rows of two versions: a phantom class, a label space that does not match the rows. The
// file's identity, size and times are taken before the first read and compared after the last.
import * as fs from 'node:fs';
import { DatasetError } from './errors';

export interface FileFingerprint {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export function fingerprintOf(file: string): FileFingerprint {
  const s = fs.statSync(file, { bigint: true });
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs };
}

function sameFile(a: FileFingerprint, b: FileFingerprint): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
const bytes = (n: bigint) => `${n.toLocaleString('en-US')} bytes`;

/** What differs between two fingerprints, in words. */
export function describeChange(before: FileFingerprint, after: FileFingerprint): string {
  if (before.dev !== after.dev || before.ino !== after.ino) return 'it was replaced by another file';
  const parts: string[] = [];
  if (before.size !== after.size) parts.push(`size ${bytes(before.size)} → ${bytes(after.size)}`);
  if (before.mtimeNs !== after.mtimeNs) parts.push(`modified ${iso(before.mtimeNs)} → ${iso(after.mtimeNs)}`);
  if (!parts.length) parts.push(`status changed ${iso(before.ctimeNs)} → ${iso(after.ctimeNs)}`);
  return parts.join(', ');
}

/** Throws a 'file-changed' DatasetError when `file` is no longer the file `before` describes (or is gone). */
export function assertUnchanged(file: string, before: FileFingerprint): void {
  let after: FileFingerprint;
  try {
    after = fingerprintOf(file);
  } catch (e) {
    throw new DatasetError('file-changed', { file },
      `the file disappeared while it was being read (${(e as Error).message}); restore it, then start again.`);
  }
  if (sameFile(before, after)) return;
  throw new DatasetError('file-changed', { file },
    `the file changed while it was being read (${describeChange(before, after)}), so the rows read may mix its old and new ` +
    'content. Wait until whatever writes it has finished, then start again.');
}

/**
 * `rows`, then a check that the file is still the one fingerprinted as `before` (taken before any read). A read that
 * fails on a file that changed meanwhile reports the change: half-old, half-new bytes make any parse error a red herring.
 */
export async function* rowsOfUnchangedFile<T>(file: string, before: FileFingerprint, rows: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* rows;
  } catch (e) {
    assertUnchanged(file, before);
    throw e;
  }
  assertUnchanged(file, before);
}

/** Runs `work`; if it fails and the file changed since `before`, the change is the error reported. */
export async function unlessChanged<T>(file: string, before: FileFingerprint, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    assertUnchanged(file, before);
    throw e;
  }
}
