// The run configuration a cluster job trains, from a configuration of this machine (a saved configuration, a run's
// run.json, the CLI's flags): checked as `train` would check it, with model and data paths as the cluster sees them.
import * as path from 'node:path';
import { resolveArgs } from '../hyperparameters';
import type { RunConfig } from '../protocol';
import { resolveSetFitSettings } from '../setfit/settings';
import { STRATEGIES } from '../strategies';
import type { ClusterRunConfig } from './jobFacts';

/** Throws what `train` would say at the start of the run about the strategy or a setting; nothing when it would start. */
export function checkRunSettings(config: Pick<RunConfig, 'strategy' | 'settings'>): void {
  if (!(config.strategy in STRATEGIES)) throw new Error(`"strategy" must be one of ${Object.keys(STRATEGIES).join(', ')}; got "${String(config.strategy)}"`);
  // SetFit's own keys (setfitHead, …) are unknown to resolveArgs: its trainer splits them off first, as here.
  if (config.strategy === 'setfit') resolveSetFitSettings(config.settings ?? {});
  else resolveArgs(config.settings ?? {});
}

/**
 * A path of this machine as the cluster sees it, given that `localRoot` (the workspace) is the job's working folder
 * there: relative with "/" when it lies inside, else unchanged (it must then exist at that path on every node).
 */
export function clusterPath(local: string, localRoot: string, p: typeof path = path): string {
  // Already relative (a hand-written configuration): relative to the working folder there as it was here.
  if (!p.isAbsolute(local)) return local.split(p.sep).join('/');
  const rel = p.relative(localRoot, local);
  if (rel === '' || rel === '..' || rel.startsWith(`..${p.sep}`) || p.isAbsolute(rel)) return local;
  return rel.split(p.sep).join('/');
}

/** A local configuration as a cluster job's: runs folder and device are the job's, model and data mapped by clusterPath. */
export function clusterRunConfig(config: Omit<RunConfig, 'runsRoot'> & { runsRoot?: string }, localRoot: string, p: typeof path = path): ClusterRunConfig {
  // The job sets its own runs folder and device; this machine's would mean nothing there.
  const { runsRoot: _runsRoot, device: _device, model, data, ...rest } = config;
  return { ...(model ? { model: clusterPath(model, localRoot, p) } : {}), ...(data ? { data: clusterPath(data, localRoot, p) } : {}), ...rest };
}
