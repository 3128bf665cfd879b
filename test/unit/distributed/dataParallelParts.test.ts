// The pure parts of data-parallel training: the launch contract, DistributedSampler sharding, gradient buckets and
// averaging, and the rank-agreement collectives (over in-process groups; the gloo groups are tested apart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cudaDeviceFor, readLaunchEnv, threadsPerRank } from '../../../src/training/distributed/launchEnv';
import { trainingSessionOptions } from '../../../src/training/worker/sessionOptions';
import { paddedExamples, shardBatches } from '../../../src/training/distributed/distributedSampler';
import { gradientAverager, planBuckets } from '../../../src/training/distributed/gradientAverager';
import { assertSameStart, compareWithRankZero, fromRankZero, textFromRankZero } from '../../../src/training/distributed/rankAgreement';
import { Rng } from '../../../src/util/rng';
import { memoryGroups } from '../../support/memoryGroups';

test('launch contract: torchrun/Kubeflow variables, Slurm variables, none, and what a half-set contract says', () => {
  assert.equal(readLaunchEnv({}), undefined);
  assert.equal(readLaunchEnv({ WORLD_SIZE: '1', RANK: '0' }), undefined);
  const t = readLaunchEnv({ WORLD_SIZE: '4', RANK: '3', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: 'node-a', MASTER_PORT: '29500', TORCHELASTIC_RUN_ID: 'x' })!;
  assert.deepEqual({ ...t }, { rank: 3, worldSize: 4, localRank: 1, localWorldSize: 2, masterAddr: 'node-a', masterPort: 29500, launcher: 'torchrun', timeoutMs: 1_800_000 });
  const s = readLaunchEnv({ SLURM_NTASKS: '6', SLURM_PROCID: '5', SLURM_LOCALID: '2', SLURM_NTASKS_PER_NODE: '3(x2)', MASTER_ADDR: 'n1', MASTER_PORT: '29500', FTS_DIST_TIMEOUT_S: '60' })!;
  assert.deepEqual([s.rank, s.worldSize, s.localRank, s.localWorldSize, s.launcher, s.timeoutMs], [5, 6, 2, 3, 'slurm', 60_000]);
  assert.equal(readLaunchEnv({ SLURM_NTASKS: '1', SLURM_PROCID: '0' }), undefined);
  assert.throws(() => readLaunchEnv({ WORLD_SIZE: '2', MASTER_ADDR: 'a', MASTER_PORT: '1' }), /RANK is not set; the launcher sets it/);
  assert.throws(() => readLaunchEnv({ WORLD_SIZE: '2', RANK: '2', MASTER_ADDR: 'a', MASTER_PORT: '1' }), /RANK=2: expected a whole number from 0 to 1/);
  assert.throws(() => readLaunchEnv({ WORLD_SIZE: '2', RANK: '0', MASTER_PORT: '1' }), /MASTER_ADDR is not set \(WORLD_SIZE=2\)/);
  assert.throws(() => readLaunchEnv({ SLURM_NTASKS: '2', SLURM_PROCID: '0', MASTER_ADDR: 'a' }), /MASTER_PORT is not set; the batch script must export it: MASTER_ADDR=\$\(scontrol/);
  assert.throws(() => readLaunchEnv({ WORLD_SIZE: 'two' }), /WORLD_SIZE=two: expected a whole number/);
  assert.equal(threadsPerRank(2, 16), 8);
  // One GPU per local rank, unless the launcher gave the process a single one already.
  assert.deepEqual(cudaDeviceFor(3, {}), { device: 3, reason: 'local rank 3' });
  assert.equal(cudaDeviceFor(1, { CUDA_VISIBLE_DEVICES: '5' }).device, 0);
  assert.equal(cudaDeviceFor(1, { CUDA_VISIBLE_DEVICES: '4,5' }).device, 1);
  assert.throws(() => cudaDeviceFor(2, { CUDA_VISIBLE_DEVICES: '4,5' }), /local rank 2 has no GPU of its own: CUDA_VISIBLE_DEVICES lists 2/);
  assert.deepEqual(trainingSessionOptions('cuda', undefined, 2).executionProviders, [{ name: 'cuda', deviceId: 2 }]);
  assert.deepEqual(trainingSessionOptions('cuda').executionProviders, ['cuda']);
  assert.equal(threadsPerRank(4, 2), 1);
});

test('sharding: the ranks\' shares of each global batch are disjoint, cover it, are equal in size, and one rank gets it whole', () => {
  const rng = new Rng(7);
  const global = Array.from({ length: 9 }, (_, b) => Array.from({ length: b === 8 ? 5 : 8 }, (_, k) => b * 8 + k)).map((b) => rng.shuffle([...b]));
  for (const n of [2, 3, 4]) {
    const shards = Array.from({ length: n }, (_, r) => shardBatches(global, r, n));
    global.forEach((batch, b) => {
      const parts = shards.map((s) => s[b]);
      assert.equal(new Set(parts.map((p) => p.length)).size, 1, 'equal sizes');
      assert.equal(parts[0].length, Math.ceil(batch.length / n));
      assert.deepEqual(new Set(parts.flat()), new Set(batch), 'the union is the global batch');
      if (batch.length % n === 0) assert.equal(parts.flat().length, batch.length, 'disjoint when it divides');
      // Strided: rank r holds positions r, r+n, … of the global batch.
      parts.forEach((p, r) => p.forEach((x, j) => assert.equal(x, batch[(r + j * n) % batch.length])));
    });
    assert.equal(paddedExamples(global, n), global.reduce((s, b) => s + Math.ceil(b.length / n) * n - b.length, 0));
  }
  assert.deepEqual(shardBatches(global, 0, 1), global);
  assert.deepEqual(shardBatches([[4]], 1, 2), [[4]], 'a one-example batch: both ranks train it');
  assert.throws(() => shardBatches(global, 2, 2), /rank 2 of world size 2/);
});

test('buckets: consecutive small tensors up to the bucket size, big ones alone, nothing lost or reordered', () => {
  const sizes = [10, 10, 100, 5, 5, 5, 50, 1];
  const b = planBuckets(sizes, 4 * 30);
  assert.deepEqual(b, [[0, 1], [2], [3, 4, 5], [6], [7]]);
  assert.deepEqual(b.flat(), sizes.map((_, i) => i));
  assert.deepEqual(planBuckets([3, 3], 4 * 100), [[0, 1]]);
});

test('gradient averaging over 3 ranks: every gradient becomes the ranks\' sum, to be divided by 3, bucketed or not', async () => {
  for (const bucketBytes of [4 * 7, 25 * 2 ** 20]) {
    const groups = memoryGroups(3);
    const shapes = [13, 1, 40, 6, 6, 100];
    const perRank = groups.map((_, r) => new Map(shapes.map((n, i) => [`p${i}`, { data: Float32Array.from({ length: n }, (_, k) => (r + 1) * (k + 1) + i * 0.5) }])));
    const averagers = groups.map((g) => gradientAverager(g, bucketBytes));
    await Promise.all(averagers.map((a, r) => a.reduce(perRank[r])));
    shapes.forEach((n, i) => {
      const expected = Float32Array.from({ length: n }, (_, k) => (1 + 2 + 3) * (k + 1) + 3 * i * 0.5);
      for (const m of perRank) assert.deepEqual(m.get(`p${i}`)!.data, expected, `p${i} (bucket ${bucketBytes} B)`);
    });
    assert.deepEqual(averagers.map((a) => a.divisor), [3, 3, 3]);
    assert.deepEqual({ ...averagers[0].stats, seconds: 0, waitSeconds: 0 }, { steps: 1, seconds: 0, waitSeconds: 0, bytes: 4 * shapes.reduce((a, b) => a + b, 0), buckets: planBuckets(shapes.map((n) => n), bucketBytes).length });
  }
  await assert.rejects(gradientAverager(memoryGroups(1)[0]).reduce(new Map([['x', { data: new Float64Array(2) }]])), /gradient "x" is not float32/);
});

test('rank agreement: rank 0\'s flags and run folder reach every rank; start and end checks see a difference', async () => {
  const g = memoryGroups(3);
  assert.deepEqual(await Promise.all(g.map((x) => fromRankZero(x, x.rank === 0 ? [1, 42] : [0, 7]))), [[1, 42], [1, 42], [1, 42]]);
  const dir = '/runs/bert-base · full 2026-12-08/日本';
  assert.deepEqual(await Promise.all(g.map((x) => textFromRankZero(x, x.rank === 0 ? dir : ''))), [dir, dir, dir]);
  await Promise.all(g.map((x) => assertSameStart(x, 10, 1.5, '/runs/r')));
  const bad = await Promise.allSettled(g.map((x) => assertSameStart(x, x.rank === 2 ? 0 : 10, 1.5, '/runs/r')));
  for (const r of bad) assert.match((r as PromiseRejectedResult).reason.message, /rank 2 starts at another step; rank 0 starts at step 10\): .*same run folder \(\/runs\/r\)/);
  const same = () => new Map([['a', Float32Array.of(1, 2, 3)], ['b', Float32Array.of(4)]]);
  const eq = await Promise.all(g.map((x) => compareWithRankZero(x, same())));
  assert.deepEqual(eq[0], { tensors: 2, differing: 0, maxAbsDifference: 0 });
  const off = await Promise.all(g.map((x) => compareWithRankZero(x, x.rank === 1 ? new Map([['a', Float32Array.of(1, 2, 3.5)], ['b', Float32Array.of(4)]]) : same())));
  for (const c of off) assert.deepEqual(c, { tensors: 2, differing: 1, maxAbsDifference: 0.5 });
});
