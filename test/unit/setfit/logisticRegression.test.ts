// The logistic head: scikit-learn's objective (C·Σ CE + ½‖W‖², free intercept), its gradient, and the L-BFGS solution
// checked against conditions computed here independently (finite differences, optimality, a 1-D case solved by bisection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Rng } from '../../../src/util/rng';
import { fitLogisticRegression, headLogits, l2Normalize, logisticObjective } from '../../../src/training/setfit/logisticRegression';
import { torchMissing } from '../models/support';

function blobs(n: number, dim: number, classes: number, seed: number, spread = 1): { x: Float64Array; y: number[] } {
  const rng = new Rng(seed);
  const centers = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal() * 2));
  const x = new Float64Array(n * dim);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    y.push(k);
    for (let d = 0; d < dim; d++) x[i * dim + d] = centers[k][d] + rng.normal() * spread;
  }
  return { x, y };
}

/** ∇ of C·Σ CE + ½‖W‖² written out independently: C·(P − Y)ᵀX + W for W, C·Σ(P − Y) for b. */
function referenceGradient(w: Float32Array, b: Float32Array, x: Float64Array, y: number[], classes: number, dim: number, c: number): number[] {
  const g = new Array<number>(classes * dim + classes).fill(0);
  for (let i = 0; i < y.length; i++) {
    const z = Array.from({ length: classes }, (_, k) => b[k] + Array.from({ length: dim }, (_, d) => w[k * dim + d] * x[i * dim + d]).reduce((s, v) => s + v, 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((s, v) => s + v, 0);
    for (let k = 0; k < classes; k++) {
      const r = c * (e[k] / sum - (k === y[i] ? 1 : 0));
      g[classes * dim + k] += r;
      for (let d = 0; d < dim; d++) g[k * dim + d] += r * x[i * dim + d];
    }
  }
  for (let j = 0; j < classes * dim; j++) g[j] += w[j];
  return g;
}

test('objective gradient matches central finite differences', () => {
  const { x, y } = blobs(12, 5, 3, 1);
  const rng = new Rng(7);
  const theta = Float64Array.from({ length: 3 * 5 + 3 }, () => rng.normal() * 0.5);
  const { grad } = logisticObjective(theta, x, y, 3, 5, 0.7);
  const h = 1e-6;
  for (let j = 0; j < theta.length; j++) {
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[j] += h;
    minus[j] -= h;
    const fd = (logisticObjective(plus, x, y, 3, 5, 0.7).value - logisticObjective(minus, x, y, 3, 5, 0.7).value) / (2 * h);
    assert.ok(Math.abs(fd - grad[j]) < 1e-6 * Math.max(1, Math.abs(fd)), `θ[${j}]: analytic ${grad[j]}, finite difference ${fd}`);
  }
});

test('the fit satisfies the optimality condition and beats every nearby point', () => {
  const { x, y } = blobs(40, 8, 3, 2, 2.5);
  const fit = fitLogisticRegression(x, y, 3, { c: 1 });
  assert.ok(fit.converged, `did not converge in ${fit.iterations} iterations`);
  const g = referenceGradient(fit.head.weight, fit.head.bias, x, y, 3, 8, 1);
  assert.ok(Math.max(...g.map(Math.abs)) < 1e-4, `gradient at the solution: max |g| = ${Math.max(...g.map(Math.abs))}`);
  const theta = Float64Array.from([...fit.head.weight, ...fit.head.bias]);
  const best = logisticObjective(theta, x, y, 3, 8, 1).value;
  const rng = new Rng(3);
  for (let t = 0; t < 20; t++) {
    const near = theta.map((v) => v + rng.normal() * 1e-2);
    assert.ok(logisticObjective(near, x, y, 3, 8, 1).value > best);
  }
});

test('1-D symmetric case: w solves w = 2C·σ(−2w) (found by bisection), intercepts stay 0', () => {
  // x = +1 → class 1, x = −1 → class 0. By symmetry W = [−w, w], b = 0, objective 2C·log(1 + e^(−2w)) + w².
  for (const c of [0.1, 1, 10]) {
    let lo = 0;
    let hi = 10 * c + 1;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (mid - (2 * c) / (1 + Math.exp(2 * mid)) < 0) lo = mid;
      else hi = mid;
    }
    const fit = fitLogisticRegression([1, -1], [1, 0], 2, { c, tolerance: 1e-10 });
    assert.ok(Math.abs(fit.head.weight[1] - lo) < 1e-5, `C=${c}: w1 ${fit.head.weight[1]} vs ${lo}`);
    assert.ok(Math.abs(fit.head.weight[0] + lo) < 1e-5, `C=${c}: w0 ${fit.head.weight[0]} vs ${-lo}`);
    assert.ok(Math.abs(fit.head.bias[0]) < 1e-5 && Math.abs(fit.head.bias[1]) < 1e-5);
  }
});

test('stronger regularisation (smaller C) shrinks the weights; weak regularisation separates separable data', () => {
  const { x, y } = blobs(30, 4, 2, 5, 0.3);
  const norm = (c: number) => fitLogisticRegression(x, y, 2, { c }).head.weight.reduce((s, v) => s + v * v, 0);
  assert.ok(norm(0.01) < norm(1) && norm(1) < norm(100));
  const head = fitLogisticRegression(x, y, 2, { c: 100 }).head;
  const logits = headLogits(head, x);
  const correct = y.filter((k, i) => logits[i * 2 + k] > logits[i * 2 + 1 - k]).length;
  assert.equal(correct, y.length);
});

test('bad labels and shapes are refused with the example named', () => {
  assert.throws(() => fitLogisticRegression([1, 2, 3, 4], [0, 2], 2), /label 2 of example 1 is not a class id in \[0, 2\)/);
  assert.throws(() => fitLogisticRegression([1, 2, 3], [0, 1], 2), /3 feature values do not split into 2 rows/);
});

test('l2Normalize gives unit rows and leaves a zero row at zero', () => {
  const out = l2Normalize([3, 4, 0, 0, 1, 0], 2);
  assert.deepEqual(Array.from(out), [0.6000000238418579, 0.800000011920929, 0, 0, 1, 0]);
});

test('matches PyTorch: the same objective minimised by torch.optim.LBFGS in float64 gives the same head (≤ 1e-5)', { skip: torchMissing }, () => {
  const { x, y } = blobs(24, 6, 3, 11, 2);
  const fit = fitLogisticRegression(x, y, 3, { c: 0.5, tolerance: 1e-9 });
  const script = `
import json, sys, torch
d = json.load(sys.stdin)
x = torch.tensor(d["x"], dtype=torch.float64).reshape(-1, d["dim"])
y = torch.tensor(d["y"])
W = torch.zeros(d["classes"], d["dim"], dtype=torch.float64, requires_grad=True)
b = torch.zeros(d["classes"], dtype=torch.float64, requires_grad=True)
opt = torch.optim.LBFGS([W, b], lr=1, max_iter=5000, tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")
def closure():
    opt.zero_grad()
    loss = d["c"] * torch.nn.functional.cross_entropy(x @ W.T + b, y, reduction="sum") + 0.5 * (W * W).sum()
    loss.backward()
    return loss
opt.step(closure)
print(json.dumps({"weight": W.detach().flatten().tolist(), "bias": b.detach().tolist()}))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ x: Array.from(x), y, dim: 6, classes: 3, c: 0.5 }), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as { weight: number[]; bias: number[] };
  const worst = Math.max(...ref.weight.map((v, i) => Math.abs(v - fit.head.weight[i])), ...ref.bias.map((v, i) => Math.abs(v - fit.head.bias[i])));
  assert.ok(worst <= 1e-5, `max |Δ| vs PyTorch ${worst}`);
});

test('class weights (scikit-learn class_weight): uniform weights k equal C·k; unequal weights match PyTorch weighted CE (≤ 1e-5)', { skip: torchMissing }, () => {
  const { x, y } = blobs(30, 5, 3, 17, 2.5);
  // Σ k·CE_i with C is C·k·Σ CE_i: the same objective, so the same head.
  const scaled = fitLogisticRegression(x, y, 3, { c: 0.8, classWeights: [2, 2, 2], tolerance: 1e-10 }).head;
  const plain = fitLogisticRegression(x, y, 3, { c: 1.6, tolerance: 1e-10 }).head;
  assert.ok(Math.max(...scaled.weight.map((v, i) => Math.abs(v - plain.weight[i]))) < 1e-6);
  const weights = [0.4, 3, 1.2];
  const fit = fitLogisticRegression(x, y, 3, { c: 0.5, classWeights: weights, tolerance: 1e-9 });
  // A rare class weighted up moves the boundary: the weighted head differs from the unweighted one.
  const unweighted = fitLogisticRegression(x, y, 3, { c: 0.5, tolerance: 1e-9 }).head;
  assert.ok(Math.max(...fit.head.bias.map((v, i) => Math.abs(v - unweighted.bias[i]))) > 1e-2);
  const script = `
import json, sys, torch
d = json.load(sys.stdin)
x = torch.tensor(d["x"], dtype=torch.float64).reshape(-1, d["dim"])
y = torch.tensor(d["y"])
w = torch.tensor(d["w"], dtype=torch.float64)
W = torch.zeros(d["classes"], d["dim"], dtype=torch.float64, requires_grad=True)
b = torch.zeros(d["classes"], dtype=torch.float64, requires_grad=True)
opt = torch.optim.LBFGS([W, b], lr=1, max_iter=5000, tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe")
def closure():
    opt.zero_grad()
    loss = d["c"] * torch.nn.functional.cross_entropy(x @ W.T + b, y, weight=w, reduction="sum") + 0.5 * (W * W).sum()
    loss.backward()
    return loss
opt.step(closure)
print(json.dumps({"weight": W.detach().flatten().tolist(), "bias": b.detach().tolist()}))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ x: Array.from(x), y, w: weights, dim: 5, classes: 3, c: 0.5 }), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const ref = JSON.parse(r.stdout) as { weight: number[]; bias: number[] };
  const worst = Math.max(...ref.weight.map((v, i) => Math.abs(v - fit.head.weight[i])), ...ref.bias.map((v, i) => Math.abs(v - fit.head.bias[i])));
  assert.ok(worst <= 1e-5, `max |Δ| vs PyTorch ${worst}`);
  assert.throws(() => fitLogisticRegression(x, y, 3, { classWeights: [1, 0, 1] }), /logistic head: class weights must be 3 positive finite numbers, got \[1,0,1\]/);
});
