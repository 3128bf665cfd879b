// Where the Hugging Face cache lives and how repos are named inside it; mirrors huggingface_hub's constants so the
// folder is shared with Python tools (a model downloaded by either is reused by the other).
import * as os from 'node:os';
import * as path from 'node:path';

export type Env = Record<string, string | undefined>;

/**
 * Precedence as in huggingface_hub: explicit setting, $HF_HUB_CACHE, legacy $HUGGINGFACE_HUB_CACHE, $HF_HOME/hub,
 * $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub. `~` in the setting is expanded because users copy paths
 * from shell docs.
 */
export function resolveHubCacheDir(setting?: string, env: Env = process.env, home: string = os.homedir()): string {
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : p);
  if (setting && setting.trim()) return path.resolve(expand(setting.trim()));
  if (env.HF_HUB_CACHE) return path.resolve(expand(env.HF_HUB_CACHE));
  if (env.HUGGINGFACE_HUB_CACHE) return path.resolve(expand(env.HUGGINGFACE_HUB_CACHE));
  if (env.HF_HOME) return path.join(path.resolve(expand(env.HF_HOME)), 'hub');
  const cacheHome = env.XDG_CACHE_HOME ? expand(env.XDG_CACHE_HOME) : path.join(home, '.cache');
  return path.join(path.resolve(cacheHome), 'huggingface', 'hub');
}

export type RepoType = 'model' | 'dataset' | 'space';

const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

/** Checks an "org/name" id before it becomes a folder name or a URL path. */
export function validateRepoId(repoId: string): void {
  if (!REPO_ID.test(repoId) || repoId.includes('..') || repoId.includes('--')) {
    throw new Error(`"${repoId}" is not a valid Hugging Face repo id (expected "name" or "org/name" with letters, digits, "-", "_", ".").`);
  }
}

/** "org/name" → "models--org--name". */
export function repoFolderName(repoId: string, type: RepoType = 'model'): string {
  validateRepoId(repoId);
  return [`${type}s`, ...repoId.split('/')].join('--');
}

/** "models--org--name" → { type, repoId }, or null for folders that are not repos (.locks, stray files). */
export function parseRepoFolderName(folder: string): { type: RepoType; repoId: string } | null {
  const parts = folder.split('--');
  if (parts.length < 2) return null;
  const type = ({ models: 'model', datasets: 'dataset', spaces: 'space' } as const)[parts[0] as 'models'];
  if (!type) return null;
  return { type, repoId: parts.slice(1).join('/') };
}
