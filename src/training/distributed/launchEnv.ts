// The launchers' environment contract, read once per worker: torchrun / torch.distributed.run, Kubeflow's PyTorchJob
// and SkyPilot set MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK (and LOCAL_WORLD_SIZE); Slurm's srun sets
// SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID instead, with MASTER_ADDR/PORT left to the batch script. Whatever sets
// them, one worker per process, and rank 0 serves the rendezvous store at MASTER_ADDR:MASTER_PORT.
import * as os from 'node:os';

export interface LaunchEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  /** Workers on this machine (LOCAL_WORLD_SIZE, SLURM_NTASKS_PER_NODE; 1 when no launcher says). */
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
  /** Who set the contract, for the log and run.json. */
  launcher: 'torchrun' | 'slurm' | 'env';
  /** How long a collective (or the rendezvous) may wait for the other ranks before the run fails. */
  timeoutMs: number;
}

/** torch's default collective timeout (30 min): long enough for rank 0's evaluation and checkpoint between steps. */
export const DEFAULT_TIMEOUT_S = 1800;

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, min: number, max: number, hint: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') throw new Error(`${name} is not set; ${hint}`);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}=${raw}: expected a whole number from ${min} to ${max}; ${hint}`);
  return n;
}

/**
 * The data-parallel contract of this process, or undefined when it trains alone (no WORLD_SIZE, or WORLD_SIZE 1,
 * or a Slurm job of one task). A half-set contract is an error that says which variable is missing: training alone
 * by mistake on a cluster would burn the allocation on N copies of the same run.
 */
export function readLaunchEnv(env: Env = process.env): LaunchEnv | undefined {
  const slurm = env.WORLD_SIZE === undefined && env.SLURM_NTASKS !== undefined && env.SLURM_PROCID !== undefined;
  const sizeVar = slurm ? 'SLURM_NTASKS' : 'WORLD_SIZE';
  if (env[sizeVar] === undefined) return undefined;
  const launcherHint = 'the launcher sets it for each worker (torchrun, Kubeflow PyTorchJob; under Slurm, srun sets SLURM_PROCID and SLURM_NTASKS)';
  const worldSize = integer(env, sizeVar, 1, 65536, launcherHint);
  if (worldSize === 1) return undefined;
  const rank = integer(env, slurm ? 'SLURM_PROCID' : 'RANK', 0, worldSize - 1, launcherHint);
  const localRank = env[slurm ? 'SLURM_LOCALID' : 'LOCAL_RANK'] !== undefined ? integer(env, slurm ? 'SLURM_LOCALID' : 'LOCAL_RANK', 0, 65535, launcherHint) : 0;
  const localVar = slurm ? 'SLURM_NTASKS_PER_NODE' : 'LOCAL_WORLD_SIZE';
  // SLURM_NTASKS_PER_NODE may read "2(x3)" on heterogeneous allocations: its leading number is this node's.
  const localRaw = env[localVar]?.match(/^\d+/)?.[0];
  const localWorldSize = localRaw ? Math.max(1, Number(localRaw)) : 1;
  const storeHint = slurm
    ? 'the batch script must export it: MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1), MASTER_PORT=29500 (finetune-studio cluster writes such a script)'
    : 'rank 0 serves the rendezvous there; torchrun and Kubeflow set it';
  const masterAddr = env.MASTER_ADDR?.trim();
  if (!masterAddr) throw new Error(`MASTER_ADDR is not set (${sizeVar}=${worldSize}); ${storeHint}`);
  const masterPort = integer(env, 'MASTER_PORT', 1, 65535, storeHint);
  const timeoutS = env.FTS_DIST_TIMEOUT_S !== undefined ? integer(env, 'FTS_DIST_TIMEOUT_S', 1, 86400, 'seconds a collective may wait for the other ranks') : DEFAULT_TIMEOUT_S;
  const launcher = slurm ? 'slurm' : env.TORCHELASTIC_RUN_ID !== undefined || env.TORCHELASTIC_RESTART_COUNT !== undefined ? 'torchrun' : 'env';
  return { rank, worldSize, localRank, localWorldSize, masterAddr, masterPort, launcher, timeoutMs: timeoutS * 1000 };
}

/**
 * CPU threads per rank when the settings leave them to us: the cores shared by the workers on this machine. (Timing
 * thread counts, as a lone run does, would measure the other ranks' load, and each rank could pick another count.)
 */
export function threadsPerRank(localWorldSize: number, cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, localWorldSize)));
}

/**
 * The CUDA device a rank trains on: its local rank (one GPU per process on a node, as torchrun's users set with
 * torch.cuda.set_device(LOCAL_RANK)), or 0 when the launcher already gave the process a single GPU through
 * CUDA_VISIBLE_DEVICES (Slurm's --gpus-per-task, Kubernetes' nvidia.com/gpu: 1).
 */
export function cudaDeviceFor(localRank: number, env: Env = process.env): { device: number; reason: string } {
  const visible = env.CUDA_VISIBLE_DEVICES?.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (visible && visible.length === 1) return { device: 0, reason: `CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES} gives this process one GPU` };
  if (visible && visible.length > 0 && localRank >= visible.length) {
    throw new Error(`local rank ${localRank} has no GPU of its own: CUDA_VISIBLE_DEVICES lists ${visible.length} (${env.CUDA_VISIBLE_DEVICES}); start at most ${visible.length} process(es) per node`);
  }
  return { device: localRank, reason: `local rank ${localRank}${visible ? ` of CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES}` : ''}` };
}
