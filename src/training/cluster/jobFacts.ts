// What every text of a cluster job is derived from: the job as asked for, with defaults filled in and the paths
// the scripts name (where the job's files and the CLI are on the cluster) worked out once.
import * as path from 'node:path';
import type { RunConfig } from '../protocol';

export type ClusterDevice = 'cpu' | 'cuda';

/** The run configuration a job trains: model and data as paths on the cluster (unset: the package's bundled sample). */
export type ClusterRunConfig = Omit<RunConfig, 'runsRoot' | 'device' | 'model' | 'data'> & { model?: string; data?: string };

export interface ClusterJobInput {
  config: ClusterRunConfig;
  nodes: number;
  procsPerNode: number;
  /** Absolute path on the cluster where every rank runs (shared storage); relative model, data and runs paths start here. */
  workDir: string;
  /** The runs folder rank 0 creates the run folder in: relative to workDir or absolute; on shared storage. */
  runsDir: string;
  device: ClusterDevice;
  /** Absolute path on every node of the package: dist/cli.js and node_modules (onnxruntime-node, the gloo addon). */
  packagePath: string;
  /** Names the Slurm job, the PyTorchJob and the folder the files live in (a DNS label: Kubernetes names pods by it). */
  jobName: string;
  /** The container image of the PyTorchJob (Node >= 20 with the package at packagePath). */
  image?: string;
  cpusPerProc?: number;
  memoryGiPerProc?: number;
  /** Where rank 0 listens for the others (torchrun and Kubeflow choose their own). */
  masterPort?: number;
  /** The ReadWriteMany PersistentVolumeClaim the PyTorchJob mounts at workDir. */
  pvc?: string;
}

export const DEFAULTS = { packagePath: '/opt/finetune-studio', cpusPerProc: 4, memoryGiPerProc: 8, masterPort: 29500, pvc: 'finetune-shared', rdzvPort: 29400 } as const;
const IMAGE_PLACEHOLDER = 'SET-IMAGE-node20-with-finetune-studio';

/** Everything the texts share, derived once from the input. */
export interface JobFacts {
  input: ClusterJobInput;
  jobDir: string;
  configPath: string;
  cliPath: string;
  worldSize: number;
  cpusPerProc: number;
  memoryGiPerProc: number;
  masterPort: number;
  pvc: string;
  image: string;
  /** `train --config … --runs … --device …` as words. */
  trainArgs: string[];
}

export function jobFacts(input: ClusterJobInput): JobFacts {
  const jobDir = path.posix.join(input.workDir, '.finetune', 'cluster', input.jobName);
  const configPath = path.posix.join(jobDir, 'config.json');
  return {
    input, jobDir, configPath,
    cliPath: path.posix.join(input.packagePath, 'dist', 'cli.js'),
    worldSize: input.nodes * input.procsPerNode,
    cpusPerProc: input.cpusPerProc ?? DEFAULTS.cpusPerProc,
    memoryGiPerProc: input.memoryGiPerProc ?? DEFAULTS.memoryGiPerProc,
    masterPort: input.masterPort ?? DEFAULTS.masterPort,
    pvc: input.pvc ?? DEFAULTS.pvc,
    image: input.image ?? IMAGE_PLACEHOLDER,
    trainArgs: ['train', '--config', configPath, '--runs', input.runsDir, '--device', input.device],
  };
}
