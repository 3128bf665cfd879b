// Proof for every gradient rule: a float64 central finite-difference check run by onnxruntime-node on CPU.
//
// For each registered op, small graphs y = op(x...) are built with random float64 inputs, reduced to a scalar
// L = Σ_k Σ w_k·y_k with fixed random weights w_k (so every output element matters differently), differentiated by
// our autodiff, and each analytic dL/dx compared with (L(x+h) − L(x−h)) / 2h, h = 1e-6.
// Error per element: |analytic − numeric| / max(|analytic|, |numeric|, 1e-3); an op's figure is the max over its cases.
//
// Honest exceptions, handled here rather than hidden:
// - ORT's CPU build has no float64 Erf kernel (so no float64 Gelu / com.microsoft Gelu either, which ORT expands to
//   Erf). For those checks every float64 Erf — in the forward graph and in the emitted backward graph — is replaced
//   by its Taylor series evaluated in float64 (60 terms, |x| ≤ 3: error < 1e-13), and Gelu by x·½(1+erf(x/√2)).
//   The rule's math is checked exactly; the float32 Erf kernel is exercised by the PyTorch comparison test.
// - ORT's float64 com.microsoft.FastGelu (and Gelu approximate='tanh') compute at float32 precision (measured: errors
//   up to 1e-7 against the formula), too coarse for h = 1e-6; they are written out in float64 ops for the check.
// - Dropout in training mode draws a new mask each run, so finite differences are meaningless: the check compares the
//   gradient with dy·mask/(1−p) computed from the mask the same run returned. Dropout in inference mode is FD-checked.
// - Cast is checked float64→float64: a precision-losing cast cannot pass a 1e-6 finite-difference test by definition.
import * as ort from 'onnxruntime-node';
import { addGradients } from './autodiff/backward';
import { registeredOps } from './autodiff/registry';
import { GraphBuilder } from '../onnx/builder';
import { Graph, Model, Node, cloneGraph, float, int, ints, str, tensor } from '../onnx/ir';
import { modelToBytes } from '../onnx/serialize';
import { inferTypes } from '../onnx/shapes';
import { Rng } from '../util/rng';

export interface GradcheckResult {
  /** Op type, prefixed by its domain when not ai.onnx (e.g. "com.microsoft.FastGelu"). */
  op: string;
  maxRelError: number;
  ok: boolean;
  /** Number of graphs (shapes/attribute variants) checked. */
  cases: number;
  note?: string;
}

export interface GradcheckOptions {
  /** Only these ops (names as in GradcheckResult.op). */
  ops?: string[];
  seed?: number;
  tolerance?: number;
}

const H = 1e-6;

type Range = 'any' | 'positive' | 'awayFromZero';

interface CaseContext {
  b: GraphBuilder;
  /** A differentiable float64 input with random values. */
  param(shape: number[], range?: Range): string;
  /** A float64 constant (not differentiated). */
  fixed(shape: number[], range?: Range): string;
}

interface Case {
  op: string;
  opset?: number;
  build(c: CaseContext): string[];
  /** Check mode: finite differences (default) or the Dropout mask identity. */
  mode?: 'fd' | 'dropoutMask';
}

const ms = { domain: 'com.microsoft' };

function cases(): Case[] {
  const un = (op: string, range: Range = 'any', attrs = {}) => ({ op, build: ({ b, param }: CaseContext) => [b.op(op, [param([2, 3, 4], range)], attrs)] });
  const bin = (op: string, sa: number[], sb: number[], rb: Range = 'any') => ({ op, build: ({ b, param }: CaseContext) => [b.op(op, [param(sa), param(sb, rb)])] });
  return [
    bin('Add', [2, 3, 4], [4]),
    bin('Add', [3, 1], [2, 1, 4]),
    bin('Sub', [2, 3, 4], [3, 1]),
    bin('Mul', [2, 1, 4], [3, 4]),
    bin('Div', [2, 3, 4], [3, 4], 'positive'),
    { op: 'Sum', build: ({ b, param }) => [b.op('Sum', [param([2, 3]), param([3]), param([2, 1])])] },
    { op: 'Pow', build: ({ b, param }) => [b.op('Pow', [param([2, 3, 4], 'positive'), param([4], 'positive')])] },
    { op: 'Pow', build: ({ b, param }) => [b.op('Pow', [param([3, 4], 'positive'), b.constant(2, 'float64')])] },
    un('Sqrt', 'positive'),
    un('Neg'),
    un('Exp'),
    un('Log', 'positive'),
    un('Reciprocal', 'positive'),
    un('Abs', 'awayFromZero'),
    un('Erf'),
    un('Tanh'),
    un('Relu', 'awayFromZero'),
    un('LeakyRelu', 'awayFromZero', { alpha: float(0.2) }),
    un('Sigmoid'),
    un('Identity'),
    un('Softmax', 'any', { axis: int(1) }),
    un('LogSoftmax', 'any', { axis: int(-1) }),
    { op: 'Max', build: ({ b, param, fixed }) => [b.op('Max', [param([2, 3, 4]), b.op('Add', [param([4]), fixed([2, 3, 4], 'awayFromZero')])])] },
    { op: 'Min', build: ({ b, param, fixed }) => [b.op('Min', [param([2, 3, 4]), b.op('Add', [param([3, 1]), fixed([2, 3, 4], 'awayFromZero')])])] },
    { op: 'Where', build: ({ b, param }) => [b.op('Where', [b.constant(tensor('bool', [3, 4], [1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0])), param([2, 3, 4]), param([4])])] },
    { op: 'Cast', build: ({ b, param }) => [b.op('Cast', [param([2, 3])], { to: int(11) })] },
    { op: 'MatMul', build: ({ b, param }) => [b.op('MatMul', [param([2, 3, 4]), param([4, 5])])] },
    { op: 'MatMul', build: ({ b, param }) => [b.op('MatMul', [param([2, 3, 4]), param([1, 4, 5])])] },
    { op: 'MatMul', build: ({ b, param }) => [b.op('MatMul', [param([3, 4]), param([2, 4, 5])])] },
    { op: 'MatMul', build: ({ b, param }) => [b.op('MatMul', [param([2, 3, 4]), param([4])])] },
    { op: 'MatMul', build: ({ b, param }) => [b.op('MatMul', [param([4]), param([2, 4, 5])])] },
    { op: 'MatMul', build: ({ b, param }) => [b.op('MatMul', [param([4]), param([4])])] },
    { op: 'Gemm', build: ({ b, param }) => [b.op('Gemm', [param([3, 4]), param([4, 5]), param([5])], { alpha: float(0.7), beta: float(1.3) })] },
    { op: 'Gemm', build: ({ b, param }) => [b.op('Gemm', [param([4, 3]), param([5, 4]), param([3, 1])], { transA: int(1), transB: int(1) })] },
    { op: 'Gemm', build: ({ b, param }) => [b.op('Gemm', [param([4, 3]), param([4, 5])], { transA: int(1) })] },
    { op: 'ReduceSum', build: ({ b, param }) => [b.op('ReduceSum', [param([2, 3, 4]), b.int64s([0, 2])], { keepdims: int(0) })] },
    { op: 'ReduceSum', build: ({ b, param }) => [b.op('ReduceSum', [param([2, 3, 4]), b.int64s([-1])], { keepdims: int(1) })] },
    { op: 'ReduceSum', build: ({ b, param }) => [b.op('ReduceSum', [param([2, 3])], { keepdims: int(0) })] },
    { op: 'ReduceMean', build: ({ b, param }) => [b.op('ReduceMean', [param([2, 3, 4])], { axes: ints([1]), keepdims: int(0) })] },
    { op: 'ReduceMean', build: ({ b, param }) => [b.op('ReduceMean', [param([2, 3, 4])], { axes: ints([-1]), keepdims: int(1) })] },
    { op: 'Transpose', build: ({ b, param }) => [b.op('Transpose', [param([2, 3, 4])], { perm: ints([1, 2, 0]) })] },
    { op: 'Transpose', build: ({ b, param }) => [b.op('Transpose', [param([2, 3])])] },
    { op: 'Reshape', build: ({ b, param }) => [b.op('Reshape', [param([2, 3, 4]), b.int64s([0, -1])])] },
    { op: 'Flatten', build: ({ b, param }) => [b.op('Flatten', [param([2, 3, 4])], { axis: int(2) })] },
    { op: 'Squeeze', build: ({ b, param }) => [b.op('Squeeze', [param([2, 1, 4]), b.int64s([1])])] },
    { op: 'Unsqueeze', build: ({ b, param }) => [b.op('Unsqueeze', [param([2, 4]), b.int64s([0, -1])])] },
    { op: 'Expand', build: ({ b, param }) => [b.op('Expand', [param([3, 1]), b.int64s([2, 3, 4])])] },
    { op: 'Concat', build: ({ b, param }) => [b.op('Concat', [param([2, 1, 4]), param([2, 3, 4]), param([2, 2, 4])], { axis: int(1) })] },
    { op: 'Split', build: ({ b, param }) => b.opMulti('Split', [param([2, 5, 3]), b.int64s([2, 3])], { axis: int(1) }, 2) },
    { op: 'Split', build: ({ b, param }) => [b.opMulti('Split', [param([4, 3]), b.int64s([1, 3])], { axis: int(0) }, 2)[1]] },
    { op: 'Slice', build: ({ b, param }) => [b.op('Slice', [param([4, 5]), b.int64s([1, -1]), b.int64s([3, -6]), b.int64s([0, 1]), b.int64s([1, -2])])] },
    { op: 'Slice', build: ({ b, param }) => [b.op('Slice', [param([2, 6, 3]), b.int64s([1]), b.int64s([100]), b.int64s([-2]), b.int64s([2])])] },
    { op: 'Gather', build: ({ b, param }) => [b.op('Gather', [param([5, 3]), b.constant(tensor('int64', [2, 3], [0, 4, 0, -1, 2, 0]))], { axis: int(0) })] },
    { op: 'Gather', build: ({ b, param }) => [b.op('Gather', [param([2, 4, 3]), b.constant(tensor('int64', [3], [3, 1, 3]))], { axis: int(1) })] },
    { op: 'Gather', build: ({ b, param }) => [b.op('Gather', [param([2, 4]), b.constant(tensor('int32', [], [2]))], { axis: int(-1) })] },
    { op: 'GatherElements', build: ({ b, param }) => [b.op('GatherElements', [param([3, 4]), b.constant(tensor('int64', [3, 2], [0, 3, 3, -1, 1, 1]))], { axis: int(1) })] },
    { op: 'GatherElements', build: ({ b, param }) => [b.op('GatherElements', [param([3, 2]), b.constant(tensor('int64', [4, 2], [0, 2, 2, 2, 1, 0, 0, 0]))], { axis: int(0) })] },
    {
      op: 'SoftmaxCrossEntropyLoss',
      build: ({ b, param, fixed }) => [b.opMulti('SoftmaxCrossEntropyLoss', [param([4, 3]), b.constant(tensor('int64', [4], [2, 0, -1, 1])), fixed([3], 'positive')], { ignore_index: int(-1) }, 1)[0]],
    },
    { op: 'SoftmaxCrossEntropyLoss', build: ({ b, param }) => b.opMulti('SoftmaxCrossEntropyLoss', [param([2, 3, 4]), b.constant(tensor('int64', [2, 4], [0, 1, 2, 2, 1, 1, 0, 2]))], { reduction: str('none') }, 2) },
    { op: 'SoftmaxCrossEntropyLoss', build: ({ b, param }) => [b.opMulti('SoftmaxCrossEntropyLoss', [param([3, 5]), b.constant(tensor('int64', [3], [4, 0, 4]))], { reduction: str('sum') }, 1)[0]] },
    { op: 'CumSum', build: ({ b, param }) => [b.op('CumSum', [param([2, 4]), b.constant(tensor('int64', [], [1]))])] },
    { op: 'CumSum', build: ({ b, param }) => [b.op('CumSum', [param([3, 2]), b.constant(tensor('int64', [], [0]))], { reverse: int(1), exclusive: int(1) })] },
    { op: 'Dropout', build: ({ b, param }) => [b.op('Dropout', [param([2, 3, 4]), b.constant(0.3, 'float64')])] },
    { op: 'Dropout', mode: 'dropoutMask', build: ({ b, param }) => [b.op('Dropout', [param([4, 8]), b.constant(0.3, 'float64'), b.constant(tensor('bool', [], [1]))], { seed: int(7) })] },
    {
      op: 'LayerNormalization',
      build: ({ b, param }) => [b.op('LayerNormalization', [param([2, 3, 4]), param([4]), param([4])], { axis: int(-1), epsilon: float(1e-5) })],
    },
    { op: 'LayerNormalization', build: ({ b, param }) => [b.op('LayerNormalization', [param([2, 3, 4]), param([3, 4])], { axis: int(1), epsilon: float(1e-3) })] },
    { op: 'Gelu', opset: 20, build: ({ b, param }) => [b.op('Gelu', [param([2, 3, 4])])] },
    { op: 'Gelu', opset: 20, build: ({ b, param }) => [b.op('Gelu', [param([2, 3, 4])], { approximate: str('tanh') })] },
    { op: 'com.microsoft.Gelu', build: ({ b, param }) => [b.op('Gelu', [param([2, 3, 4])], {}, ms)] },
    { op: 'com.microsoft.FastGelu', build: ({ b, param }) => [b.op('FastGelu', [param([2, 3, 4])], {}, ms)] },
    { op: 'com.microsoft.FastGelu', build: ({ b, param }) => [b.op('FastGelu', [param([2, 3, 4]), param([4])], {}, ms)] },
  ];
}

const ERF_TERMS = 60;

/** Replaces float64 Erf / Gelu / com.microsoft Gelu / FastGelu by exact float64 arithmetic ORT can run (see header). */
function lowerErf(graph: Graph): Graph {
  const b = new GraphBuilder(graph, { copy: true });
  const nodes = b.graph.nodes;
  b.graph.nodes = [];
  const erf = (x: string, out?: string): string => {
    const x2 = b.op('Mul', [x, x]);
    // erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n!(2n+1)), evaluated by Horner in x².
    const coef: number[] = [];
    let fact = 1;
    for (let n = 0; n < ERF_TERMS; n++) {
      if (n > 0) fact *= n;
      coef.push(((n % 2 ? -1 : 1) / (fact * (2 * n + 1))) * (2 / Math.sqrt(Math.PI)));
    }
    let p = b.constant(coef[ERF_TERMS - 1], 'float64');
    for (let n = ERF_TERMS - 2; n >= 0; n--) p = b.op('Add', [b.op('Mul', [p, x2]), b.constant(coef[n], 'float64')]);
    return b.op('Mul', [x, p], {}, out ? { output: out } : {});
  };
  for (const n of nodes) {
    const isGelu = n.opType === 'Gelu' && (n.domain === '' || n.domain === 'com.microsoft');
    if (n.opType === 'Erf' && n.domain === '') {
      erf(n.inputs[0], n.outputs[0]);
    } else if (isGelu && (n.attrs.approximate?.type !== 'string' || n.attrs.approximate.value === 'none')) {
      const x = n.inputs[0];
      const e = erf(b.op('Mul', [x, b.constant(Math.SQRT1_2, 'float64')]));
      const half = b.op('Mul', [b.op('Add', [e, b.constant(1, 'float64')]), b.constant(0.5, 'float64')]);
      b.op('Mul', [x, half], {}, { output: n.outputs[0] });
    } else if ((n.opType === 'FastGelu' && n.domain === 'com.microsoft') || isGelu) {
      const c = (v: number) => b.constant(v, 'float64');
      const x = n.inputs[1] ? b.op('Add', [n.inputs[0], n.inputs[1]]) : n.inputs[0];
      const cube = b.op('Mul', [b.op('Mul', [x, x]), x]);
      const inner = b.op('Mul', [b.op('Add', [x, b.op('Mul', [cube, c(0.044715)])]), c(Math.sqrt(2 / Math.PI))]);
      const half = b.op('Mul', [b.op('Add', [b.op('Tanh', [inner]), c(1)]), c(0.5)]);
      b.op('Mul', [x, half], {}, { output: n.outputs[0] });
    } else {
      b.graph.nodes.push(n);
    }
  }
  return b.graph;
}

function needsErfLowering(g: Graph): boolean {
  return g.nodes.some((n: Node) => n.opType === 'Erf' || n.opType === 'FastGelu' || n.opType === 'Gelu');
}

async function session(graph: Graph, opset: number): Promise<ort.InferenceSession> {
  const model: Model = {
    graph: needsErfLowering(graph) ? lowerErf(graph) : graph,
    opsetImports: [{ domain: '', version: opset }, { domain: 'com.microsoft', version: 1 }],
    irVersion: 8,
    producerName: 'finetune-studio-gradcheck',
  };
  return ort.InferenceSession.create(modelToBytes(model), { logSeverityLevel: 3, graphOptimizationLevel: 'disabled' });
}

async function checkCase(c: Case, rnd: () => number): Promise<number> {
  const opset = c.opset ?? 17;
  const b = new GraphBuilder('gradcheck');
  const values = new Map<string, Float64Array>();
  const shapes = new Map<string, number[]>();
  const draw = (shape: number[], range: Range) => {
    const n = shape.reduce((p, q) => p * q, 1);
    return Float64Array.from({ length: n }, () => {
      const u = rnd();
      if (range === 'positive') return 0.5 + 1.5 * u;
      if (range === 'awayFromZero') return (u < 0.5 ? -1 : 1) * (0.2 + 1.3 * rnd());
      return 3 * u - 1.5;
    });
  };
  const ctx: CaseContext = {
    b,
    param: (shape, range = 'any') => {
      const name = b.uniqueName(`x${values.size}`);
      b.input(name, 'float64', shape);
      values.set(name, draw(shape, range));
      shapes.set(name, shape);
      return name;
    },
    fixed: (shape, range = 'any') => b.constant({ dtype: 'float64', dims: shape, data: draw(shape, range) }, 'float64', 'fixed'),
  };
  const outs = c.build(ctx);
  // L = Σ_k Σ w_k ⊙ y_k with random w_k.
  const types = inferTypes(b.graph, opset);
  const terms = outs.map((y) => {
    const shape = types.get(y)?.shape;
    if (!shape || !shape.every((d): d is number => typeof d === 'number')) throw new Error(`gradcheck ${c.op}: output shape not inferred`);
    const n = shape.reduce((p, q) => p * q, 1);
    const w = b.constant({ dtype: 'float64', dims: shape, data: Float64Array.from({ length: n }, () => 0.5 + rnd()) }, 'float64', 'w');
    return b.op('ReduceSum', [b.op('Mul', [y, w])], { keepdims: int(0) });
  });
  const loss = terms.length === 1 ? terms[0] : b.op('Sum', terms);
  b.graph.outputs.push({ name: loss, dtype: 'float64', shape: [] });
  const params = [...values.keys()];
  const forward = cloneGraph(b.graph);
  const full = cloneGraph(b.graph);
  const { grads } = addGradients(full, { loss, wrt: params, opset });
  const gradOutputs = params.map((p) => grads.get(p)!);
  for (const [i, gname] of gradOutputs.entries()) full.outputs.push({ name: gname, dtype: 'float64', shape: shapes.get(params[i])! });
  const feeds = (override?: { name: string; index: number; delta: number }) => {
    const f: Record<string, ort.Tensor> = {};
    for (const [name, v] of values) {
      let data = v;
      if (override && override.name === name) {
        data = Float64Array.from(v);
        data[override.index] += override.delta;
      }
      f[name] = new ort.Tensor('float64', data, shapes.get(name)!);
    }
    return f;
  };
  if (c.mode === 'dropoutMask') return checkDropoutMask(full, forward, grads, params, feeds(), opset);
  const sFull = await session(full, opset);
  const sFwd = await session(forward, opset);
  const analytic = await sFull.run(feeds());
  let maxErr = 0;
  for (const [i, p] of params.entries()) {
    const a = analytic[gradOutputs[i]].data as Float64Array;
    const v = values.get(p)!;
    for (let k = 0; k < v.length; k++) {
      const plus = (await sFwd.run(feeds({ name: p, index: k, delta: H })))[loss].data[0] as number;
      const minus = (await sFwd.run(feeds({ name: p, index: k, delta: -H })))[loss].data[0] as number;
      const numeric = (plus - minus) / (2 * H);
      const err = Math.abs(a[k] - numeric) / Math.max(Math.abs(a[k]), Math.abs(numeric), 1e-3);
      if (!(err <= maxErr)) maxErr = err;
    }
  }
  return maxErr;
}

/** Dropout(training): dL/dx must equal w·mask/(1−p) for the mask drawn in the same run (L = Σ w·y). */
async function checkDropoutMask(full: Graph, _forward: Graph, grads: Map<string, string>, params: string[], feeds: Record<string, ort.Tensor>, opset: number): Promise<number> {
  const drop = full.nodes.find((n) => n.opType === 'Dropout')!;
  const mul = full.nodes.find((n) => n.opType === 'Mul' && n.inputs[0] === drop.outputs[0])!;
  const w = full.initializers.get(mul.inputs[1])!.data as Float64Array;
  full.outputs.push({ name: drop.outputs[1], dtype: 'bool', shape: [] });
  const s = await session(full, opset);
  const out = await s.run(feeds);
  const mask = out[drop.outputs[1]].data as Uint8Array;
  const d = out[grads.get(params[0])!].data as Float64Array;
  let maxErr = 0;
  let dropped = 0;
  for (let k = 0; k < d.length; k++) {
    const expected = (w[k] * (mask[k] ? 1 : 0)) / (1 - 0.3);
    if (!mask[k]) dropped++;
    maxErr = Math.max(maxErr, Math.abs(d[k] - expected) / Math.max(Math.abs(expected), 1e-3));
  }
  // A mask with nothing dropped would not test the masking at all.
  if (dropped === 0 || dropped === d.length) return Infinity;
  return maxErr;
}

export async function runGradcheck(opts: GradcheckOptions = {}): Promise<GradcheckResult[]> {
  const tolerance = opts.tolerance ?? 1e-6;
  const rng = new Rng(opts.seed ?? 1234);
  const rnd = () => rng.next();
  const all = cases();
  const byOp = new Map<string, Case[]>();
  for (const c of all) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
  const registered = registeredOps().map((k) => (k.domain ? `${k.domain}.${k.opType}` : k.opType));
  const wanted = opts.ops ?? registered;
  const results: GradcheckResult[] = [];
  for (const op of wanted) {
    const list = byOp.get(op);
    if (!registered.includes(op)) {
      results.push({ op, maxRelError: Infinity, ok: false, cases: 0, note: 'no gradient rule registered for this op' });
      continue;
    }
    if (!list) {
      results.push({ op, maxRelError: Infinity, ok: false, cases: 0, note: 'rule registered but no gradcheck case written for it' });
      continue;
    }
    let maxRelError = 0;
    let note: string | undefined;
    for (const c of list) {
      try {
        const e = await checkCase(c, rnd);
        if (!(e <= maxRelError)) maxRelError = e;
      } catch (e) {
        maxRelError = Infinity;
        note = (e as Error).message.split('\n')[0];
      }
    }
    if (op === 'Erf' || op === 'Gelu' || op === 'com.microsoft.Gelu') note ??= 'float64 Erf lowered to its Taylor series (ORT CPU has no float64 Erf kernel)';
    if (op === 'com.microsoft.FastGelu') note ??= 'float64 FastGelu written out in float64 ops (ORT computes it at float32 precision)';
    if (op === 'Dropout') note ??= 'inference mode by finite differences; training mode against dy·mask/(1−p) of the same run';
    results.push({ op, maxRelError, ok: maxRelError <= tolerance, cases: list.length, note });
  }
  return results;
}
