// Two (here: eight) trainers taking the same run folder's lease at the same instant: exactly one wins and every other
// is refused naming the winner, whether the folder has no lease, a dead owner's or a stale one. Before the lease was
// hard-linked into place, a reader could catch the winner's half-written file, judge it stale and take it over too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEASE_FILE, LEASE_STALE_MS } from '../../../src/training/runLease';

const LEASE_MODULE = path.resolve(__dirname, '../../../src/training/runLease.js');
const CONTENDERS = 8;

// Each contender spins until the same wall-clock instant, takes the lease, and a winner holds it long enough for
// every late contender to find it held.
const CONTENDER = `
const { acquireLease } = require(${JSON.stringify(LEASE_MODULE)});
const [dir, at] = [process.argv[1], Number(process.argv[2])];
while (Date.now() < at) {}
try {
  const lease = acquireLease(dir);
  process.stdout.write(JSON.stringify({ won: true, pid: process.pid, previous: lease.previous?.pid ?? null }));
  setTimeout(() => lease.release(), 3000);
} catch (e) {
  process.stdout.write(JSON.stringify({ won: false, pid: process.pid, message: e.message, name: e.name }));
}`;

interface Outcome {
  won: boolean;
  pid: number;
  previous?: number | null;
  message?: string;
  name?: string;
}

async function contend(dir: string): Promise<Outcome[]> {
  const at = Date.now() + 1500 + CONTENDERS * 150;
  const runs = Array.from({ length: CONTENDERS }, () => new Promise<Outcome>((resolve, reject) => {
    const child = child_process.spawn(process.execPath, ['-e', CONTENDER, dir, String(at)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Outcome) : reject(new Error(`contender exited ${code}: ${out}`))));
  }));
  return Promise.all(runs);
}

const deadPid = () => Number(child_process.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
const leaseOf = (pid: number, heartbeat: Date) => JSON.stringify({ pid, host: os.hostname(), startedAt: heartbeat.toISOString(), heartbeat: heartbeat.toISOString() });

test('eight trainers taking one lease at once: one wins, the others are refused naming it (no lease, dead owner, stale lease)', async (t) => {
  const sleeper = child_process.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const dead = deadPid();
  const cases: [string, string | undefined, number | null][] = [
    ['no lease', undefined, null],
    ['a dead owner\'s lease', leaseOf(dead, new Date()), dead],
    ['a live pid with a stale heartbeat', leaseOf(sleeper.pid!, new Date(Date.now() - LEASE_STALE_MS - 5000)), sleeper.pid!],
  ];
  try {
    for (const [name, existing, previous] of cases) {
      await t.test(name, async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-race-'));
        try {
          if (existing) fs.writeFileSync(path.join(dir, LEASE_FILE), existing);
          const outcomes = await contend(dir);
          const winners = outcomes.filter((o) => o.won);
          assert.equal(winners.length, 1, `winners: ${JSON.stringify(winners)}`);
          assert.equal(winners[0].previous, previous, 'the winner names the lease it replaced');
          for (const o of outcomes.filter((x) => !x.won)) {
            assert.equal(o.name, 'RunBusyError', o.message);
            assert.match(o.message!, new RegExp(`being trained by process ${winners[0].pid} on ${os.hostname()} `));
          }
          // Nothing but the lease is left behind once the winner released it (no temporaries, no takeover marker).
          assert.deepEqual(fs.readdirSync(dir), []);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  } finally {
    sleeper.kill('SIGKILL');
  }
});
