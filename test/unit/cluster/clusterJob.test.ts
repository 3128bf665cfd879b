// The cluster job texts: the YAML is a PyTorchJob Kubeflow accepts (parsed back), the scripts are valid bash, and
// the words they hand to torchrun / srun / node are exactly the train command's, paths with spaces and quotes included
// (the scripts are run with stand-ins for torchrun, scontrol, srun and node that print what they were given).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { clusterJob, ClusterJobError, jobNameFrom, podScript, wholeNumberProblem, type ClusterJobInput } from '../../../src/training/cluster/clusterJob';
import { jobFacts } from '../../../src/training/cluster/jobFacts';
import { shellQuote, shellWords } from '../../../src/training/cluster/shellQuote';
import { readRunConfigFile } from '../../../src/training/configFile';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-job-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A working folder whose name a shell would split, expand and unquote if the scripts quoted it wrong. */
const WORK = path.join(tmp, `shared dir/it's "$HOME" * 100% \\x`);
fs.mkdirSync(WORK, { recursive: true });

const input = (over: Partial<ClusterJobInput> = {}): ClusterJobInput => ({
  config: { model: 'models/my bert', data: "data/it's here.csv", strategy: 'full', settings: { epochs: 2, learningRate: 3e-5 } },
  nodes: 3, procsPerNode: 2, workDir: WORK, runsDir: 'runs folder/$x', device: 'cpu', packagePath: '/opt/fine tune studio', jobName: 'demo-job',
  ...over,
});

/** A folder of stand-in commands; each prints its words (one a line) and the environment named, into $TRACE. */
function fakeBin(scripts: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'bin-'));
  for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  return dir;
}

function runBash(file: string, env: Record<string, string>, bin: string, args: string[] = []) {
  return child_process.spawnSync('bash', [file, ...args], { encoding: 'utf8', env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` }, timeout: 20_000 });
}

/** The parts of a PyTorchJob the tests read back. */
interface Container { name: string; image: string; workingDir: string; command: string[]; env: unknown[]; ports: unknown[]; resources: { limits: unknown; requests: unknown }; volumeMounts: unknown[] }
interface Replica { replicas: number; restartPolicy: string; template: { spec: { containers: Container[]; volumes: unknown[] } } }
interface PyTorchJob { apiVersion: string; kind: string; metadata: { name: string }; spec: { pytorchReplicaSpecs: Record<string, Replica> } }

/**
 * The words sbatch reads off an #SBATCH line, as its man page and parser (src/sbatch/opt.c) describe them: split at
 * whitespace outside quotes; " or ' group characters until the same quote; a backslash makes the next one literal.
 */
function sbatchWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote = '';
  const text = line.replace(/^#SBATCH/, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      word = (word ?? '') + (text[++i] ?? '');
    } else if (quote) {
      if (c === quote) quote = '';
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const trainWords = (job: ClusterJobInput) => [path.posix.join(job.packagePath, 'dist', 'cli.js'), 'train', '--config', path.posix.join(WORK, '.finetune/cluster', job.jobName, 'config.json'), '--runs', job.runsDir, '--device', job.device];

test('shellQuote: bash reads each quoted word back unchanged', () => {
  const words = ['plain', 'with space', "it's", '"$HOME"', '`id`', '*', 'a\tb', '', '-n', "''", 'ü €'];
  const r = child_process.spawnSync('bash', ['-c', `printf '%s\\n' ${shellWords(words)}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').slice(0, -1), words);
  assert.equal(shellQuote('/opt/x-1.2/dist/cli.js'), '/opt/x-1.2/dist/cli.js', 'a safe word stays bare');
  assert.throws(() => shellQuote('a\0b'), /NUL/);
});

test('pytorchjob.yaml parses as a kubeflow.org/v1 PyTorchJob: 1 Master + nodes-1 Workers, container "pytorch", env, mounts, resources', () => {
  const yaml = clusterJob(input({ device: 'cuda', image: 'registry.local/fts:1', pvc: 'team-pvc' })).files['pytorchjob.yaml'];
  const job = load(yaml) as PyTorchJob;
  assert.equal(job.apiVersion, 'kubeflow.org/v1');
  assert.equal(job.kind, 'PyTorchJob');
  assert.equal(job.metadata.name, 'demo-job');
  const specs = job.spec.pytorchReplicaSpecs;
  assert.deepEqual(Object.keys(specs), ['Master', 'Worker']);
  assert.equal(specs.Master.replicas, 1);
  assert.equal(specs.Worker.replicas, 2);
  for (const role of ['Master', 'Worker']) {
    const spec = specs[role].template.spec;
    assert.equal(spec.containers.length, 1);
    const c = spec.containers[0];
    assert.equal(c.name, 'pytorch');
    assert.equal(c.image, 'registry.local/fts:1');
    assert.equal(c.workingDir, WORK);
    assert.deepEqual(c.command.slice(0, 2), ['/bin/bash', '-c']);
    assert.match(c.command[2], /node '\/opt\/fine tune studio\/dist\/cli.js' "\$\{args\[@\]\}"/);
    assert.deepEqual(c.env, [{ name: 'RESUME', value: '' }, { name: 'GLOO_SOCKET_IFNAME', value: 'eth0' }]);
    assert.deepEqual(c.ports, [{ name: 'pytorchjob-port', containerPort: 23456 }]);
    assert.deepEqual(c.resources.limits, { cpu: 8, memory: '16Gi', 'nvidia.com/gpu': 2 });
    assert.deepEqual(c.resources.requests, { cpu: 8, memory: '16Gi' });
    assert.deepEqual(c.volumeMounts, [{ name: 'shared', mountPath: WORK }]);
    assert.deepEqual(spec.volumes, [{ name: 'shared', persistentVolumeClaim: { claimName: 'team-pvc' } }]);
    assert.equal(specs[role].restartPolicy, 'Never');
  }
  const one = load(clusterJob(input({ nodes: 1, procsPerNode: 1 })).files['pytorchjob.yaml']) as PyTorchJob;
  assert.deepEqual(Object.keys(one.spec.pytorchReplicaSpecs), ['Master'], 'one node: no Worker replica');
  assert.deepEqual(one.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].resources.limits, { cpu: 4, memory: '8Gi' }, 'cpu: no GPU asked for');
});

test('torchrun.sh and job.sbatch are valid bash (bash -n), for one node and several, cpu and cuda', () => {
  for (const over of [{}, { nodes: 1 }, { device: 'cuda' as const }, { nodes: 1, procsPerNode: 1 }]) {
    const job = clusterJob(input(over));
    for (const name of ['torchrun.sh', 'job.sbatch'] as const) {
      const file = path.join(tmp, `${name}-${JSON.stringify(over).replace(/\W/g, '')}`);
      fs.writeFileSync(file, job.files[name]);
      const r = child_process.spawnSync('bash', ['-n', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${name} ${JSON.stringify(over)}: ${r.stderr}`);
    }
    const pod = path.join(tmp, 'pod.sh');
    fs.writeFileSync(pod, podScript(jobFacts(input(over))));
    assert.equal(child_process.spawnSync('bash', ['-n', pod]).status, 0);
  }
});

test('torchrun.sh runs torchrun with the exact words: rendezvous for several nodes, --standalone for one, --resume from RESUME', () => {
  const job = input();
  const dir = path.join(tmp, 'torchrun');
  fs.mkdirSync(dir);
  const script = path.join(dir, 'torchrun.sh');
  fs.writeFileSync(script, clusterJob(job).files['torchrun.sh']);
  const trace = path.join(dir, 'trace');
  const bin = fakeBin({ torchrun: `pwd > "$TRACE"; printf '%s\\n' "$@" >> "$TRACE"` });

  const missing = runBash(script, { TRACE: trace }, bin);
  assert.notEqual(missing.status, 0, 'several nodes without RDZV_HOST must stop');
  assert.match(missing.stderr, /set RDZV_HOST/);
  assert.ok(!fs.existsSync(trace), 'torchrun must not start without a rendezvous host');

  const r = runBash(script, { TRACE: trace, RDZV_HOST: 'node-1' }, bin);
  assert.equal(r.status, 0, r.stderr);
  const [cwd, ...words] = fs.readFileSync(trace, 'utf8').split('\n').slice(0, -1);
  assert.equal(cwd, WORK);
  const logDir = path.posix.join(WORK, '.finetune/cluster/demo-job/torchrun-logs', os.hostname());
  assert.deepEqual(words, ['--nnodes', '3', '--nproc_per_node', '2', '--rdzv_backend', 'c10d', '--rdzv_endpoint', 'node-1:29400', '--rdzv_id', 'demo-job',
    '--redirects', '1', '--tee', '1', '--log_dir', logDir, '--no_python', 'node', ...trainWords(job)]);
  assert.ok(fs.statSync(logDir).isDirectory());

  const resumeDir = "runs folder/$x/20261208-it's";
  assert.equal(runBash(script, { TRACE: trace, RDZV_HOST: 'node-1', RESUME: resumeDir }, bin).status, 0);
  assert.deepEqual(fs.readFileSync(trace, 'utf8').split('\n').slice(-3, -1), ['--resume', resumeDir]);

  fs.writeFileSync(script, clusterJob(input({ nodes: 1 })).files['torchrun.sh']);
  assert.equal(runBash(script, { TRACE: trace }, bin).status, 0);
  assert.deepEqual(fs.readFileSync(trace, 'utf8').split('\n').slice(1, 7), ['--standalone', '--nnodes', '1', '--nproc_per_node', '2', '--redirects']);
});

test('job.sbatch: #SBATCH lines for the shape and GPUs, MASTER_ADDR = first host of the allocation, srun with the exact words', () => {
  const job = input({ device: 'cuda' });
  const text = clusterJob(job).files['job.sbatch'];
  const directives = text.split('\n').filter((l) => l.startsWith('#SBATCH'));
  assert.deepEqual(directives.map(sbatchWords), [['--job-name=demo-job'], ['--nodes=3'], ['--ntasks-per-node=2'], ['--cpus-per-task=4'], ['--gres=gpu:2'],
    [`--output=${WORK.replace(/%/g, '%%')}/.finetune/cluster/demo-job/slurm-%j.out`]]);
  assert.ok(!clusterJob(input()).files['job.sbatch'].includes('--gres'), 'cpu: no GPUs asked for');
  const script = path.join(tmp, 'job.sbatch');
  fs.writeFileSync(script, text);
  const trace = path.join(tmp, 'sbatch-trace');
  const bin = fakeBin({
    // scontrol show hostnames expands the node list, one host a line.
    scontrol: `[[ "$1 $2 $3" == "show hostnames gpu[07-09]" ]] || exit 9; printf 'gpu07\\ngpu08\\ngpu09\\n'`,
    srun: `{ pwd; echo "$MASTER_ADDR:$MASTER_PORT cpus=$SRUN_CPUS_PER_TASK"; printf '%s\\n' "$@"; } > "$TRACE"`,
  });
  const r = runBash(script, { TRACE: trace, SLURM_JOB_NODELIST: 'gpu[07-09]', SLURM_CPUS_PER_TASK: '4', RESUME: 'runs folder/$x/r 1' }, bin);
  assert.equal(r.status, 0, r.stderr);
  const [cwd, master, ...words] = fs.readFileSync(trace, 'utf8').split('\n').slice(0, -1);
  assert.equal(cwd, WORK);
  assert.equal(master, 'gpu07:29500 cpus=4');
  assert.deepEqual(words, ['--kill-on-bad-exit=1', 'node', ...trainWords(job), '--resume', 'runs folder/$x/r 1']);
});

test('the PyTorchJob pod command: one process execs node; several are numbered rank = pod rank x P + local rank, world = pods x P', () => {
  const trace = fs.mkdtempSync(path.join(tmp, 'pod-'));
  const bin = fakeBin({ node: `{ echo "$RANK $LOCAL_RANK $WORLD_SIZE"; printf '%s\\n' "$@"; } > "$TRACE/rank-$RANK"` });
  const pod = path.join(tmp, 'pod-2.sh');
  const job = input({ procsPerNode: 2 });
  fs.writeFileSync(pod, podScript(jobFacts(job)));
  // The Worker replica 1 of a 3-pod job: Kubeflow says RANK=1 (pods), WORLD_SIZE=3 (pods).
  const r = runBash(pod, { TRACE: trace, RANK: '1', WORLD_SIZE: '3' }, bin);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(trace).sort(), ['rank-2', 'rank-3']);
  for (const [rank, local] of [[2, 0], [3, 1]]) {
    const [ids, ...words] = fs.readFileSync(path.join(trace, `rank-${rank}`), 'utf8').split('\n').slice(0, -1);
    assert.equal(ids, `${rank} ${local} 6`);
    assert.deepEqual(words, trainWords(job));
  }

  const single = path.join(tmp, 'pod-1.sh');
  fs.writeFileSync(single, podScript(jobFacts(input({ procsPerNode: 1 }))));
  const r1 = runBash(single, { TRACE: trace, RANK: '0', WORLD_SIZE: '3', RESUME: 'runs folder/r' }, bin);
  assert.equal(r1.status, 0, r1.stderr);
  assert.deepEqual(fs.readFileSync(path.join(trace, 'rank-0'), 'utf8').split('\n').slice(0, -1), ['0  3', ...trainWords(input({ procsPerNode: 1 })), '--resume', 'runs folder/r']);
});

test('a failing process of a pod ends the pod at once with its exit status (the others are stopped, not left waiting)', () => {
  // exec: the stand-in is the process the pod script started (a real rank is node itself, not a shell around it).
  const bin = fakeBin({ node: 'if [[ "$LOCAL_RANK" == 1 ]]; then exit 3; fi; exec sleep 30' });
  const pod = path.join(tmp, 'pod-fail.sh');
  fs.writeFileSync(pod, podScript(jobFacts(input({ procsPerNode: 3 }))));
  const t0 = Date.now();
  const r = runBash(pod, { RANK: '0', WORLD_SIZE: '1' }, bin);
  assert.equal(r.status, 3, r.stderr);
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms: the sleeping ranks were not stopped`);
});

test('config.json: the run configuration as given (cluster paths kept), the job runs folder and device, valid for train', () => {
  const text = clusterJob(input()).files['config.json'];
  assert.deepEqual(JSON.parse(text), { model: 'models/my bert', data: "data/it's here.csv", strategy: 'full', settings: { epochs: 2, learningRate: 3e-5 }, runsRoot: 'runs folder/$x', device: 'cpu' });
  const file = path.join(tmp, 'config.json');
  fs.writeFileSync(file, text);
  assert.doesNotThrow(() => readRunConfigFile(file));
});

test('README names the requirements, the setting that finds the runs, and the resume commands', () => {
  const readme = clusterJob(input()).files['README.md'];
  for (const needle of ['Node.js >= 20', 'libhiredis0.14 libibverbs1', 'apt-cache depends libgloo0', 'libgloo.so.0', 'NCCL is not used', '`finetuneStudio.runsFolder` to `runs folder/$x`',
    'RESUME=runs folder/$x/<run id> bash torchrun.sh', 'sbatch --export=ALL,RESUME=', 'GLOO_SOCKET_IFNAME', 'FTS_DIST_TIMEOUT_S', '`models/my bert`, relative to the working folder']) {
    assert.ok(readme.includes(needle), `README lacks ${JSON.stringify(needle)}`);
  }
  assert.ok(!clusterJob(input({ runsDir: '.finetune/runs' })).files['README.md'].includes('finetuneStudio.runsFolder` to'), 'the default runs folder needs no setting');
  assert.match(clusterJob(input({ config: { strategy: 'full' } })).files['README.md'], /Model folder: not set, so the package's bundled sample/);
});

test('bad numbers, names and paths are refused with what is wrong', () => {
  const problems = (over: Partial<ClusterJobInput>) => {
    try {
      clusterJob(input(over));
    } catch (e) {
      assert.ok(e instanceof ClusterJobError);
      return e.message;
    }
    assert.fail('accepted');
  };
  assert.match(problems({ nodes: 0 }), /nodes must be a whole number from 1 to 4096, got 0/);
  assert.match(problems({ procsPerNode: 1.5 }), /procsPerNode must be a whole number from 1 to 256, got 1.5/);
  assert.match(problems({ jobName: 'My_Job' }), /job name must be lowercase letters, digits and "-".*got "My_Job"/);
  assert.match(problems({ workDir: 'shared' }), /workDir \(the working folder on the cluster\) must be an absolute POSIX path, got "shared"/);
  assert.match(problems({ runsDir: 'a\nb' }), /runsDir must not hold a NUL or line break/);
  const setfit = { strategy: 'setfit' as const, settings: {} };
  assert.match(problems({ config: setfit }), /SetFit trains in one process, so its job is 1 node x 1 process, got 3 x 2/);
  assert.doesNotThrow(() => clusterJob(input({ config: setfit, nodes: 1, procsPerNode: 1 })));
  assert.equal(jobNameFrom('My Config_v2.json'), 'my-config-v2-json');
  assert.equal(jobNameFrom('___'), 'finetune');
  assert.equal(jobNameFrom('20261208-041500-tiny-bert-lora'), 'run-20261208-041500-tiny-bert-lora', 'a run id: a letter first');
  assert.match(problems({ jobName: '2026-run' }), /a letter first/);
  assert.ok(jobNameFrom('x'.repeat(80)).length <= 40);
  assert.equal(wholeNumberProblem('2', 1, 64), undefined);
  assert.equal(wholeNumberProblem('0', 1, 64), 'a whole number from 1 to 64 is needed, got 0');
  assert.equal(wholeNumberProblem('two', 1, 64), 'a whole number from 1 to 64 is needed, got "two"');
});
