// Finds and loads the native gloo addon (native/gloo, built by `npm run build:gloo` into dist/native/<platform>/).
// The addon is optional: single-process training never loads it, and data-parallel training must say exactly what is
// missing and how to get it rather than fail with a loader's stack trace.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Options of the addon's createGroup (see native/gloo/gloo_addon.cc). */
export interface GlooCreateOptions {
  rank: number;
  size: number;
  /** Where rank 0 serves the rendezvous store (torchrun's MASTER_ADDR); also picks the transport's interface. */
  masterAddr?: string;
  masterPort?: number;
  /** A shared folder for gloo's FileStore rendezvous instead of the TCP store (then masterPort is not needed); fresh per job. */
  storePath?: string;
  /** Rendezvous and every op give up after this long. */
  timeoutMs?: number;
  /** Key prefix in the store, so several groups can share one. */
  prefix?: string;
}

/** A connected group as the addon returns it. Ops run in the order issued; each promise settles when it is done. */
export interface GlooHandle {
  readonly rank: number;
  readonly size: number;
  /** gloo's device and why that address, e.g. "tcp, pci=, iface=lo, speed=-1, addr=[127.0.0.1] via loopback (…)". */
  readonly transport: string;
  /** Element-wise sum over all ranks, in place. */
  allreduce(buf: Float32Array | Float64Array): Promise<void>;
  /** Root's contents into every rank's buffer (any typed array). */
  broadcast(buf: ArrayBufferView, root: number): Promise<void>;
  barrier(): Promise<void>;
  /** Rejects queued ops, then releases the connections once the op in flight (if any) ends. */
  close(): void;
}

export interface GlooAddon {
  createGroup(options: GlooCreateOptions): Promise<GlooHandle>;
  readonly glooVersion: string;
}

const ADDON_FILE = 'gloo.node';
export const ADDON_RELATIVE = 'dist/native/linux-x64/gloo.node';

function platformFolder(): string {
  return `${process.platform}-${process.arch}`;
}

/**
 * Where the addon may be, in order: FTS_GLOO_ADDON alone when set; else beside the bundle (dist/worker.js and
 * dist/cli.js → dist/native/...) and in a dist/ folder of any of the few folders above this module (tests run it
 * compiled from out/src/training/distributed/, five levels below the repository root).
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env, from: string = __dirname): string[] {
  if (env.FTS_GLOO_ADDON) return [path.resolve(env.FTS_GLOO_ADDON)];
  const found: string[] = [];
  let dir = from;
  for (let up = 0; up < 6; up++) {
    found.push(path.join(dir, 'native', platformFolder(), ADDON_FILE), path.join(dir, 'dist', 'native', platformFolder(), ADDON_FILE));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return [...new Set(found)];
}

const HOW_TO_BUILD = 'build it with `sudo apt-get install libgloo-dev && npm run build:gloo`';

/** Why the addon cannot be used on this machine, without trying to load it; undefined when a file is there. */
function missingReason(candidates: string[]): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `Data-parallel training needs the gloo addon, which has no prebuilt for ${platformFolder()} (only linux-x64); ` +
      'on Linux x64 ' + HOW_TO_BUILD;
  }
  if (candidates.some((c) => fs.existsSync(c))) return undefined;
  return `Data-parallel training needs the gloo addon (${ADDON_RELATIVE}): not found at ${candidates.join(', ')}; ${HOW_TO_BUILD}`;
}

const loaded = new Map<string, GlooAddon>();

/** Loads the addon (once per file); throws an Error that says what is missing and how to get it. */
export function loadGlooAddon(env: NodeJS.ProcessEnv = process.env): GlooAddon {
  const candidates = addonCandidates(env);
  const missing = missingReason(candidates);
  if (missing) throw new Error(missing);
  const file = candidates.find((c) => fs.existsSync(c)) as string;
  const cached = loaded.get(file);
  if (cached) return cached;
  // process.dlopen rather than require: bundlers leave it alone, and the path is only known at run time.
  const mod: { exports: unknown } = { exports: {} };
  try {
    process.dlopen(mod, file);
  } catch (e) {
    throw new Error(
      `Data-parallel training needs the gloo addon: ${file} is there but does not load (${(e as Error).message}). ` +
        'It needs libgloo.so.0 beside it (npm run build:gloo copies it) and the system libraries libhiredis0.14 and ' +
        `libibverbs1 (\`sudo apt-get install libhiredis0.14 libibverbs1\`); or ${HOW_TO_BUILD}`,
      { cause: e },
    );
  }
  const addon = mod.exports as GlooAddon;
  loaded.set(file, addon);
  return addon;
}

/** Whether data-parallel training can run here, and if not why (the message loadGlooAddon would throw). */
export function glooAvailable(env: NodeJS.ProcessEnv = process.env): { ok: true } | { ok: false; reason: string } {
  try {
    loadGlooAddon(env);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
