// SoftmaxCrossEntropyLoss (ONNX's fused loss, found in training graphs exported by other tools) and GatherElements
// (picking one score per row, the other common way to write a cross-entropy).
import { attrInt, int } from '../../../onnx/ir';
import { registerRule } from '../registry';

registerRule('GatherElements', ({ node, dy, needs, g }) => {
  if (!needs[0]) return [undefined, undefined];
  const [data, indices] = node.inputs;
  const rank = g.rank(data, `GatherElements node "${node.name}"`);
  const a = attrInt(node, 'axis', 0);
  const axis = a < 0 ? a + rank : a;
  const idx = g.nonNegativeIndices(data, indices, axis);
  return [g.op('ScatterElements', [g.zerosLike(data), idx, dy[0]!], { axis: int(axis), reduction: { type: 'string', value: 'add' } }), undefined];
});

/**
 * d loss / d scores = (softmax(scores) − onehot(label)) · w_label · (upstream gradient, spread per reduction), with
 * ignored positions contributing nothing; 'mean' divides by Σ w_label over non-ignored positions, as ONNX defines.
 */
registerRule('SoftmaxCrossEntropyLoss', ({ node, dy, needs, g }) => {
  const [scores, labels, weights] = node.inputs;
  if (needs[2]) throw new Error(`SoftmaxCrossEntropyLoss node "${node.name}": class weights "${weights}" depend on a trainable parameter; only the scores can be differentiated`);
  if (!needs[0]) return [undefined, undefined, undefined];
  const rank = g.rank(scores, `SoftmaxCrossEntropyLoss node "${node.name}"`);
  const reduction = node.attrs.reduction?.type === 'string' ? node.attrs.reduction.value : 'mean';
  const dt = g.dtype(scores);
  // log_prob is an optional output: expose it rather than recompute the softmax.
  if (!node.outputs[1]) {
    node.outputs[1] = g.b.uniqueName(`${node.name}_log_prob`);
    g.track(node);
  }
  const logProb = node.outputs[1];
  const probs = g.op('Exp', [logProb]);
  let labels64 = g.dtype(labels) === 'int64' ? labels : g.cast(labels, 'int64');
  let valid: string | undefined;
  if (node.attrs.ignore_index) {
    valid = g.op('Not', [g.op('Equal', [labels64, g.int64Scalar(attrInt(node, 'ignore_index'))])]);
    labels64 = g.op('Where', [valid, labels64, g.int64Scalar(0)]);
  }
  const classes = g.op('Gather', [g.shapeOf(scores), g.int64s([1])], { axis: int(0) });
  const ids = g.op('Range', [g.int64Scalar(0), g.op('Squeeze', [classes, g.int64s([0])]), g.int64Scalar(1)]);
  const idsShape = [1, -1, ...Array.from({ length: rank - 2 }, () => 1)];
  const onehot = g.cast(g.op('Equal', [g.op('Unsqueeze', [labels64, g.int64s([1])]), g.op('Reshape', [ids, g.int64s(idsShape)])]), dt);
  let w: string | undefined = weights ? g.op('Gather', [weights, labels64], { axis: int(0) }) : undefined;
  if (valid) w = w ? g.mul(w, g.cast(valid, dt)) : g.cast(valid, dt);
  let coef: string;
  if (reduction === 'none') coef = w ? g.mul(dy[0]!, w) : dy[0]!;
  else {
    const spread = g.op('Expand', [dy[0]!, g.shapeOf(labels64)]);
    coef = w ? g.mul(spread, w) : spread;
    if (reduction === 'mean') {
      const count = w ? g.op('ReduceSum', [w], { keepdims: int(0) }) : g.cast(g.op('Size', [labels64]), dt);
      coef = g.div(coef, count);
    }
  }
  let dScores = g.mul(g.sub(probs, onehot), g.op('Unsqueeze', [coef, g.int64s([1])]));
  if (dy[1]) {
    // Through log_prob = LogSoftmax(scores, axis 1) as well, when something downstream uses it.
    const total = g.op('ReduceSum', [dy[1], g.int64s([1])], { keepdims: int(1) });
    dScores = g.add(dScores, g.sub(dy[1], g.mul(probs, total)));
  }
  return [dScores, undefined, undefined];
});
