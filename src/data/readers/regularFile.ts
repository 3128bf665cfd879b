// Only regular files are datasets. A FIFO blocks the first read until a writer appears (forever, from the user's
// view) and /dev/zero or /dev/urandom never end, so these are refused by what they are before any byte is read.
import * as fs from 'node:fs';
import { DatasetError } from '../errors';

/** What a non-regular file is, in words a user recognises, and why it cannot be read as data. */
function describe(stat: fs.Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isFIFO()) return 'is a named pipe (FIFO), not a regular file: reading it would wait for a writer, possibly forever';
  if (stat.isCharacterDevice()) return 'is a character device (like /dev/zero or a terminal), not a regular file: it can produce bytes without end';
  if (stat.isBlockDevice()) return 'is a block device (a disk), not a regular file';
  if (stat.isSocket()) return 'is a socket, not a regular file';
  if (stat.isDirectory()) return 'is a folder, not a file';
  return 'is not a regular file';
}

function refusal(file: string, what: string): DatasetError {
  let target = '';
  try {
    const real = fs.realpathSync(file);
    if (real !== file && fs.lstatSync(file).isSymbolicLink()) target = ` (a symbolic link to ${real})`;
  } catch {
    // the description alone still says what is wrong
  }
  return new DatasetError('not-a-regular-file', { file },
    `this path${target} ${what}. Save the data to a regular .csv/.tsv/.jsonl/.json/.parquet/.txt file and choose that.`);
}

/** Throws a 'not-a-regular-file' DatasetError unless `file` (after symbolic links) is a regular file. Never opens it. */
export function assertRegularFile(file: string): void {
  const what = describe(fs.statSync(file));
  if (what) throw refusal(file, what);
}

/**
 * Opens `file` for reading without ever blocking on a FIFO: the path is checked first, and the descriptor is checked
 * again after a non-blocking open, so a file swapped for a pipe in between is refused too.
 */
export function openRegularFile(file: string): number {
  assertRegularFile(file);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  const what = describe(fs.fstatSync(fd));
  if (what) {
    fs.closeSync(fd);
    throw refusal(file, what);
  }
  return fd;
}
