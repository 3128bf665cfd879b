// File-system failures in words a user can act on: "<path>: <what happened>; <what to do>". Node's own messages name
// no path for a write on a descriptor ("ENOSPC: no space left on device, write") and never say what to do.

/** A file-system error with the path it concerns and the fix; `code` stays Node's (EEXIST, ENOSPC…) for callers that branch on it. */
export class FileSystemError extends Error {
  readonly code: string | undefined;
  readonly path: string;
  constructor(message: string, target: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'FileSystemError';
    this.code = code;
    this.path = target;
  }
}

/** What happened and what to do, by Node's error code. */
const REMEDIES: Record<string, [happened: string, fix: string]> = {
  ENOSPC: ['no space left on the device', 'free disk space there (old runs\' checkpoints are usually the bulk) or choose a folder on another disk'],
  EDQUOT: ['the disk quota is exhausted', 'free space within your quota or choose a folder on another disk'],
  EROFS: ['the file system is read-only', 'choose a folder on a writable disk (for runs: the finetuneStudio.runsFolder setting or the CLI\'s --runs)'],
  EACCES: ['permission denied', 'make it writable for this user (chmod/chown) or choose another folder'],
  EPERM: ['the operation is not permitted', 'make it writable for this user or choose another folder'],
  ENOENT: ['no such file or folder', 'check the path (a folder on the way may have been moved or deleted)'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'remove or rename that file, or choose another path'],
  EISDIR: ['it is a folder where a file was expected', 'give the path of a file'],
  EEXIST: ['it already exists', 'remove it or choose another name'],
  ENAMETOOLONG: ['the path is too long for the file system', 'choose a shorter folder'],
  EMFILE: ['too many open files in this process', 'close other work or raise the limit (ulimit -n) and try again'],
  ENFILE: ['too many open files on this system', 'close other programs or raise the system limit and try again'],
  EBUSY: ['it is busy (locked by another program)', 'close the program that holds it and try again'],
  EIO: ['an input/output error from the device', 'check the disk (dmesg, SMART) and try again'],
  ETXTBSY: ['the file is in use', 'close the program that holds it and try again'],
};

/** "<path>: <what happened> (<code> while <doing>); <what to do>" for a Node file-system error. */
export function describeFsError(e: unknown, target: string, doing: string): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const remedy = code !== undefined && Object.hasOwn(REMEDIES, code) ? REMEDIES[code] : undefined;
  if (!remedy) return `${target}: ${doing} failed: ${(e as Error | undefined)?.message ?? String(e)}`;
  return `${target}: ${remedy[0]} (${code} while ${doing}); ${remedy[1]}`;
}

/** Rethrows a Node file-system error from `fn` as a FileSystemError naming `target`; other errors pass unchanged. */
export function withFsContext<T>(target: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asFsError(e, target, doing);
  }
}

export function asFsError(e: unknown, target: string, doing: string): unknown {
  if (e instanceof FileSystemError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  // Only errors the OS raised (they carry errno); a programming error keeps its own message and stack.
  if (typeof code !== 'string' || typeof (e as NodeJS.ErrnoException).errno !== 'number') return e;
  return new FileSystemError(describeFsError(e, target, doing), target, code, e);
}

/**
 * The last line of defence where a run ends on an error: a Node file-system error that no caller wrapped gets its own
 * path and the fix. A write on a descriptor carries no path: it is named by the folder being written, when known.
 */
export function explainFsError(e: unknown, writingIn?: string): unknown {
  const err = e as NodeJS.ErrnoException | undefined;
  if (err?.path) return asFsError(e, err.path, err.syscall ? `calling ${err.syscall}` : 'accessing it');
  if (writingIn && err?.syscall && ['write', 'fsync', 'fdatasync', 'ftruncate', 'close'].includes(err.syscall)) return asFsError(e, writingIn, `writing in this folder (${err.syscall})`);
  return e;
}
