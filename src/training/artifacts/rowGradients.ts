// Row gradients: the gradient of an embedding table is a scatter-add of the batch's token rows into zeros (the Gather
// rule in autodiff/rules/movement.ts), so all but the rows the batch used are exactly zero. A 256-wide BERT's word
// table is 7.8 M of its 11.2 M parameters, and a multilingual one's most of the model: materialising that mostly-zero
// tensor, taking its norm and running AdamW's moment updates over it densely costs a dozen full passes over the
// table per step. Found here in the fused step graph and rewritten as (unique rows, summed row values), which the
// optimizer updates by gathering and scattering only those rows (optimizers.ts); every other row's update has g = 0.
import type { GraphBuilder } from '../../onnx/builder';
import { int, tensor, type DType, type Graph, type Node } from '../../onnx/ir';

export interface RowGradient {
  /** [U] int64: the distinct rows the batch touched, ascending. */
  rows: string;
  /** [U, 1] int64: the same, as ScatterND / GatherND indices. */
  rowIndices: string;
  /** [U, D]: each touched row's summed gradient (the dense gradient's rows, added in the same order). */
  values: string;
  /** The dense gradient's producer, dropped by dropDense once nothing reads it. */
  dense: string;
}

/** Tables smaller than this keep the dense update: the rewrite's extra nodes would cost more than they save. */
const MIN_ELEMENTS = 1 << 14;

const producerOf = (g: Graph, value: string): Node | undefined => g.nodes.find((n) => n.outputs.includes(value));

/**
 * The row form of `grad`, a gradient of a [rows, width] parameter, when it is exactly one scatter-add into zeros
 * along axis 0 (an embedding lookup's, not tied to another use of the table); otherwise undefined.
 */
export function rowGradient(b: GraphBuilder, grad: string, shape: number[], dtype: DType): RowGradient | undefined {
  if (shape.length !== 2 || shape[0] * shape[1] < MIN_ELEMENTS) return undefined;
  const g = b.graph;
  const scatter = producerOf(g, grad);
  if (!scatter || scatter.opType !== 'ScatterND' || scatter.domain !== '') return undefined;
  const reduction = scatter.attrs.reduction;
  if (!reduction || reduction.type !== 'string' || reduction.value !== 'add') return undefined;
  const zeros = producerOf(g, scatter.inputs[0]);
  if (!zeros || zeros.opType !== 'ConstantOfShape') return undefined;
  const fill = zeros.attrs.value;
  if (fill && (fill.type !== 'tensor' || Array.from(fill.value.data as ArrayLike<number | bigint>).some((x) => Number(x) !== 0))) return undefined;
  const [, indices, updates] = scatter.inputs;
  const width = shape[1];
  // Every (token, row) pair as one row index and one [width] update, in the order the scatter adds them.
  const flatIndices = b.op('Reshape', [indices, b.int64s([-1])]);
  const flatUpdates = b.op('Reshape', [updates, b.int64s([-1, width])]);
  const [rows, , inverse] = b.opMulti('Unique', [flatIndices], { sorted: int(1) }, 4);
  const count = b.op('Shape', [rows]);
  const sumsShape = b.op('Concat', [count, b.int64s([width])], { axis: int(0) });
  const zeroRows = b.op('ConstantOfShape', [sumsShape], { value: { type: 'tensor', value: tensor(dtype, [1], [0]) } });
  const values = b.op('ScatterND', [zeroRows, b.op('Unsqueeze', [inverse, b.int64s([-1])]), flatUpdates], { reduction: { type: 'string', value: 'add' } });
  return { rows, rowIndices: b.op('Unsqueeze', [rows, b.int64s([-1])]), values, dense: grad };
}

/** Removes a dense gradient (and the zeros it scattered into) that no node reads any more. */
export function dropDense(g: Graph, grad: string): void {
  const readers = (v: string) => g.nodes.some((n) => n.inputs.includes(v)) || g.outputs.some((o) => o.name === v);
  if (readers(grad)) return;
  const scatter = producerOf(g, grad)!;
  g.nodes = g.nodes.filter((n) => n !== scatter);
  const zeros = producerOf(g, scatter.inputs[0]);
  if (zeros && !readers(scatter.inputs[0])) g.nodes = g.nodes.filter((n) => n !== zeros);
}
