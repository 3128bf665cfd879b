// Atomic file writes: a crash or kill -9 leaves either the old file or the new one, never a torn one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withFsContext } from './fsErrors';

/**
 * Largest single write(2): one fs.writeFileSync of a 4 GB checkpoint (bert-large weights + AdamW moments) throws
 * ERR_OUT_OF_RANGE, and one huge write also needs the whole file as one buffer. Everything is written in pieces.
 */
export const MAX_WRITE_BYTES = 64 * 1024 ** 2;

/** What a file is made of: text, bytes, or a list of byte ranges written one after another (never concatenated). */
export type FileContent = string | Uint8Array | readonly Uint8Array[];

/** Writes `content` to an open descriptor in pieces of at most MAX_WRITE_BYTES; returns the bytes written. */
export function writeAllSync(fd: number, content: FileContent, position = 0): number {
  const parts = typeof content === 'string' ? [Buffer.from(content, 'utf8')] : content instanceof Uint8Array ? [content] : content;
  let at = position;
  for (const part of parts) {
    let done = 0;
    while (done < part.byteLength) {
      const n = fs.writeSync(fd, part, done, Math.min(MAX_WRITE_BYTES, part.byteLength - done), at);
      done += n;
      at += n;
    }
  }
  return at - position;
}

export function writeFileAtomic(file: string, data: FileContent): void {
  makeFolder(path.dirname(file));
  withFsContext(file, 'writing it', () => writeThenRename(file, data));
}

function makeFolder(dir: string): void {
  withFsContext(dir, 'creating the folder', () => fs.mkdirSync(dir, { recursive: true }));
}

function writeThenRename(file: string, data: FileContent): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    writeAllSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    // A failed write (ENOSPC, EIO) leaves no half file behind.
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Appends one line and syncs it, so metrics survive a killed worker up to the last complete line. A line torn by a
 * kill (no final newline) is closed first: otherwise the next record would be glued to it and lost with it.
 */
export function appendLineSync(file: string, line: string): void {
  makeFolder(path.dirname(file));
  withFsContext(file, 'appending to it', () => appendLine(file, line));
}

function appendLine(file: string, line: string): void {
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const torn = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    fs.writeSync(fd, (torn ? '\n' : '') + (line.endsWith('\n') ? line : line + '\n'));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The rename itself is only durable once the directory entry is flushed. */
function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems (and Windows) refuse fsync on directories; the rename is still atomic there.
  }
}

/**
 * Writes a whole folder or nothing: `write` fills a staging folder beside `dir`, which then replaces `dir` (an old
 * `dir` is removed just before the rename). A kill mid-export leaves the previous folder or none, never a model/
 * with only config.json in it. Returns what `write` returns, its paths moved from the staging folder to `dir`.
 */
export function writeFolderAtomic(dir: string, write: (staging: string) => string[]): string[] {
  return withFsContext(dir, 'writing the folder', () => writeFolderThenRename(dir, write));
}

function writeFolderThenRename(dir: string, write: (staging: string) => string[]): string[] {
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  let files: string[];
  try {
    files = write(staging);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  fsyncDir(path.dirname(dir));
  return files.map((f) => (f.startsWith(staging) ? dir + f.slice(staging.length) : f));
}
