// Softmax, LogSoftmax, LayerNormalization and the reductions: ops whose gradient couples elements along axes.
import { Node, attrFloat, attrInt, attrInts, int, tensorValues } from '../../../onnx/ir';
import { GradBuilder } from '../gradBuilder';
import { registerRule } from '../registry';

registerRule('Softmax', ({ node, dy, g }) => {
  const y = node.outputs[0];
  const axis = attrInt(node, 'axis', -1);
  const dot = g.op('ReduceSum', [g.mul(dy[0]!, y), g.int64s([axis])], { keepdims: int(1) });
  return [g.mul(y, g.sub(dy[0]!, dot))];
});

registerRule('LogSoftmax', ({ node, dy, g }) => {
  const axis = attrInt(node, 'axis', -1);
  const total = g.op('ReduceSum', [dy[0]!, g.int64s([axis])], { keepdims: int(1) });
  return [g.sub(dy[0]!, g.mul(g.op('Exp', [node.outputs[0]]), total))];
});

/** Number of elements of `x` per element of `y` (the count a mean divides by), in x's dtype. */
function countRatio(g: GradBuilder, x: string, y: string): string {
  const sx = g.staticShape(x);
  const sy = g.staticShape(y);
  if (sx && sy) return g.scalarLike(sx.reduce((p, q) => p * q, 1) / sy.reduce((p, q) => p * q, 1), x);
  const dt = g.dtype(x);
  return g.div(g.cast(g.op('Size', [x]), dt), g.cast(g.op('Size', [y]), dt));
}

registerRule('LayerNormalization', ({ node, dy, needs, g }) => {
  const [x, scale, bias] = node.inputs;
  const rank = g.rank(x, `LayerNormalization node "${node.name}"`);
  const axis0 = attrInt(node, 'axis', -1);
  const axis = axis0 < 0 ? axis0 + rank : axis0;
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  const sx = g.staticShape(x);
  const n = sx ? g.scalarLike(axes.reduce((p, a) => p * sx[a], 1), x) : countRatio(g, x, g.op('ReduceSum', [x, g.int64s(axes)], { keepdims: int(1) }));
  const meanOf = (v: string) => g.div(g.reduceSum(v, axes, true), n);
  let mean: string;
  let invStd: string;
  if (g.dtype(x) === 'float32') {
    // Mean and InvStdDev are optional outputs of the forward kernel (float32 statistics): ask for them instead of recomputing.
    for (const i of [1, 2]) {
      if (!node.outputs[i]) node.outputs[i] = g.b.uniqueName(`${node.name}_${i === 1 ? 'mean' : 'inv_std'}`);
    }
    g.track(node);
    [, mean, invStd] = node.outputs;
  } else {
    // The kernel keeps its statistics in float32 (stash_type); other dtypes recompute them at full precision.
    mean = meanOf(x);
    const centred = g.sub(x, mean);
    const eps = g.scalarLike(attrFloat(node, 'epsilon', 1e-5), x);
    invStd = g.op('Reciprocal', [g.op('Sqrt', [g.add(meanOf(g.mul(centred, centred)), eps)])]);
  }
  const d = dy[0]!;
  const xhat = g.mul(g.sub(x, mean), invStd);
  const dScale = needs[1] ? g.reduceTo(g.mul(d, xhat), scale) : undefined;
  const dBias = bias && needs[2] ? g.reduceTo(d, bias) : undefined;
  let dx: string | undefined;
  if (needs[0]) {
    const dxhat = g.mul(d, scale);
    dx = g.mul(invStd, g.sub(g.sub(dxhat, meanOf(dxhat)), g.mul(xhat, meanOf(g.mul(dxhat, xhat)))));
  }
  return [dx, dScale, dBias];
});

/** Reduction axes from the attribute (old opsets, ReduceMean < 18) or the constant/dynamic second input. */
function reductionAxes(g: GradBuilder, node: Node): { axes?: number[]; axesInput?: string } {
  const asInput = node.opType === 'ReduceSum' ? g.opset >= 13 : g.opset >= 18;
  if (!asInput) return { axes: attrInts(node, 'axes') };
  const name = node.inputs[1];
  if (!name) return {};
  const c = g.consts.get(name);
  return c ? { axes: tensorValues(c) } : { axesInput: name };
}

function reduceBackward(g: GradBuilder, node: Node, d: string): string {
  const x = node.inputs[0];
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const { axes, axesInput } = reductionAxes(g, node);
  const noop = attrInt(node, 'noop_with_empty_axes', 0) === 1;
  if (!axesInput && (axes === undefined || axes.length === 0) && noop) return d;
  let grad = d;
  if (!keep && (axesInput || (axes && axes.length > 0))) grad = g.op('Unsqueeze', [d, axesInput ?? g.int64s(axes!)]);
  // With all axes reduced and keepdims=0, d is a scalar and broadcasts as it is.
  return g.op('Expand', [grad, g.shapeOf(x)]);
}

registerRule('ReduceSum', ({ node, dy, g }) => [reduceBackward(g, node, dy[0]!)]);

registerRule('ReduceMean', ({ node, dy, g }) => [g.div(reduceBackward(g, node, dy[0]!), countRatio(g, node.inputs[0], node.outputs[0]))]);
