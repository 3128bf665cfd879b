// The toolbox a gradient rule writes with: a GraphBuilder that keeps dtypes/shapes of everything it adds, plus the
// recurring pieces of backward graphs (constants in the right dtype, shapes, un-broadcasting).
import { GraphBuilder } from '../../onnx/builder';
import { Attr, DType, Dim, Graph, Node, TensorData, int, scalar, tensor } from '../../onnx/ir';
import { TypeInfo, TypeMap, constantValues, inferNode, inferTypes } from '../../onnx/shapes';

const DTYPE_CODE: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16 };

export function dtypeCode(d: DType): number {
  return DTYPE_CODE[d];
}

export class GradBuilder {
  readonly b: GraphBuilder;
  readonly types: TypeMap;
  readonly consts: Map<string, TensorData>;
  private readonly shapeCache = new Map<string, string>();

  constructor(
    graph: Graph,
    readonly opset: number,
  ) {
    this.b = new GraphBuilder(graph, { copy: false });
    this.types = inferTypes(graph, opset);
    this.consts = constantValues(graph);
  }

  get graph(): Graph {
    return this.b.graph;
  }

  /** Appends a node and records its output types; returns the first output. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, domain = ''): string {
    return this.opMulti(opType, inputs, attrs, 1, domain)[0];
  }

  opMulti(opType: string, inputs: string[], attrs: Record<string, Attr>, outputs: number, domain = ''): string[] {
    const outs = this.b.opMulti(opType, inputs, attrs, outputs, { domain, name: `grad/${opType}` });
    this.track(this.graph.nodes[this.graph.nodes.length - 1]);
    return outs;
  }

  /** Records the output types of a node someone else appended or edited. */
  track(n: Node): void {
    const got = inferNode(n, this.types, this.consts, this.opset);
    n.outputs.forEach((o, i) => {
      if (o && got[i]) this.types.set(o, got[i]!);
    });
  }

  info(name: string): TypeInfo | undefined {
    return this.types.get(name);
  }

  dtype(name: string): DType {
    const t = this.types.get(name);
    if (!t) throw new Error(`autodiff: the element type of "${name}" could not be inferred`);
    return t.dtype;
  }

  shape(name: string): Dim[] | undefined {
    return this.types.get(name)?.shape;
  }

  rank(name: string, why: string): number {
    const s = this.shape(name);
    if (!s) throw new Error(`autodiff: ${why} needs the rank of "${name}", which could not be inferred (add value_info or static input shapes)`);
    return s.length;
  }

  staticShape(name: string): number[] | undefined {
    const s = this.shape(name);
    return s && s.every((d): d is number => typeof d === 'number') ? s : undefined;
  }

  private addConst(t: TensorData, base: string): string {
    const name = this.b.constant(t, t.dtype, base);
    this.consts.set(name, t);
    this.types.set(name, { dtype: t.dtype, shape: [...t.dims] });
    return name;
  }

  /** A scalar constant in the dtype of `like`. */
  scalarLike(value: number, like: string): string {
    return this.addConst(scalar(this.dtype(like), value), 'grad_c');
  }

  scalarOf(value: number, dtype: DType): string {
    return this.addConst(scalar(dtype, value), 'grad_c');
  }

  int64s(values: number[]): string {
    return this.addConst(tensor('int64', [values.length], values), 'grad_i64');
  }

  int64Scalar(value: number): string {
    return this.addConst(tensor('int64', [], [value]), 'grad_i64');
  }

  /** An int64 tensor holding the shape of `name`: a constant when static, else a (cached) Shape node. */
  shapeOf(name: string): string {
    const cached = this.shapeCache.get(name);
    if (cached) return cached;
    const s = this.staticShape(name);
    const out = s ? this.int64s(s) : this.op('Shape', [name]);
    this.shapeCache.set(name, out);
    return out;
  }

  /**
   * `indices` as int64 with negative entries counted from the end of `axis` of `data`, as the Gather family allows
   * and the scatters their gradients use do not.
   */
  nonNegativeIndices(data: string, indices: string, axis: number): string {
    const idx = this.dtype(indices) === 'int64' ? indices : this.cast(indices, 'int64');
    const d = this.shape(data)?.[axis];
    const dim = typeof d === 'number' ? this.int64Scalar(d) : this.op('Gather', [this.shapeOf(data), this.int64Scalar(axis)], { axis: int(0) });
    return this.op('Where', [this.op('Less', [idx, this.int64Scalar(0)]), this.add(idx, dim), idx]);
  }

  /** Zeros with the shape and dtype of `like`. */
  zerosLike(like: string): string {
    const value = tensor(this.dtype(like), [1], [0]);
    return this.op('ConstantOfShape', [this.shapeOf(like)], { value: { type: 'tensor', value } });
  }

  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  neg(a: string): string {
    return this.op('Neg', [a]);
  }
  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    return this.op('ReduceSum', [x, this.int64s(axes)], { keepdims: int(keepdims ? 1 : 0) });
  }
  reshapeLike(x: string, like: string): string {
    const a = this.staticShape(x);
    const b = this.staticShape(like);
    if (a && b && a.length === b.length && a.every((d, i) => d === b[i])) return x;
    return this.op('Reshape', [x, this.shapeOf(like)]);
  }
  cast(x: string, to: DType): string {
    return this.op('Cast', [x], { to: int(dtypeCode(to)) });
  }

  /**
   * Sums `grad` (shaped like a broadcast result) back to the shape of `target` — the adjoint of numpy broadcasting.
   * Static axes when shapes tell which dims were broadcast; otherwise the axes are computed at run time
   * (dims of the rank-padded target shape equal to 1), which works for any symbolic shapes.
   */
  reduceTo(grad: string, target: string): string {
    const g = this.shape(grad);
    const t = this.shape(target);
    if (g && t && g.length >= t.length) {
      const lead = g.length - t.length;
      const axes: number[] = [];
      let known = true;
      for (let i = 0; i < g.length; i++) {
        if (i < lead) {
          axes.push(i);
          continue;
        }
        const td = t[i - lead];
        const gd = g[i];
        if (td === gd && td !== '?') continue;
        if (td === 1) axes.push(i);
        else if (gd === 1 && typeof td === 'number') continue;
        else known = false;
      }
      if (known) {
        if (axes.length === 0) return lead === 0 ? grad : this.reshapeLike(grad, target);
        return this.reshapeLike(this.reduceSum(grad, axes, true), target);
      }
    }
    const sT = this.shapeOf(target);
    const sG = this.op('Shape', [grad]);
    const rankDiff = this.op('Sub', [this.op('Size', [sG]), this.op('Size', [sT])]);
    const pad = this.op('ConstantOfShape', [this.op('Reshape', [rankDiff, this.int64s([1])])], { value: { type: 'tensor', value: tensor('int64', [1], [1]) } });
    const padded = this.op('Concat', [pad, sT], { axis: int(0) });
    const isOne = this.op('Equal', [padded, this.int64s([1])]);
    const all = this.op('Range', [this.int64Scalar(0), this.op('Size', [sG]), this.int64Scalar(1)]);
    const axes = this.op('Compress', [all, isOne], { axis: int(0) });
    const summed = this.op('ReduceSum', [grad, axes], { keepdims: int(1), noop_with_empty_axes: int(1) });
    return this.op('Reshape', [summed, sT]);
  }
}
