// SetFit's default head: multinomial logistic regression on frozen sentence embeddings, with scikit-learn's
// LogisticRegression objective (C·Σ cross-entropy + ½‖W‖², intercept not penalised) minimised by L-BFGS in float64.
// The problem is convex and tiny (examples × hidden), so an exact solve in JS beats compiling a training graph for it.

export interface LinearHead {
  /** [classes, dim] row-major (nn.Linear layout). */
  weight: Float32Array;
  bias: Float32Array;
  classes: number;
  dim: number;
}

export interface LogisticFitOptions {
  /** Inverse regularisation strength (scikit-learn's C; default 1). */
  c?: number;
  maxIterations?: number;
  /** Stop when the largest gradient component is below this (default 1e-6). */
  tolerance?: number;
  /** A weight per class multiplying its examples' cross-entropy (scikit-learn's class_weight); unset: all 1. */
  classWeights?: readonly number[];
}

export interface LogisticFit {
  head: LinearHead;
  iterations: number;
  converged: boolean;
  /** Final objective value. */
  objective: number;
}

/** Objective and gradient at θ = [W (classes×dim), b (classes)]; `x` is [n, dim] row-major; example i weighs classWeights[y_i]. */
export function logisticObjective(
  theta: Float64Array, x: ArrayLike<number>, labels: readonly number[], classes: number, dim: number, c: number, classWeights?: readonly number[],
): { value: number; grad: Float64Array } {
  const n = labels.length;
  const grad = new Float64Array(theta.length);
  const bOff = classes * dim;
  let value = 0;
  const z = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) {
      let s = theta[bOff + k];
      for (let d = 0; d < dim; d++) s += theta[k * dim + d] * x[i * dim + d];
      z[k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(z[k] - max);
    const logSum = max + Math.log(sum);
    const scale = c * (classWeights ? classWeights[labels[i]] : 1);
    value += scale * (logSum - z[labels[i]]);
    for (let k = 0; k < classes; k++) {
      // ∂CE/∂z_k = softmax_k − [k = y]
      const g = scale * (Math.exp(z[k] - logSum) - (k === labels[i] ? 1 : 0));
      grad[bOff + k] += g;
      for (let d = 0; d < dim; d++) grad[k * dim + d] += g * x[i * dim + d];
    }
  }
  for (let j = 0; j < bOff; j++) {
    value += 0.5 * theta[j] * theta[j];
    grad[j] += theta[j];
  }
  return { value, grad };
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Fits the head to `x` ([n, dim]) and integer labels in [0, classes). Deterministic: starts from zeros. */
export function fitLogisticRegression(x: ArrayLike<number>, labels: readonly number[], classes: number, opts: LogisticFitOptions = {}): LogisticFit {
  const n = labels.length;
  if (n === 0) throw new Error('logistic head: no training examples');
  if (x.length % n !== 0) throw new Error(`logistic head: ${x.length} feature values do not split into ${n} rows`);
  const dim = x.length / n;
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= classes);
  if (bad >= 0) throw new Error(`logistic head: label ${labels[bad]} of example ${bad} is not a class id in [0, ${classes})`);
  const c = opts.c ?? 1;
  const cw = opts.classWeights;
  if (cw && (cw.length !== classes || cw.some((w) => !(w > 0 && Number.isFinite(w))))) throw new Error(`logistic head: class weights must be ${classes} positive finite numbers, got ${JSON.stringify(cw)}`);
  const maxIterations = opts.maxIterations ?? 1000;
  const tolerance = opts.tolerance ?? 1e-6;
  const memory = 10;
  const f = (t: Float64Array) => logisticObjective(t, x, labels, classes, dim, c, cw);

  let theta = new Float64Array(classes * dim + classes);
  let cur = f(theta);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  let iterations = 0;
  let converged = maxAbs(cur.grad) < tolerance;
  while (!converged && iterations < maxIterations) {
    // Two-loop recursion: direction = −H·g with the last `memory` curvature pairs.
    const q = Float64Array.from(cur.grad);
    const alphas: number[] = [];
    for (let i = sHist.length - 1; i >= 0; i--) {
      const a = dot(sHist[i], q) / dot(yHist[i], sHist[i]);
      alphas[i] = a;
      for (let j = 0; j < q.length; j++) q[j] -= a * yHist[i][j];
    }
    const last = sHist.length - 1;
    const gamma = last >= 0 ? dot(sHist[last], yHist[last]) / dot(yHist[last], yHist[last]) : 1 / Math.max(1, Math.sqrt(dot(cur.grad, cur.grad)));
    for (let j = 0; j < q.length; j++) q[j] *= gamma;
    for (let i = 0; i < sHist.length; i++) {
      const b = dot(yHist[i], q) / dot(yHist[i], sHist[i]);
      for (let j = 0; j < q.length; j++) q[j] += sHist[i][j] * (alphas[i] - b);
    }
    const dir = q.map((v) => -v);
    let slope = dot(dir, cur.grad);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHist.length = yHist.length = 0;
      for (let j = 0; j < dir.length; j++) dir[j] = -cur.grad[j];
      slope = dot(dir, cur.grad);
    }
    // Backtracking line search with the Armijo condition.
    let step = 1;
    let next = theta;
    let nextEval = cur;
    for (let tries = 0; tries < 60; tries++) {
      next = theta.map((v, j) => v + step * dir[j]);
      nextEval = f(next);
      if (nextEval.value <= cur.value + 1e-4 * step * slope) break;
      step /= 2;
    }
    const s = next.map((v, j) => v - theta[j]);
    const y = nextEval.grad.map((v, j) => v - cur.grad[j]);
    iterations++;
    if (nextEval.value > cur.value || maxAbs(s) === 0) break;
    if (dot(s, y) > 1e-12) {
      sHist.push(s);
      yHist.push(y);
      if (sHist.length > memory) {
        sHist.shift();
        yHist.shift();
      }
    }
    theta = next;
    cur = nextEval;
    converged = maxAbs(cur.grad) < tolerance;
  }
  const bOff = classes * dim;
  return {
    head: { weight: Float32Array.from(theta.subarray(0, bOff)), bias: Float32Array.from(theta.subarray(bOff)), classes, dim },
    iterations,
    converged,
    objective: cur.value,
  };
}

/** logits = x · Wᵀ + b for `x` [n, dim], in float64 (then rounded), as the ONNX classifier computes it. */
export function headLogits(head: LinearHead, x: ArrayLike<number>): Float32Array {
  const n = x.length / head.dim;
  const out = new Float32Array(n * head.classes);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < head.classes; k++) {
      let s = head.bias[k];
      for (let d = 0; d < head.dim; d++) s += head.weight[k * head.dim + d] * x[i * head.dim + d];
      out[i * head.classes + k] = s;
    }
  }
  return out;
}

/** Row-wise x / max(‖x‖, 1e-12), as torch.nn.functional.normalize. */
export function l2Normalize(x: ArrayLike<number>, dim: number): Float32Array {
  const out = Float32Array.from(x);
  for (let i = 0; i < out.length; i += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += out[i + d] * out[i + d];
    const norm = Math.max(Math.sqrt(s), 1e-12);
    for (let d = 0; d < dim; d++) out[i + d] /= norm;
  }
  return out;
}
