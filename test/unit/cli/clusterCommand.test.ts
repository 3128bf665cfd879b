// `finetune-studio cluster` through the real dist/cli.js: it writes the five job files (scripts executable), prints
// their paths, refuses to replace them without --force, and stops on a bad number, device or configuration before
// writing anything, with the message train would give.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from 'js-yaml';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-cluster-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => child_process.spawnSync(process.execPath, [CLI, 'cluster', ...args], { cwd: dir, encoding: 'utf8' });
const FILES = ['README.md', 'config.json', 'torchrun.sh', 'job.sbatch', 'pytorchjob.yaml'];

const config = path.join(dir, 'my run.json');
fs.writeFileSync(config, JSON.stringify({ model: 'models/tiny bert', data: 'data/train set.csv', strategy: 'lora', settings: { epochs: 2, loraRank: 4 } }));

test('writes the job files from a configuration file and flags, prints their paths, and names where they go on the cluster', () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const out = path.join(dir, 'job out');
  const r = cli('--config', config, '--set', 'learningRate=0.001', '--out', out, '--nodes', '2', '--procs-per-node', '3', '--device', 'cuda',
    '--work-dir', '/shared/team project', '--image', 'reg/fts:1', '--name', 'sentiment-lora');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), FILES.map((f) => path.join(out, f)));
  assert.match(r.stderr, /cluster job "sentiment-lora": 2 node\(s\) x 3 process\(es\) on cuda; on the cluster these files belong in \/shared\/team project\/\.finetune\/cluster\/sentiment-lora/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')), {
    model: 'models/tiny bert', data: 'data/train set.csv', strategy: 'lora', settings: { epochs: 2, loraRank: 4, learningRate: 0.001 }, runsRoot: '.finetune/runs', device: 'cuda',
  });
  for (const script of ['torchrun.sh', 'job.sbatch']) assert.equal(fs.statSync(path.join(out, script)).mode & 0o111, 0o111, `${script} is executable`);
  const job = load(fs.readFileSync(path.join(out, 'pytorchjob.yaml'), 'utf8')) as { spec: { pytorchReplicaSpecs: { Worker: { replicas: number; template: { spec: { containers: { image: string }[] } } } } } };
  assert.equal(job.spec.pytorchReplicaSpecs.Worker.replicas, 1);
  assert.equal(job.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].image, 'reg/fts:1');
  assert.match(fs.readFileSync(path.join(out, 'job.sbatch'), 'utf8'), /^#SBATCH --gres=gpu:3$/m);

  // Written again: refused, the files untouched; --force replaces them.
  const before = fs.readFileSync(path.join(out, 'config.json'), 'utf8');
  const again = cli('--config', config, '--out', out, '--nodes', '4', '--procs-per-node', '1', '--work-dir', '/shared/p');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already exist; pass --force to replace them or choose another --out/);
  assert.equal(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), before);
  const forced = cli('--config', config, '--out', out, '--nodes', '4', '--procs-per-node', '1', '--work-dir', '/shared/p', '--force');
  assert.equal(forced.status, 0, forced.stderr);
  assert.match(fs.readFileSync(path.join(out, 'job.sbatch'), 'utf8'), /^#SBATCH --nodes=4$/m);
  assert.match(forced.stderr, /note: pytorchjob.yaml needs an image \(--image\)/);
});

test('no --work-dir: this folder is the working folder; the job name comes from the configuration file', () => {
  const out = path.join(dir, 'here');
  const r = cli('--config', config, '--out', out, '--nodes', '1', '--procs-per-node', '2');
  assert.equal(r.status, 0, r.stderr);
  assert.match(fs.readFileSync(path.join(out, 'torchrun.sh'), 'utf8'), new RegExp(`^cd ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.match(r.stderr, /cluster job "my-run"/);
});

test('bad numbers, a device gloo cannot serve and a bad configuration stop before anything is written', () => {
  const out = path.join(dir, 'never');
  const cases: [string[], RegExp][] = [
    [['--nodes', '0', '--procs-per-node', '1'], /^error: --nodes \(the machines to train on\): a whole number from 1 to 4096 is needed, got 0$/m],
    [['--nodes', 'two', '--procs-per-node', '1'], /^error: --nodes \(the machines to train on\): a whole number from 1 to 4096 is needed, got "two"$/m],
    [['--nodes', '2', '--procs-per-node', '1.5'], /^error: --procs-per-node \(training processes per machine\): a whole number from 1 to 256 is needed, got "1.5"$/m],
    [['--procs-per-node', '1'], /^error: cluster needs --nodes N/m],
    [['--nodes', '1', '--procs-per-node', '1', '--device', 'webgpu'], /^error: --device must be one of cpu, cuda on a cluster/m],
    [['--nodes', '1', '--procs-per-node', '1', '--name', 'Bad_Name'], /job name must be lowercase letters, digits and "-"/],
    [['--nodes', '1', '--procs-per-node', '1', '--set', 'epochs=-1'], /"epochs" must be a positive number, got -1/],
    [['--nodes', '1', '--procs-per-node', '1', '--strategy', 'magic'], /--strategy must be one of feature-extraction, full/],
  ];
  for (const [args, message] of cases) {
    const r = cli('--config', config, '--out', out, '--work-dir', '/shared/p', ...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{\n  "model": "m",\n  "settings": {"epochs": 2,}\n}\n');
  const r = cli('--config', bad, '--out', out, '--nodes', '1', '--procs-per-node', '1', '--work-dir', '/shared/p');
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:28: not valid JSON`, 'm'));
  assert.ok(!fs.existsSync(out), 'nothing was written');
});
