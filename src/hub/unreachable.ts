// When the Hub cannot be reached (no network, refused, timed out, offline mode, or the server failing with 5xx), every
// Hub feature says the same thing: what failed, and the three ways to go on without the Hub — a model folder on disk,
// a model already in the Hugging Face cache, a mirror endpoint. One wording for zero-shot, search and download. Pure.
import { HubError } from './hubErrors';

/** Which feature met the unreachable Hub: it decides what "a local folder" means there. */
export type HubUse = 'zero-shot' | 'search' | 'download';

/** The buttons of the message, in order; the extension side binds each to a settings page or a folder picker. */
export type UnreachableAction = 'localFolder' | 'cacheFolder' | 'mirror';

export const SETTINGS = {
  zeroShotModel: 'finetuneStudio.zeroShot.model',
  cacheFolder: 'finetuneStudio.cacheFolder',
  endpoint: 'finetuneStudio.hub.endpoint',
  offline: 'finetuneStudio.hub.offline',
} as const;

export interface UnreachableMessage {
  text: string;
  actions: UnreachableAction[];
}

/** A failure of the Hub as a whole, not of one repo (404, gated and 401 name the repo and have their own advice). */
export function isHubUnreachable(err: unknown): err is HubError {
  if (!(err instanceof HubError)) return false;
  if (err.kind === 'offline' || err.kind === 'timeout') return true;
  return err.kind === 'server' && err.details.status !== undefined && err.details.status >= 500;
}

const LOCAL: Record<HubUse, string> = {
  'zero-shot': `a model folder on disk (set "${SETTINGS.zeroShotModel}" to its path)`,
  search: 'a model folder on disk (those in the workspace are in the Models view)',
  download: 'a model folder on disk (those in the workspace are in the Models view)',
};

/**
 * `err`'s own message (what failed, and what the cache already holds) followed by the alternatives. `cacheDir` is
 * the cache folder in use, named unless the message already does.
 */
export function unreachableHubMessage(err: HubError, use: HubUse, cacheDir: string): UnreachableMessage {
  const what = use === 'zero-shot' ? 'Zero-shot model' : use === 'search' ? 'Hub search' : 'Download';
  const own = err.message.trim();
  const cache = own.includes(cacheDir) ? '' : `${cacheDir}, `;
  const alternatives = `${LOCAL[use]}, a model in the Hugging Face cache (${cache}setting "${SETTINGS.cacheFolder}") or a Hub mirror (setting "${SETTINGS.endpoint}")`;
  return { text: `${what}: ${own} Without the Hub, use ${alternatives}.`, actions: ['localFolder', 'cacheFolder', 'mirror'] };
}
