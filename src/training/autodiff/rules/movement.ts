// Data-movement ops: gradients are moved back the way the values came (reshape back, transpose back,
// scatter back into the positions a gather or slice read).
import { attrInt, attrInts, int, tensor } from '../../../onnx/ir';
import { GradBuilder } from '../gradBuilder';
import { registerRule } from '../registry';

for (const op of ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']) {
  registerRule(op, ({ node, dy, g }) => [g.reshapeLike(dy[0]!, node.inputs[0])]);
}

registerRule('Expand', ({ node, dy, g }) => [g.reduceTo(dy[0]!, node.inputs[0])]);

registerRule('Transpose', ({ node, dy, g }) => {
  const rank = g.rank(node.inputs[0], `Transpose node "${node.name}"`);
  const perm = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return [g.op('Transpose', [dy[0]!], { perm: { type: 'ints', value: inverse } })];
});

/** Size of `x` along `axis` as a 1-element int64 tensor (constant when static). */
function dimOf(g: GradBuilder, x: string, axis: number): string {
  const s = g.shape(x);
  const r = s?.length;
  const a = axis < 0 && r !== undefined ? axis + r : axis;
  const d = s?.[a];
  if (typeof d === 'number') return g.int64s([d]);
  return g.op('Gather', [g.op('Shape', [x]), g.int64s([axis])], { axis: int(0) });
}

registerRule('Concat', ({ node, dy, needs, g }) => {
  const axis = attrInt(node, 'axis');
  const sizes = g.op('Concat', node.inputs.map((x) => dimOf(g, x, axis)), { axis: int(0) });
  const parts = g.opMulti('Split', [dy[0]!, sizes], { axis: int(axis) }, node.inputs.length);
  return parts.map((p, i) => (needs[i] ? p : undefined));
});

registerRule('Split', ({ node, dy, g }) => {
  const axis = attrInt(node, 'axis', 0);
  const parts = node.outputs.map((y, i) => dy[i] ?? g.zerosLike(y));
  return [g.op('Concat', parts, { axis: int(axis) })];
});

/**
 * Slice: number every element of x, slice the numbers the same way, and scatter dy to those positions.
 * One rule for every start/end/axis/step combination, static or dynamic, negative or clamped.
 */
registerRule('Slice', ({ node, dy, g }) => {
  const x = node.inputs[0];
  const n = g.op('Size', [x]);
  const iota = g.op('Reshape', [g.op('Range', [g.int64Scalar(0), n, g.int64Scalar(1)]), g.shapeOf(x)]);
  const picked = g.op('Slice', [iota, ...node.inputs.slice(1)]);
  const where = g.op('Reshape', [picked, g.int64s([-1, 1])]);
  const flat = g.op('Reshape', [dy[0]!, g.int64s([-1])]);
  const zeros = g.op('ConstantOfShape', [g.op('Reshape', [n, g.int64s([1])])], { value: { type: 'tensor', value: tensor(g.dtype(x), [1], [0]) } });
  return [g.op('Reshape', [g.op('ScatterND', [zeros, where, flat]), g.shapeOf(x)])];
});

/**
 * Gather: scatter-add dy into zeros shaped like the data (repeated indices — a token seen twice — add up).
 * For axis > 0 the gathered axis is moved to the front, scattered, and moved back.
 */
registerRule('Gather', ({ node, dy, needs, g }) => {
  if (!needs[0]) return [undefined, undefined];
  const [data, indices0] = node.inputs;
  const rank = g.rank(data, `Gather node "${node.name}"`);
  const axis0 = attrInt(node, 'axis', 0);
  const axis = axis0 < 0 ? axis0 + rank : axis0;
  const ri = g.rank(indices0, `Gather node "${node.name}"`);
  const idx = g.op('Unsqueeze', [g.nonNegativeIndices(data, indices0, axis), g.int64s([-1])]);
  if (axis === 0) {
    return [g.op('ScatterND', [g.zerosLike(data), idx, dy[0]!], { reduction: { type: 'string', value: 'add' } }), undefined];
  }
  const permData = [axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)];
  const yRank = rank - 1 + ri;
  const permY = [...Array.from({ length: ri }, (_, i) => axis + i), ...Array.from({ length: axis }, (_, i) => i), ...Array.from({ length: yRank - axis - ri }, (_, i) => axis + ri + i)];
  const dyT = g.op('Transpose', [dy[0]!], { perm: { type: 'ints', value: permY } });
  const st = g.staticShape(data);
  const shapeT = st ? g.int64s(permData.map((p) => st[p])) : g.op('Gather', [g.shapeOf(data), g.int64s(permData)], { axis: int(0) });
  const zerosT = g.op('ConstantOfShape', [shapeT], { value: { type: 'tensor', value: tensor(g.dtype(data), [1], [0]) } });
  const scattered = g.op('ScatterND', [zerosT, idx, dyT], { reduction: { type: 'string', value: 'add' } });
  const inverse = new Array<number>(rank);
  permData.forEach((p, i) => (inverse[p] = i));
  return [g.op('Transpose', [scattered], { perm: { type: 'ints', value: inverse } }), undefined];
});
