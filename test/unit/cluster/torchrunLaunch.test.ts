// torchrun.sh under the real torchrun (Debian's python3-torch 1.13 here; skipped where torchrun is not installed):
// every rank starts `node <package>/dist/cli.js train …` in the working folder with the launcher's RANK, WORLD_SIZE
// and LOCAL_RANK — one node standalone, and two "nodes" on this machine meeting through the c10d rendezvous. A stub
// cli.js stands in for the trainer and records what it was given.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clusterJob, type ClusterJobInput } from '../../../src/training/cluster/clusterJob';

const torchrun = child_process.spawnSync('bash', ['-c', 'command -v torchrun'], { encoding: 'utf8' }).stdout.trim();
const skip = torchrun ? false : 'torchrun is not installed (Debian: apt-get install python3-torch)';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchrun-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const WORK = path.join(tmp, "work dir/it's");
const PKG = path.join(tmp, 'package dir');
fs.mkdirSync(WORK, { recursive: true });
fs.mkdirSync(path.join(PKG, 'dist'), { recursive: true });
fs.writeFileSync(path.join(PKG, 'dist', 'cli.js'), `
const fs = require('node:fs');
const e = process.env;
fs.writeFileSync(require('node:path').join(e.TRACE_DIR, 'rank-' + e.RANK + '.json'), JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), rank: e.RANK, world: e.WORLD_SIZE, local: e.LOCAL_RANK, master: Boolean(e.MASTER_ADDR && e.MASTER_PORT) }));
`);

interface RankTrace { argv: string[]; cwd: string; rank: string; world: string; local: string; master: boolean }

function launch(nodes: number, env: Record<string, string>): { traces: RankTrace[]; codes: (number | null)[] } {
  const job: ClusterJobInput = { config: { strategy: 'full' }, nodes, procsPerNode: 2, workDir: WORK, runsDir: 'shared runs', device: 'cpu', packagePath: PKG, jobName: `trt-${nodes}` };
  const script = path.join(tmp, `torchrun-${nodes}.sh`);
  fs.writeFileSync(script, clusterJob(job).files['torchrun.sh']);
  const traceDir = fs.mkdtempSync(path.join(tmp, 'trace-'));
  // Both "nodes" at once (a c10d rendezvous waits for all of them), each its own torchrun agent.
  const script2 = `for i in $(seq ${nodes}); do bash ${JSON.stringify(script)} & done; codes=(); for j in $(jobs -p); do wait $j; codes+=($?); done; echo "\${codes[*]}"`;
  const r = child_process.spawnSync('bash', ['-c', script2], { encoding: 'utf8', env: { ...process.env, ...env, TRACE_DIR: traceDir }, timeout: 120_000 });
  const codes = r.stdout.trim().split(/\s+/).map(Number);
  const traces = fs.readdirSync(traceDir).sort().map((f) => JSON.parse(fs.readFileSync(path.join(traceDir, f), 'utf8')) as RankTrace);
  return { traces, codes };
}

const expectedArgv = (nodes: number) => ['train', '--config', path.posix.join(WORK, '.finetune/cluster', `trt-${nodes}`, 'config.json'), '--runs', 'shared runs', '--device', 'cpu'];

test('one node, standalone: 2 ranks of world 2, the train words intact, in the working folder', { skip, timeout: 150_000 }, () => {
  const { traces, codes } = launch(1, {});
  assert.deepEqual(codes, [0]);
  assert.deepEqual(traces.map((t) => [t.rank, t.world, t.local, t.master]), [['0', '2', '0', true], ['1', '2', '1', true]]);
  for (const t of traces) {
    assert.deepEqual(t.argv, expectedArgv(1));
    assert.equal(t.cwd, WORK);
  }
});

test('two nodes through the c10d rendezvous: 4 ranks of world 4, 2 local ranks on each', { skip, timeout: 150_000 }, () => {
  const port = String(29400 + 1 + (process.pid % 500));
  const { traces, codes } = launch(2, { RDZV_HOST: '127.0.0.1', RDZV_PORT: port });
  assert.deepEqual(codes, [0, 0]);
  assert.deepEqual(traces.map((t) => [t.rank, t.world]), [['0', '4'], ['1', '4'], ['2', '4'], ['3', '4']]);
  assert.deepEqual(traces.map((t) => t.local).sort(), ['0', '0', '1', '1']);
  for (const t of traces) assert.deepEqual(t.argv, expectedArgv(2));
});
