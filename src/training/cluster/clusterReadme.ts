// The README of a cluster job: what each node needs, how to start the job with each launcher, how to follow the run
// from VS Code and how to resume it. Written with the job's own values so its commands can be pasted as they are.
import * as path from 'node:path';
import type { JobFacts } from './jobFacts';
import { shellQuote, shellWords } from './shellQuote';

const code = (s: string) => `\`${s}\``;

export function clusterReadme(f: JobFacts): string {
  const { nodes, procsPerNode: p, workDir, runsDir, packagePath, jobName, device, config } = f.input;
  const runsAbs = path.posix.resolve(workDir, runsDir);
  const relRuns = path.posix.relative(workDir, runsAbs);
  const runsInside = relRuns !== '' && !relRuns.startsWith('..');
  const where = (p0: string | undefined, what: string) =>
    p0 === undefined ? `- ${what}: not set, so the package's bundled sample (tiny BERT + sentiment data) trains.` :
    path.posix.isAbsolute(p0) ? `- ${what}: ${code(p0)} (absolute: must exist at this path on every node).` :
    `- ${what}: ${code(p0)}, relative to the working folder: ${code(path.posix.join(workDir, p0))} on every node.`;
  const resumeDir = `${runsDir.replace(/\/+$/, '')}/<run id>`;
  return `# Cluster job "${jobName}"

Data-parallel fine-tuning of one run on ${nodes} node(s) x ${p} process(es) = ${f.worldSize} rank(s), device ${device}.
Every rank runs the same command:

    cd ${shellQuote(workDir)}
    node ${shellWords([f.cliPath, ...f.trainArgs])}

Each rank trains on its share of every batch; the gradients are averaged over **gloo** (TCP, on the host) before each
optimizer step, so all ranks hold the same weights. NCCL is not used: with ${code('cuda')} the gradients still travel
through host memory. Rank 0 owns the run folder it creates under the runs folder.

## Paths (as the cluster sees them)

- Working folder: ${code(workDir)}. Every rank starts here; relative paths below start here. It must be shared storage
  (NFS, Lustre, a ReadWriteMany volume) mounted at the same path on every node.
- This folder (README, config.json, the scripts) must be at ${code(f.jobDir)}: the scripts read
  ${code(f.configPath)}.
${where(config.model, 'Model folder')}
${where(config.data, 'Data file')}
- Runs folder: ${code(runsDir)} (${code(runsAbs)}): rank 0 creates the run folder in it. On shared storage, so that
  a resume on any node finds the checkpoints and VS Code can follow the run.
- Package: ${code(packagePath)} on every node (or in the image): ${code('dist/')} and ${code('node_modules/')} with
  onnxruntime-node and the gloo addon.

Edit ${code('config.json')} to change the model, the data or the settings: give model and data paths relative to the
working folder or absolute, never paths of your own machine.

## Requirements on every node

- Node.js >= 20 (${code('node --version')}).
- The package at ${code(packagePath)} (the extension's folder, or an unpacked .vsix's ${code('extension/')} folder):
  ${code(`node ${f.cliPath} --help`)} must print the usage.
- The gloo addon's runtime libraries. The addon ships its own ${code('libgloo.so.0')}; what it links against besides is
  ${code('libgloo0')}'s dependencies (${code('apt-cache depends libgloo0')}): on Debian/Ubuntu
  ${code('apt-get install libhiredis0.14 libibverbs1')}.
${device === 'cuda' ? `- CUDA: onnxruntime-node's CUDA provider libraries and a driver on every node; ${p} GPU(s) per node.\n` : ''}- Network: the ranks reach rank 0's host on MASTER_PORT (Slurm: ${f.masterPort}; Kubeflow: ${23456}; torchrun chooses one),
  and every pair of hosts reaches each other on gloo's ephemeral TCP ports (the kernel's
  ${code('net.ipv4.ip_local_port_range')}); torchrun's rendezvous also needs port ${29400} on the rendezvous host.
  Set ${code('GLOO_SOCKET_IFNAME')} to the interface between the nodes when the hostname resolves to another one.
- Clocks in step (NTP): a run is shown as running while its trainer's heartbeat in ${code('lease.json')} is under a
  minute old, read by whichever machine looks.
- Optional: ${code('FTS_DIST_TIMEOUT_S')}, how long a rank waits for the others before it gives up.

## Start it

Slurm (one task per rank; MASTER_ADDR is the allocation's first node):

    cd ${shellQuote(f.jobDir)} && sbatch job.sbatch

torchrun${nodes > 1 ? ` (on each of the ${nodes} nodes, with the same RDZV_HOST: one node's address)` : ''}:

    ${nodes > 1 ? 'RDZV_HOST=<first node> ' : ''}bash ${shellQuote(path.posix.join(f.jobDir, 'torchrun.sh'))}

Kubeflow (the training operator installed; PVC ${code(f.pvc)} holding ${code(workDir)}; set ${code('image')} first${f.input.image ? `, now ${code(f.input.image)}` : ''}):

    kubectl apply -f pytorchjob.yaml

## Follow it from VS Code

Open the shared working folder ${code(workDir)} as the workspace (Remote - SSH to a login node, or a mount of the same
storage)${runsInside && relRuns === '.finetune/runs' ? '' : `, and set ${code('finetuneStudio.runsFolder')} to ${code(runsInside ? relRuns : runsAbs)}`}. The run
appears in the Runs view as running while rank 0 trains; its dashboard follows ${code('metrics.jsonl')} as it grows.
Stop the job with its launcher (${code('scancel')}, ${code(`kubectl delete pytorchjob ${jobName}`)}, Ctrl-C on
torchrun); resume it as below.

## Resume

An interrupted, cancelled or failed run continues from its last checkpoint when every rank is started with
${code('--resume')} on the same run folder (the id is the folder's name under the runs folder):

    RESUME=${resumeDir} bash torchrun.sh                        # torchrun, on every node
    sbatch --export=ALL,RESUME=${resumeDir} job.sbatch           # Slurm

Kubeflow: set the ${code('RESUME')} variable's value in pytorchjob.yaml to ${code(resumeDir)}, delete the old job and
apply the file again.
`;
}
