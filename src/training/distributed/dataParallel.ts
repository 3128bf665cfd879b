// A data-parallel run's view of itself: the launch contract, the open process group, and the one rule every part of
// the trainer follows — rank 0 owns the run folder (record, metrics, checkpoints, export), every other rank trains
// the same steps on its share of each batch and writes nowhere but a scratch folder of its own.
import type { LaunchEnv } from './launchEnv';
import type { ProcessGroup } from './processGroup';
import { openGlooGroup } from './processGroup';
import { ncclStatus } from './nccl';

export interface DataParallel {
  env: LaunchEnv;
  group: ProcessGroup;
  /** Rank 0: the one process that writes the run folder. */
  isWriter: boolean;
  /** How the group came together and what carries the gradients, for the run log. */
  description: string;
}

/** Joins the other ranks (all must arrive within the timeout), saying which collective engine carries the gradients. */
export async function joinRanks(env: LaunchEnv): Promise<DataParallel> {
  const t0 = performance.now();
  const group = await openGlooGroup({ rank: env.rank, worldSize: env.worldSize, masterAddr: env.masterAddr, masterPort: env.masterPort, timeoutMs: env.timeoutMs });
  const nccl = ncclStatus();
  const description = `data-parallel: rank ${env.rank} of ${env.worldSize} (launched by ${env.launcher}, local rank ${env.localRank}), rendezvous at ${env.masterAddr}:${env.masterPort} ` +
    `in ${((performance.now() - t0) / 1000).toFixed(2)} s; gradients all-reduced by gloo over TCP (${group.transport}); NCCL: ${nccl.reason}`;
  return { env, group, isWriter: env.rank === 0, description };
}
