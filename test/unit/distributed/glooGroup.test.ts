// The gloo process group across real processes on loopback: each test spawns its ranks (test/support/glooWorker.ts),
// checks exact sums, broadcast and barrier, and that failures (a rank that never comes, a peer killed, a peer stuck)
// reject in time with a message naming the rank and the op rather than hang or crash. Skipped, saying why, only where
// the addon is not built (npm run build builds it when libgloo-dev is installed; .ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { glooAvailable } from '../../../src/training/distributed/glooAddon';
import { openGlooGroup } from '../../../src/training/distributed/processGroup';
import type { WorkerConfig } from '../../support/glooWorker';

const WORKER = path.join(__dirname, '..', '..', 'support', 'glooWorker.js');
const available = glooAvailable();
const skip = available.ok ? false : available.reason;

interface Event { event: string; rank: number; [key: string]: unknown }
interface Rank { child: ChildProcess; events: Event[]; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function startRank(cfg: WorkerConfig, onEvent: (e: Event) => void = () => {}): Rank {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Event[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const e = JSON.parse(buffered.slice(0, nl)) as Event;
      buffered = buffered.slice(nl + 1);
      events.push(e);
      onEvent(e);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  // A rank that outlives the test's time box is killed: a hang fails the test, it never stalls the suite.
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (stderr && code !== 0) process.stderr.write(`rank ${cfg.rank} stderr: ${stderr}\n`);
      resolve({ code, signal });
    });
  });
  return { child, events, exit };
}

function result(r: Rank): Event {
  const e = r.events.find((x) => x.event === 'result');
  assert.ok(e, `rank ${r.events[0]?.rank ?? '?'} reported no result: ${JSON.stringify(r.events)}`);
  return e;
}

async function runAll(worldSize: number, scenario: WorkerConfig['scenario'], extra: Partial<WorkerConfig> = {}): Promise<Rank[]> {
  const masterPort = extra.storePath ? undefined : await freePort();
  const ranks = Array.from({ length: worldSize }, (_, rank) => startRank({ rank, worldSize, masterPort, timeoutMs: 10_000, scenario, ...extra }));
  const exits = await Promise.all(ranks.map((r) => r.exit));
  exits.forEach((x, rank) => assert.deepEqual(x, { code: 0, signal: null }, `rank ${rank} exit`));
  return ranks;
}

test('2 ranks: allreduce of 1e6 float32 and 1e6 float64 values gives the exact sums on both', { skip, timeout: 30_000 }, async () => {
  const ranks = await runAll(2, 'sums');
  for (const r of ranks) {
    const connected = r.events.find((e) => e.event === 'connected');
    assert.equal(connected?.worldSize, 2);
    assert.match(connected?.transport as string, /^tcp, .*addr=\[127\.0\.0\.1\] via loopback \(MASTER_ADDR 127\.0\.0\.1 is loopback\)$/);
    const res = result(r);
    assert.equal(res.f32Bad, 0);
    assert.equal(res.f64Bad, 0);
    // (i mod 4096)·(1+2) and i·(1+2) + 2·0.5 at i = 0, 4097 / 12345, 999999
    assert.deepEqual(res.f32Samples, [0, 3, 1725]);
    assert.deepEqual(res.f64Samples, [1, 37036, 2999998]);
  }
});

test('3 ranks: allreduce sums exactly over all three', { skip, timeout: 30_000 }, async () => {
  const ranks = await runAll(3, 'sums');
  for (const r of ranks) {
    const res = result(r);
    assert.equal(res.f32Bad, 0);
    assert.equal(res.f64Bad, 0);
    assert.deepEqual(res.f32Samples, [0, 6, 3450]);
    assert.deepEqual(res.f64Samples, [1.5, 74071.5, 5999995.5]);
  }
});

test('buffers queued without awaiting each (gradient buckets) are reduced in order, each to its own sum', { skip, timeout: 30_000 }, async () => {
  const ranks = await runAll(2, 'buckets');
  for (const r of ranks) assert.deepEqual(result(r), { event: 'result', rank: result(r).rank, firsts: [3, 6, 9, 12], bad: [0, 0, 0, 0] });
});

test('broadcast copies the root\'s buffer to every rank (3 ranks, float64 from the last rank, float32 from rank 0)', { skip, timeout: 30_000 }, async () => {
  const ranks = await runAll(3, 'broadcast');
  for (const r of ranks) {
    assert.deepEqual(result(r).values, [Math.PI, -2.5, 1e300, 7]);
    assert.deepEqual(result(r).f32, [0.25, 0.5]);
  }
});

test('barrier: no rank leaves before the last one (600 ms late) arrived', { skip, timeout: 30_000 }, async () => {
  const ranks = await runAll(3, 'barrier');
  const arrived = ranks.map((r) => result(r).arrived as number);
  const left = ranks.map((r) => result(r).left as number);
  assert.ok(Math.min(...left) >= Math.max(...arrived), `left ${left} before the last arrival ${Math.max(...arrived)}`);
  assert.ok(Math.max(...arrived) - Math.min(...arrived) >= 500, `arrivals ${arrived} were meant to be spread`);
});

// Multi-machine jobs give a MASTER_ADDR that is not loopback; ranks must then listen on an address the others can
// reach (not the 127.0.x.x that /etc/hosts often maps the hostname to). One machine's own address stands in for it.
const external = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
test('a non-loopback MASTER_ADDR: the store serves every interface, ranks listen on a reachable address, not loopback', { skip: skip || (!external && 'no non-loopback IPv4 address here'), timeout: 30_000 }, async () => {
  const masterPort = await freePort();
  const cfg = { worldSize: 2, masterAddr: external, masterPort, timeoutMs: 10_000, scenario: 'sums' as const, n: 100_000 };
  const rank0 = startRank({ rank: 0, ...cfg });
  // Rank 0's store answers on loopback too (torch's TCPStore binds every interface: on rank 0's own machine the
  // name in MASTER_ADDR may resolve to an address only it has).
  const reached = await new Promise<boolean>((resolve) => {
    const deadline = Date.now() + 5000;
    const attempt = (): void => {
      const socket = net.connect(masterPort, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => (Date.now() < deadline ? setTimeout(attempt, 50) : resolve(false)));
    };
    attempt();
  });
  assert.ok(reached, `rank 0's store (MASTER_ADDR ${external}) did not answer on 127.0.0.1:${masterPort}`);
  const ranks = [rank0, startRank({ rank: 1, ...cfg })];
  for (const r of ranks) assert.deepEqual(await r.exit, { code: 0, signal: null });
  for (const r of ranks) {
    assert.equal(result(r).f32Bad, 0);
    const transport = r.events.find((e) => e.event === 'connected')?.transport as string;
    assert.doesNotMatch(transport, /addr=\[127\./);
    assert.match(transport, /via (hostname |the route to MASTER_ADDR )/);
  }
});

test('FileStore rendezvous in a shared folder (no port) connects and sums', { skip, timeout: 30_000 }, async () => {
  const storePath = fs.mkdtempSync(path.join(os.tmpdir(), 'gloo-store-'));
  try {
    const ranks = await runAll(2, 'sums', { storePath, n: 100_000 });
    for (const r of ranks) {
      assert.equal(result(r).f32Bad, 0);
      assert.equal(result(r).f64Bad, 0);
    }
  } finally {
    fs.rmSync(storePath, { recursive: true, force: true });
  }
});

test('a rank that never shows up: createGroup rejects within the timeout, naming the rank and what it waited for', { skip, timeout: 30_000 }, async () => {
  const masterPort = await freePort();
  const rank0 = startRank({ rank: 0, worldSize: 2, masterPort, timeoutMs: 1500, scenario: 'sums' });
  assert.deepEqual(await rank0.exit, { code: 0, signal: null });
  const err = rank0.events.find((e) => e.event === 'error');
  assert.ok(err, JSON.stringify(rank0.events));
  assert.match(err.message as string, /^gloo createGroup \(rank 0 of 2\): timed out after 1500 ms waiting in the rendezvous store at 127\.0\.0\.1:\d+ for 'fts\/1'/);
  assert.ok((err.ms as number) >= 1400 && (err.ms as number) < 4000, `rejected after ${err.ms} ms`);

  // And the other way round: no rank 0 to serve the store.
  const rank1 = startRank({ rank: 1, worldSize: 2, masterPort: await freePort(), timeoutMs: 1000, scenario: 'sums' });
  await rank1.exit;
  const err1 = rank1.events.find((e) => e.event === 'error');
  assert.match(err1?.message as string, /^gloo createGroup \(rank 1 of 2\): could not reach the rendezvous store at 127\.0\.0\.1:\d+ within 1000 ms/);
});

test('setup mistakes reject with what to fix: MASTER_PORT taken, a storePath that is not a folder, a bad rank', { skip, timeout: 30_000 }, async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    await assert.rejects(openGlooGroup({ rank: 0, worldSize: 2, masterPort: port, timeoutMs: 1000 }), {
      message: `gloo createGroup (rank 0 of 2): rank 0 cannot serve the rendezvous store on 127.0.0.1:${port} (Address already in use; another job or a previous run still holds MASTER_PORT)`,
    });
  } finally {
    taken.close();
  }
  const notAFolder = path.join(os.tmpdir(), 'no-such-store-folder');
  await assert.rejects(openGlooGroup({ rank: 1, worldSize: 2, storePath: notAFolder, timeoutMs: 1000 }), {
    message: `gloo createGroup (rank 1 of 2): storePath ${notAFolder} is not a folder (create it on a file system every rank sees)`,
  });
  await assert.rejects(openGlooGroup({ rank: 2, worldSize: 2, masterPort: 1, timeoutMs: 1000 }), { name: 'TypeError', message: 'createGroup: rank 2 is not in [0, size=2)' });
});

test('a peer killed (SIGKILL) while the other is in allreduce: it rejects at once, naming the op, well before the timeout', { skip, timeout: 30_000 }, async () => {
  const masterPort = await freePort();
  const timeoutMs = 10_000;
  let killedAt = 0;
  const victim = startRank({ rank: 1, worldSize: 2, masterPort, timeoutMs, scenario: 'idle' });
  const survivor = startRank({ rank: 0, worldSize: 2, masterPort, timeoutMs, scenario: 'allreduce' }, (e) => {
    if (e.event === 'started') setTimeout(() => { killedAt = Date.now(); victim.child.kill('SIGKILL'); }, 300);
  });
  assert.deepEqual(await survivor.exit, { code: 0, signal: null });
  assert.equal((await victim.exit).signal, 'SIGKILL');
  const res = result(survivor);
  assert.ok(killedAt > 0);
  assert.match(res.rejected as string, /^gloo allreduce \(rank 0 of 2\): connection closed by peer \(rank 1 died\?\)/);
  // started → kill after 300 ms → rejection: far below the 10 s timeout (slack for a loaded CI machine).
  assert.ok((res.ms as number) < 5000, `rejected after ${res.ms} ms`);
});

test('a peer killed before the allreduce starts: the allreduce rejects at once instead of waiting for its timeout', { skip, timeout: 30_000 }, async () => {
  const masterPort = await freePort();
  const timeoutMs = 10_000;
  const victim = startRank({ rank: 1, worldSize: 2, masterPort, timeoutMs, scenario: 'idle' }, (e) => {
    if (e.event === 'connected') victim.child.kill('SIGKILL');
  });
  const survivor = startRank({ rank: 0, worldSize: 2, masterPort, timeoutMs, scenario: 'allreduce', delayMs: 1000 });
  assert.deepEqual(await survivor.exit, { code: 0, signal: null });
  assert.equal((await victim.exit).signal, 'SIGKILL');
  const res = result(survivor);
  assert.match(res.rejected as string, /^gloo allreduce \(rank 0 of 2\): connection closed by peer \(rank 1 died\?\)/);
  assert.ok((res.ms as number) < 2000, `rejected after ${res.ms} ms (the timeout is 10 s)`);
});

test('a peer that connected but never joins the allreduce: the op rejects when its timeout runs out', { skip, timeout: 30_000 }, async () => {
  const masterPort = await freePort();
  const stuck = startRank({ rank: 1, worldSize: 2, masterPort, timeoutMs: 1500, scenario: 'idle' });
  const waiting = startRank({ rank: 0, worldSize: 2, masterPort, timeoutMs: 1500, scenario: 'allreduce' });
  try {
    assert.deepEqual(await waiting.exit, { code: 0, signal: null });
    const res = result(waiting);
    assert.match(res.rejected as string, /^gloo allreduce \(rank 0 of 2\): timed out after 1500 ms \(rank 1 stuck, slow or gone\?\)/);
    assert.ok((res.ms as number) >= 1400 && (res.ms as number) < 4000, `rejected after ${res.ms} ms`);
  } finally {
    stuck.child.kill('SIGKILL');
    await stuck.exit;
  }
});
