// Repo names for a push, checked before any request: the Hub's rules ([A-Za-z0-9._-], no "--" or "..", no leading or
// trailing "-" / ".", at most 96 characters), so a bad name is a message at the prompt, not an HTTP 400 after hashing 1 GB.

export const MAX_REPO_NAME = 96;

/** Why `name` cannot be a Hub repo (or namespace) name, or undefined when it can. */
export function repoNameProblem(name: string, what = 'Repo name'): string | undefined {
  if (name === '') return `${what} is empty.`;
  if (name.length > MAX_REPO_NAME) return `${what} "${name.slice(0, 20)}…" has ${name.length} characters; the Hub allows at most ${MAX_REPO_NAME}.`;
  const bad = [...new Set(name.replace(/[A-Za-z0-9._-]/g, ''))];
  if (bad.length) return `${what} "${name}" contains ${bad.map((c) => JSON.stringify(c)).join(', ')}: only letters, digits, "-", "_" and "." are allowed.`;
  if (name.includes('--') || name.includes('..')) return `${what} "${name}" contains "--" or "..", which the Hub does not allow.`;
  if (/^[-.]|[-.]$/.test(name)) return `${what} "${name}" starts or ends with "-" or ".", which the Hub does not allow.`;
  return undefined;
}

export interface PushTarget {
  /** Undefined: the signed-in user's namespace (read from whoami). */
  namespace?: string;
  name: string;
}

/** "name" or "namespace/name" → parts; throws with the rule broken. */
export function parsePushTarget(input: string, namespace?: string): PushTarget {
  const trimmed = input.trim();
  const parts = trimmed.split('/');
  if (parts.length > 2) throw new RangeError(`"${trimmed}" is not a repo name: use NAME or NAMESPACE/NAME (one "/").`);
  const [ns, name] = parts.length === 2 ? [parts[0], parts[1]] : [namespace, parts[0]];
  const problem = (ns !== undefined ? repoNameProblem(ns, 'Namespace') : undefined) ?? repoNameProblem(name);
  if (problem) throw new RangeError(problem);
  return { namespace: ns, name };
}

/** A valid default repo name from anything (a run id): invalid characters become "-", runs of "-" and "." collapse. */
export function suggestRepoName(from: string): string {
  const cleaned = from.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/\.{2,}/g, '.').slice(0, MAX_REPO_NAME).replace(/^[-.]+|[-.]+$/g, '');
  return cleaned || 'model';
}
