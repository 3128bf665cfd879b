// Turns a file name that came from the Hub (tree listing, sibling list) into a path on disk that provably stays inside
// the folder it is meant for. A malicious repository controls these names, so every write goes through here.
import * as path from 'node:path';

/** Thrown for a Hub file name that could write outside its folder; says which name and why. */
export class UnsafeHubPathError extends Error {
  constructor(readonly fileName: string, reason: string) {
    super(`Refusing Hub file name ${JSON.stringify(fileName)}: ${reason}. The repository is not safe to download; ask its owner to rename the file.`);
    this.name = 'UnsafeHubPathError';
  }
}

/**
 * Checks a repo-relative POSIX name ("onnx/model.onnx"). Backslashes are refused on every OS because a name that is
 * harmless on Linux ("a\..\x") escapes when the same cache is read on Windows; drive letters and colons likewise.
 */
export function validateHubFileName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new UnsafeHubPathError(String(name), 'the name is empty');
  if (name.includes('\0')) throw new UnsafeHubPathError(name, 'it contains a NUL character');
  if (name.includes('\\')) throw new UnsafeHubPathError(name, 'it contains a backslash');
  if (name.startsWith('/')) throw new UnsafeHubPathError(name, 'it is an absolute path');
  if (/^[a-zA-Z]:/.test(name) || name.includes(':')) throw new UnsafeHubPathError(name, 'it contains a drive letter or colon');
  for (const segment of name.split('/')) {
    if (segment === '..') throw new UnsafeHubPathError(name, 'it contains a ".." segment');
    if (segment === '' || segment === '.') throw new UnsafeHubPathError(name, 'it contains an empty or "." segment');
  }
}

/**
 * Resolves `name` under `baseDir` after validation and re-checks the resolved result, so that a future change to the
 * validation rules can never silently re-open a traversal.
 */
export function resolveInside(baseDir: string, name: string): string {
  validateHubFileName(name);
  const base = path.resolve(baseDir);
  const target = path.resolve(base, ...name.split('/'));
  const rel = path.relative(base, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new UnsafeHubPathError(name, `it resolves outside ${base}`);
  }
  return target;
}

/** A git ref name or commit used as a folder name under refs/ and snapshots/. */
export function validateRevisionName(revision: string): void {
  if (!revision || revision.includes('\0') || revision.includes('\\') || revision.startsWith('/')) {
    throw new UnsafeHubPathError(revision, 'it is not a valid revision name');
  }
  if (revision.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new UnsafeHubPathError(revision, 'it is not a valid revision name');
  }
}
