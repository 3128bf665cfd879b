// `finetune-studio cluster --config FILE.json [--model DIR --data FILE …] --out DIR --nodes N --procs-per-node P …`:
// the files that run one run data-parallel on a cluster (clusterJob.ts), written into --out. The configuration is
// checked as `train` checks it before anything is written; model and data paths are the cluster's (relative to the
// working folder, --work-dir, or absolute). Paths written go to stdout, one a line; notes go to stderr.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../util/atomicWrite';
import { RUN_CONFIG_OPTIONS, runConfigParts } from '../runConfigArgs';
import { CLUSTER_DEVICES, CLUSTER_FILES, clusterJob, jobNameFrom, wholeNumberProblem, type ClusterDevice } from './clusterJob';
import { checkRunSettings } from './clusterRunConfig';
import { DEFAULTS } from './jobFacts';

export const CLUSTER_USAGE = `finetune-studio cluster --out DIR --nodes N --procs-per-node P [--config FILE.json] [--model DIR] [--data FILE]
                          [--strategy S] [--task T] [--set key=value ...] [--runs DIR] [--device cpu|cuda] [--image IMG]
                          [--package-path DIR] [--work-dir DIR] [--name JOB] [--cpus-per-proc C] [--pvc CLAIM] [--force]
      torchrun.sh, job.sbatch (Slurm), pytorchjob.yaml (Kubeflow), config.json and README.md for one run trained
      data-parallel over gloo on N nodes x P processes. Paths are the cluster's: --work-dir (default: this folder) is
      where every rank runs; relative --model, --data and --runs (default .finetune/runs) start there.`;

function wholeNumber(flag: string, what: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const problem = wholeNumberProblem(text, min, max);
  if (problem) throw new Error(`--${flag} (${what}): ${problem}`);
  return Number(text);
}

/** This folder as the cluster's working folder: only where it is already a POSIX path (run on the cluster itself). */
function defaultWorkDir(): string {
  const cwd = process.cwd();
  if (path.sep !== '/') throw new Error('cluster needs --work-dir DIR: the working folder on the cluster (a POSIX path such as /shared/project)');
  return cwd;
}

export function clusterCommand(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...RUN_CONFIG_OPTIONS, out: { type: 'string' }, nodes: { type: 'string' }, 'procs-per-node': { type: 'string' }, runs: { type: 'string' },
      image: { type: 'string' }, device: { type: 'string' }, 'package-path': { type: 'string' }, 'work-dir': { type: 'string' }, name: { type: 'string' },
      'cpus-per-proc': { type: 'string' }, pvc: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(CLUSTER_USAGE);
    return 0;
  }
  if (!values.out) throw new Error(`cluster needs --out DIR (the folder the job files are written to)\n${CLUSTER_USAGE}`);
  if (values.nodes === undefined) throw new Error('cluster needs --nodes N (the machines to train on)');
  if (values['procs-per-node'] === undefined) throw new Error('cluster needs --procs-per-node P (training processes per machine: 1 per GPU, or a few on CPUs)');
  const nodes = wholeNumber('nodes', 'the machines to train on', values.nodes, 1, 4096)!;
  const procsPerNode = wholeNumber('procs-per-node', 'training processes per machine', values['procs-per-node'], 1, 256)!;
  const cpusPerProc = wholeNumber('cpus-per-proc', 'CPU cores per process', values['cpus-per-proc'], 1, 1024);
  const device = (values.device ?? 'cpu') as ClusterDevice;
  if (!CLUSTER_DEVICES.includes(device)) throw new Error(`--device must be one of ${CLUSTER_DEVICES.join(', ')} on a cluster (gloo averages the gradients on the host either way); got "${values.device}"`);

  // The configuration as train reads it, checked as train checks it: a bad file or setting stops here, not on the cluster.
  const parts = runConfigParts(values, {});
  const { runsRoot, device: _localDevice, settings, ...config } = parts;
  checkRunSettings({ strategy: config.strategy, settings });
  const name = values.name ?? jobNameFrom(values.config ? path.basename(values.config, '.json') : `${config.strategy}-${nodes}x${procsPerNode}`);
  const job = clusterJob({
    config: { ...config, ...(Object.keys(settings).length ? { settings } : {}) },
    nodes, procsPerNode, device, jobName: name,
    runsDir: values.runs ?? runsRoot ?? '.finetune/runs',
    workDir: values['work-dir'] ?? defaultWorkDir(),
    packagePath: values['package-path'] ?? DEFAULTS.packagePath,
    ...(values.image ? { image: values.image } : {}),
    ...(cpusPerProc ? { cpusPerProc } : {}),
    ...(values.pvc ? { pvc: values.pvc } : {}),
  });

  const out = path.resolve(values.out);
  const targets = CLUSTER_FILES.map((f) => path.join(out, f));
  const existing = targets.filter((t) => fs.existsSync(t));
  if (existing.length && !values.force) throw new Error(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to replace ${existing.length === 1 ? 'it' : 'them'} or choose another --out`);
  fs.mkdirSync(out, { recursive: true });
  for (const [i, file] of CLUSTER_FILES.entries()) {
    writeFileAtomic(targets[i], job.files[file]);
    if (file.endsWith('.sh') || file.endsWith('.sbatch')) fs.chmodSync(targets[i], 0o755);
    console.log(targets[i]);
  }
  if (!values.image) console.error(`note: pytorchjob.yaml needs an image (--image): Node >= 20 with the package at ${values['package-path'] ?? DEFAULTS.packagePath}`);
  console.error(`cluster job "${name}": ${nodes} node(s) x ${procsPerNode} process(es) on ${device}; on the cluster these files belong in ${job.jobDir} (README.md: requirements, start, resume)`);
  return 0;
}
