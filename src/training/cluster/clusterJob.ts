// A run as a cluster job: the texts that launch the same `train` on every rank (torchrun, Slurm, a Kubeflow
// PyTorchJob), the run configuration as the cluster sees it, and a README. Pure: paths are the cluster's (POSIX),
// nothing here reads or writes files, so the CLI (node:fs) and VS Code (workspace.fs, remote too) write the result.
import * as path from 'node:path';
import { dump } from 'js-yaml';
import { clusterReadme } from './clusterReadme';
import { jobFacts, DEFAULTS, type ClusterDevice, type ClusterJobInput, type JobFacts } from './jobFacts';
import { shellQuote, shellWords } from './shellQuote';

export type { ClusterDevice, ClusterJobInput, ClusterRunConfig } from './jobFacts';
export const CLUSTER_DEVICES: readonly ClusterDevice[] = ['cpu', 'cuda'];

export const CLUSTER_FILES = ['README.md', 'config.json', 'torchrun.sh', 'job.sbatch', 'pytorchjob.yaml'] as const;
export type ClusterFileName = (typeof CLUSTER_FILES)[number];

export interface ClusterJob {
  /** Where the files must be on the cluster: the scripts name config.json there. */
  jobDir: string;
  files: Record<ClusterFileName, string>;
}

export class ClusterJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterJobError';
  }
}

/** Kubeflow's training operator looks for the port by this name on the Master (MASTER_PORT is its number). */
const KUBEFLOW_PORT = { name: 'pytorchjob-port', containerPort: 23456 };

/**
 * Kubernetes names the pods `<job>-master-0`, `<job>-worker-N` and their Services after the job: a DNS-1035 label
 * (a lowercase letter first, then letters, digits and "-"), with room left for those suffixes.
 */
export const JOB_NAME_PATTERN = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** A job name from any text (a config file's or run's name): lowercase letters, digits and dashes, a letter first, at most 40. */
export function jobNameFrom(text: string): string {
  const words = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '');
  // A run id starts with its date: a Service name cannot.
  const named = /^[0-9]/.test(words) ? `run-${words}` : words;
  return named.slice(0, 40).replace(/-+$/, '') || 'finetune';
}

/** Why `text` is not a whole number in [min, max] (undefined when it is): shared by the CLI flags and VS Code's inputs. */
export function wholeNumberProblem(text: string, min: number, max: number): string | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return `a whole number from ${min} to ${max} is needed, got ${JSON.stringify(text)}`;
  const n = Number(t);
  return n < min || n > max ? `a whole number from ${min} to ${max} is needed, got ${n}` : undefined;
}

function check(input: ClusterJobInput): void {
  const problems: string[] = [];
  const whole = (name: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) problems.push(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
  };
  whole('nodes', input.nodes, 1, 4096);
  whole('procsPerNode', input.procsPerNode, 1, 256);
  whole('cpusPerProc', input.cpusPerProc, 1, 1024);
  whole('memoryGiPerProc', input.memoryGiPerProc, 1, 65536);
  whole('masterPort', input.masterPort, 1, 65535);
  if (!JOB_NAME_PATTERN.test(input.jobName)) problems.push(`the job name must be lowercase letters, digits and "-" (1 to 40, a letter first, a letter or digit last; Kubernetes names pods and services by it), got ${JSON.stringify(input.jobName)}`);
  // The trainer refuses SetFit under a world size above 1: a job that every rank would end at its first line.
  if (input.config.strategy === 'setfit' && input.nodes * input.procsPerNode > 1) problems.push(`SetFit trains in one process, so its job is 1 node x 1 process, got ${input.nodes} x ${input.procsPerNode}; or pick another strategy for data-parallel training`);
  if (!CLUSTER_DEVICES.includes(input.device)) problems.push(`device must be one of ${CLUSTER_DEVICES.join(', ')}, got ${JSON.stringify(input.device)}`);
  for (const [name, p] of [['workDir (the working folder on the cluster)', input.workDir], ['packagePath (the package on the cluster)', input.packagePath]] as const) {
    if (!path.posix.isAbsolute(p)) problems.push(`${name} must be an absolute POSIX path, got ${JSON.stringify(p)}`);
  }
  if (!input.runsDir) problems.push('the runs folder must not be empty');
  for (const [name, p] of Object.entries({ workDir: input.workDir, packagePath: input.packagePath, runsDir: input.runsDir, model: input.config.model, data: input.config.data })) {
    if (p !== undefined && /[\0\n\r]/.test(p)) problems.push(`${name} must not hold a NUL or line break, got ${JSON.stringify(p)}`);
  }
  if (problems.length) throw new ClusterJobError(`cannot write the cluster job:\n- ${problems.join('\n- ')}`);
}

/** Bash lines that build `args` (the train command's words) and add `--resume "$RESUME"` when RESUME is set. */
function argsLines(f: JobFacts): string[] {
  return [
    `args=(${shellWords(f.trainArgs)})`,
    '# Resume: RESUME=<the run folder> continues it from its last checkpoint (the same folder on every rank).',
    'if [[ -n "${RESUME:-}" ]]; then args+=(--resume "$RESUME"); fi',
  ];
}

const OPTIONAL_ENV = [
  '# Optional: the network interface gloo uses between nodes (default: the one the hostname resolves to), and how long',
  '# a rank waits for the others before giving up.',
  '# export GLOO_SOCKET_IFNAME=eth0',
  '# export FTS_DIST_TIMEOUT_S=1800',
];

function torchrunScript(f: JobFacts): string {
  const { nodes, procsPerNode: p, workDir, jobName } = f.input;
  const multi = nodes > 1;
  const rendezvous = multi
    ? ['--nnodes', String(nodes), '--nproc_per_node', String(p), '--rdzv_backend', 'c10d', '--rdzv_endpoint', '"$RDZV_HOST:$RDZV_PORT"', '--rdzv_id', jobName]
    : ['--standalone', '--nnodes', '1', '--nproc_per_node', String(p)];
  return [
    '#!/usr/bin/env bash',
    `# Fine-Tune Studio job "${jobName}": ${nodes} node(s) x ${p} process(es), started by torchrun (README.md).`,
    multi ? `# Run this same script on each of the ${nodes} nodes, with RDZV_HOST set (see below).` : '# Run it on the one node.',
    'set -euo pipefail',
    '',
    ...(multi ? [
      '# >>> SET ON EVERY NODE: RDZV_HOST, the address of one node all nodes reach (e.g. the first), the same everywhere.',
      '# torchrun numbers the nodes itself (no NODE_RANK needed with the c10d rendezvous). Port: RDZV_PORT.',
      'RDZV_HOST="${RDZV_HOST:?set RDZV_HOST to the rendezvous node address, the same on every node: RDZV_HOST=node1 bash torchrun.sh}"',
      `RDZV_PORT="\${RDZV_PORT:-${DEFAULTS.rdzvPort}}"`,
      '',
    ] : []),
    ...OPTIONAL_ENV,
    '',
    `cd ${shellQuote(workDir)}`,
    ...argsLines(f),
    '# --redirects/--tee with --log_dir: torch 1.13 (Debian) crashes in elastic/multiprocessing without --redirects.',
    `LOG_DIR=${shellQuote(path.posix.join(f.jobDir, 'torchrun-logs'))}/"$(hostname)"`,
    'mkdir -p "$LOG_DIR"',
    `torchrun ${rendezvous.join(' ')} --redirects 1 --tee 1 --log_dir "$LOG_DIR" --no_python node ${shellQuote(f.cliPath)} "\${args[@]}"`,
    '',
  ].join('\n');
}

/**
 * An #SBATCH value. sbatch splits these lines itself, not a shell: quotes (" or ') group characters, a backslash
 * makes the next one literal. Inside double quotes only " and \ need the backslash.
 */
const sbatchValue = (v: string) => (/[\s"'\\]/.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : v);

/** A file name Slurm fills in (%j: the job id): a "%" of the folder's own name is written "%%". */
const slurmFilePattern = (dir: string, name: string) => path.posix.join(dir.replace(/%/g, '%%'), name);

function sbatchScript(f: JobFacts): string {
  const { nodes, procsPerNode: p, workDir, jobName, device } = f.input;
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${jobName}`,
    `#SBATCH --nodes=${nodes}`,
    `#SBATCH --ntasks-per-node=${p}`,
    `#SBATCH --cpus-per-task=${f.cpusPerProc}`,
    ...(device === 'cuda' ? [`#SBATCH --gres=gpu:${p}`] : []),
    `#SBATCH --output=${sbatchValue(slurmFilePattern(f.jobDir, 'slurm-%j.out'))}`,
    `# Fine-Tune Studio job "${jobName}": ${nodes} node(s) x ${p} task(s), one rank per task (README.md). Submit: sbatch job.sbatch`,
    'set -euo pipefail',
    '',
    '# Rank 0 (the first task, on the first node of the allocation) listens here for the other ranks.',
    'mapfile -t hosts < <(scontrol show hostnames "$SLURM_JOB_NODELIST")',
    'export MASTER_ADDR="${hosts[0]}"',
    `export MASTER_PORT="\${MASTER_PORT:-${f.masterPort}}"`,
    '# srun does not inherit --cpus-per-task from sbatch since Slurm 22.05.',
    'export SRUN_CPUS_PER_TASK="${SLURM_CPUS_PER_TASK:-1}"',
    ...OPTIONAL_ENV,
    '',
    `cd ${shellQuote(workDir)}`,
    ...argsLines(f),
    '# Each task reads its rank from SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID; one failing task ends the step.',
    `srun --kill-on-bad-exit=1 node ${shellQuote(f.cliPath)} "\${args[@]}"`,
    '',
  ].join('\n');
}

/**
 * The command of one PyTorchJob pod. Kubeflow gives each pod (a node) RANK and WORLD_SIZE counted in pods; with
 * several processes per pod this starts them and renumbers: rank = pod rank x P + local rank, world = pods x P.
 */
export function podScript(f: JobFacts): string {
  const p = f.input.procsPerNode;
  const run = `node ${shellQuote(f.cliPath)} "\${args[@]}"`;
  if (p === 1) return ['set -euo pipefail', ...argsLines(f), `exec ${run}`, ''].join('\n');
  return [
    'set -euo pipefail',
    ...argsLines(f),
    `P=${p}`,
    'NODE_RANK="$RANK"',
    'export WORLD_SIZE=$((WORLD_SIZE * P)) LOCAL_WORLD_SIZE=$P',
    'pids=()',
    'for ((i = 0; i < P; i++)); do',
    `  RANK=$((NODE_RANK * P + i)) LOCAL_RANK=$i ${run} &`,
    '  pids+=("$!")',
    'done',
    'trap \'kill "${pids[@]}" 2>/dev/null || true\' TERM INT',
    '# The first process to fail stops the others: a group with a rank missing cannot go on.',
    'for _ in "${pids[@]}"; do',
    '  wait -n || { status=$?; kill "${pids[@]}" 2>/dev/null || true; wait || true; exit "$status"; }',
    'done',
    '',
  ].join('\n');
}

function pytorchJob(f: JobFacts): string {
  const { nodes, procsPerNode: p, workDir, jobName, device } = f.input;
  const amounts: Record<string, string | number> = { cpu: f.cpusPerProc * p, memory: `${f.memoryGiPerProc * p}Gi` };
  const limits = device === 'cuda' ? { ...amounts, 'nvidia.com/gpu': p } : amounts;
  const replica = (replicas: number) => ({
    replicas,
    // A restarted pod cannot rejoin a running gloo group: a failed job is resumed as a whole (README.md).
    restartPolicy: 'Never',
    template: {
      spec: {
        containers: [{
          name: 'pytorch',
          image: f.image,
          workingDir: workDir,
          command: ['/bin/bash', '-c', podScript(f)],
          env: [
            { name: 'RESUME', value: '' },
            { name: 'GLOO_SOCKET_IFNAME', value: 'eth0' },
          ],
          ports: [KUBEFLOW_PORT],
          resources: { requests: amounts, limits },
          volumeMounts: [{ name: 'shared', mountPath: workDir }],
        }],
        volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: f.pvc } }],
      },
    },
  });
  const job = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name: jobName, labels: { 'app.kubernetes.io/created-by': 'finetune-studio' } },
    spec: { pytorchReplicaSpecs: { Master: replica(1), ...(nodes > 1 ? { Worker: replica(nodes - 1) } : {}) } },
  };
  const header = [
    `# Fine-Tune Studio job "${jobName}": ${nodes} pod(s) x ${p} process(es) (README.md). Submit: kubectl apply -f pytorchjob.yaml`,
    `# Needs the Kubeflow training operator, the image (Node >= 20, the package at ${f.input.packagePath}) and the`,
    `# ReadWriteMany PVC "${f.pvc}" holding ${workDir}. Resume: set RESUME to the run folder, delete the old job, apply again.`,
    '# GLOO_SOCKET_IFNAME: the pod network interface (eth0 with the usual CNIs).',
  ];
  return `${header.join('\n')}\n${dump(job, { lineWidth: -1, noRefs: true })}`;
}

/** The configuration file every rank reads: the run's, with the runs folder and device of the job. */
function configJson(input: ClusterJobInput): string {
  return `${JSON.stringify({ ...input.config, runsRoot: input.runsDir, device: input.device }, null, 2)}\n`;
}

export function clusterJob(input: ClusterJobInput): ClusterJob {
  check(input);
  const f = jobFacts(input);
  return {
    jobDir: f.jobDir,
    files: {
      'README.md': clusterReadme(f),
      'config.json': configJson(input),
      'torchrun.sh': torchrunScript(f),
      'job.sbatch': sbatchScript(f),
      'pytorchjob.yaml': pytorchJob(f),
    },
  };
}
