// Local gradients of elementwise ops. Binary ops broadcast, so each input's gradient is summed back to its shape.
import { attrInt, attrFloat } from '../../../onnx/ir';
import { GradBuilder } from '../gradBuilder';
import { GradContext, registerRule } from '../registry';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

registerRule('Identity', ({ dy }) => [dy[0]]);

registerRule('Add', ({ node, dy, needs, g }) => node.inputs.map((x, i) => (needs[i] ? g.reduceTo(dy[0]!, x) : undefined)));

registerRule('Sum', ({ node, dy, needs, g }) => node.inputs.map((x, i) => (needs[i] ? g.reduceTo(dy[0]!, x) : undefined)));

registerRule('Sub', ({ node, dy, needs, g }) => [
  needs[0] ? g.reduceTo(dy[0]!, node.inputs[0]) : undefined,
  needs[1] ? g.reduceTo(g.neg(dy[0]!), node.inputs[1]) : undefined,
]);

registerRule('Mul', ({ node, dy, needs, g }) => {
  const [a, b] = node.inputs;
  return [needs[0] ? g.reduceTo(g.mul(dy[0]!, b), a) : undefined, needs[1] ? g.reduceTo(g.mul(dy[0]!, a), b) : undefined];
});

registerRule('Div', ({ node, dy, needs, g }) => {
  const [a, b] = node.inputs;
  const da = needs[0] || needs[1] ? g.div(dy[0]!, b) : undefined;
  // d(a/b)/db = -(a/b)/b, reusing the forward output.
  return [needs[0] ? g.reduceTo(da!, a) : undefined, needs[1] ? g.reduceTo(g.neg(g.mul(da!, node.outputs[0])), b) : undefined];
});

registerRule('Pow', ({ node, dy, needs, g }) => {
  const [x, e] = node.inputs;
  const y = node.outputs[0];
  let dx: string | undefined;
  if (needs[0]) {
    const eLike = g.dtype(e) === g.dtype(x) ? e : g.op('CastLike', [e, x]);
    const xPow = g.op('Pow', [x, g.sub(eLike, g.scalarLike(1, x))]);
    dx = g.reduceTo(g.mul(dy[0]!, g.mul(eLike, xPow)), x);
  }
  const de = needs[1] ? g.reduceTo(g.mul(dy[0]!, g.mul(y, g.op('Log', [x]))), e) : undefined;
  return [dx, de];
});

registerRule('Neg', ({ dy, g }) => [g.neg(dy[0]!)]);

registerRule('Sqrt', ({ node, dy, g }) => [g.div(g.mul(dy[0]!, g.scalarLike(0.5, node.outputs[0])), node.outputs[0])]);

registerRule('Exp', ({ node, dy, g }) => [g.mul(dy[0]!, node.outputs[0])]);

registerRule('Log', ({ node, dy, g }) => [g.div(dy[0]!, node.inputs[0])]);

registerRule('Reciprocal', ({ node, dy, g }) => {
  const y = node.outputs[0];
  return [g.neg(g.mul(dy[0]!, g.mul(y, y)))];
});

registerRule('Abs', ({ node, dy, g }) => [g.mul(dy[0]!, g.op('Sign', [node.inputs[0]]))]);

registerRule('Erf', ({ node, dy, g }) => {
  const x = node.inputs[0];
  const gauss = g.op('Exp', [g.neg(g.mul(x, x))]);
  return [g.mul(dy[0]!, g.mul(gauss, g.scalarLike(TWO_OVER_SQRT_PI, x)))];
});

registerRule('Tanh', ({ node, dy, g }) => {
  const y = node.outputs[0];
  return [g.mul(dy[0]!, g.sub(g.scalarLike(1, y), g.mul(y, y)))];
});

registerRule('Sigmoid', ({ node, dy, g }) => {
  const y = node.outputs[0];
  return [g.mul(dy[0]!, g.mul(y, g.sub(g.scalarLike(1, y), y)))];
});

registerRule('Relu', ({ node, dy, g }) => {
  const x = node.inputs[0];
  return [g.op('Where', [g.op('Greater', [x, g.scalarLike(0, x)]), dy[0]!, g.scalarLike(0, x)])];
});

registerRule('LeakyRelu', ({ node, dy, g }) => {
  const x = node.inputs[0];
  const alpha = attrFloat(node, 'alpha', 0.01);
  return [g.op('Where', [g.op('Greater', [x, g.scalarLike(0, x)]), dy[0]!, g.mul(dy[0]!, g.scalarLike(alpha, x))])];
});

/** Max/Min send the gradient to the input that won (ties: to the first, like PyTorch's max). */
function extremum(op: 'Max' | 'Min') {
  return ({ node, dy, needs, g }: GradContext) => {
    if (node.inputs.length !== 2) throw new Error(`autodiff: ${op} node "${node.name}" with ${node.inputs.length} inputs: only the 2-input form is differentiable here`);
    const [a, b] = node.inputs;
    const aWins = g.op(op === 'Max' ? 'GreaterOrEqual' : 'LessOrEqual', [a, b]);
    const zero = g.scalarLike(0, node.outputs[0]);
    return [
      needs[0] ? g.reduceTo(g.op('Where', [aWins, dy[0]!, zero]), a) : undefined,
      needs[1] ? g.reduceTo(g.op('Where', [aWins, zero, dy[0]!]), b) : undefined,
    ];
  };
}
registerRule('Max', extremum('Max'));
registerRule('Min', extremum('Min'));

registerRule('Where', ({ node, dy, needs, g }) => {
  const [cond, a, b] = node.inputs;
  const zero = g.scalarLike(0, node.outputs[0]);
  return [
    undefined,
    needs[1] ? g.reduceTo(g.op('Where', [cond, dy[0]!, zero]), a) : undefined,
    needs[2] ? g.reduceTo(g.op('Where', [cond, zero, dy[0]!]), b) : undefined,
  ];
});

registerRule('Cast', ({ node, dy, g }) => [g.cast(dy[0]!, g.dtype(node.inputs[0]))]);

registerRule('Dropout', ({ node, dy, g }) => {
  const [x, ratio, training] = node.inputs;
  if (!training) return [dy[0]];
  const trainingConst = g.consts.get(training);
  if (trainingConst && Number(trainingConst.data[0]) === 0) return [dy[0]];
  // The mask the forward pass drew is the only record of which units were dropped: expose it as an output.
  if (!node.outputs[1]) {
    node.outputs[1] = g.b.uniqueName(`${node.name}_mask`);
    g.track(node);
  }
  const keep = g.cast(node.outputs[1], g.dtype(x));
  const r = ratio ? (g.dtype(ratio) === g.dtype(x) ? ratio : g.cast(ratio, g.dtype(x))) : g.scalarLike(0.5, x);
  const scale = g.div(g.scalarLike(1, x), g.sub(g.scalarLike(1, x), r));
  // In inference mode the mask is all ones and no scaling happens.
  const s = trainingConst ? scale : g.op('Where', [training, scale, g.scalarLike(1, x)]);
  return [g.mul(g.mul(dy[0]!, keep), s)];
});

registerRule('CumSum', ({ node, dy, g }) => {
  const reverse = attrInt(node, 'reverse', 0);
  return [g.op('CumSum', [dy[0]!, node.inputs[1]], { exclusive: node.attrs.exclusive ?? { type: 'int', value: 0 }, reverse: { type: 'int', value: 1 - reverse } })];
});

/** d/dx of exact GELU x·Φ(x): Φ(x) + x·φ(x). */
export function geluErfGrad(g: GradBuilder, x: string, dy: string): string {
  const cdf = g.mul(g.scalarLike(0.5, x), g.add(g.scalarLike(1, x), g.op('Erf', [g.mul(x, g.scalarLike(Math.SQRT1_2, x))])));
  const pdf = g.mul(g.scalarLike(1 / Math.sqrt(2 * Math.PI), x), g.op('Exp', [g.mul(g.mul(x, x), g.scalarLike(-0.5, x))]));
  return g.mul(dy, g.add(cdf, g.mul(x, pdf)));
}

/** d/dx of tanh-approximated GELU 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluTanhGrad(g: GradBuilder, x: string, dy: string): string {
  const x2 = g.mul(x, x);
  const inner = g.mul(g.scalarLike(SQRT_2_OVER_PI, x), g.add(x, g.mul(g.scalarLike(0.044715, x), g.mul(x2, x))));
  const t = g.op('Tanh', [inner]);
  const dInner = g.mul(g.scalarLike(SQRT_2_OVER_PI, x), g.add(g.scalarLike(1, x), g.mul(g.scalarLike(3 * 0.044715, x), x2)));
  const left = g.mul(g.scalarLike(0.5, x), g.add(g.scalarLike(1, x), t));
  const right = g.mul(g.mul(g.scalarLike(0.5, x), x), g.mul(g.sub(g.scalarLike(1, x), g.mul(t, t)), dInner));
  return g.mul(dy, g.add(left, right));
}

registerRule('Gelu', ({ node, dy, g }) => {
  const approx = node.attrs.approximate?.type === 'string' ? node.attrs.approximate.value : 'none';
  return [approx === 'tanh' ? geluTanhGrad(g, node.inputs[0], dy[0]!) : geluErfGrad(g, node.inputs[0], dy[0]!)];
});

registerRule('Gelu', ({ node, dy, g }) => [geluErfGrad(g, node.inputs[0], dy[0]!)], 'com.microsoft');

registerRule(
  'FastGelu',
  ({ node, dy, needs, g }) => {
    const [x, bias] = node.inputs;
    const pre = bias ? g.add(x, bias) : x;
    const d = geluTanhGrad(g, pre, dy[0]!);
    return [needs[0] ? g.reduceTo(d, x) : undefined, bias && needs[1] ? g.reduceTo(d, bias) : undefined];
  },
  'com.microsoft',
);
