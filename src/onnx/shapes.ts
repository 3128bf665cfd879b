// Type and shape inference for the ops the engine differentiates. Dtypes must be exact (gradient constants are
// created in the forward dtype); shapes are best effort: a dim may be symbolic ('batch') or unknown ('?'), and the
// whole shape is undefined when even the rank is unknown. Autodiff uses static shapes where known and falls back to
// Shape ops at run time where not, so imprecision here costs speed, never correctness.
import { DType, Dim, Graph, Node, TensorData, attrInt, attrInts, isDefaultDomain, tensorValues } from './ir';

export interface TypeInfo {
  dtype: DType;
  shape?: Dim[];
  /** Known contents of a small int64 tensor (a shape being computed), possibly symbolic: Shape(x) → x's dims. */
  value?: Dim[];
}

export type TypeMap = Map<string, TypeInfo>;

const ONNX_CODE_TO_DTYPE: Record<number, DType> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16' };

export function dtypeFromCode(code: number, where: string): DType {
  const d = ONNX_CODE_TO_DTYPE[code];
  if (!d) throw new Error(`${where}: unsupported element type code ${code}`);
  return d;
}

const isStatic = (s: Dim[] | undefined): s is number[] => s !== undefined && s.every((d) => typeof d === 'number');

export function staticShape(info: TypeInfo | undefined): number[] | undefined {
  return isStatic(info?.shape) ? info.shape : undefined;
}

/** Numpy-style broadcast of shapes; undefined when any rank is unknown. */
export function broadcastShapes(shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const rank = Math.max(0, ...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = i - (rank - s!.length);
      if (k < 0) continue;
      const e = s![k];
      if (e === 1) continue;
      if (d === 1) d = e;
      // '?' could only be 1 or equal to the other dim, so a known dim (number or symbol) wins over it.
      else if (d !== e) d = typeof d === 'number' && typeof e === 'number' ? NaN : typeof d === 'number' ? d : typeof e === 'number' ? e : d === '?' ? e : e === '?' ? d : '?';
    }
    if (Number.isNaN(d)) return undefined;
    out.push(d);
  }
  return out;
}

const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** Constant values known at graph-build time: initializers and Constant nodes (used for shapes, axes, starts...). */
export function constantValues(g: Graph): Map<string, TensorData> {
  const out = new Map(g.initializers);
  for (const n of g.nodes) {
    if (n.opType === 'Constant' && isDefaultDomain(n.domain)) {
      const v = n.attrs.value;
      if (v?.type === 'tensor') out.set(n.outputs[0], v.value);
      else if (n.attrs.value_int?.type === 'int') out.set(n.outputs[0], { dtype: 'int64', dims: [], data: BigInt64Array.of(BigInt(n.attrs.value_int.value)) });
      else if (n.attrs.value_ints?.type === 'ints') out.set(n.outputs[0], { dtype: 'int64', dims: [n.attrs.value_ints.value.length], data: BigInt64Array.from(n.attrs.value_ints.value.map(BigInt)) });
      else if (n.attrs.value_float?.type === 'float') out.set(n.outputs[0], { dtype: 'float32', dims: [], data: Float32Array.of(n.attrs.value_float.value) });
    }
  }
  return out;
}

/** Infers dtype (always, for known ops) and shape (when derivable) of every value in the graph. */
export function inferTypes(g: Graph, opset = 17): TypeMap {
  const types: TypeMap = new Map();
  const declared = new Map([...g.valueInfo, ...g.outputs].map((v) => [v.name, v]));
  for (const v of [...g.inputs, ...g.valueInfo, ...g.outputs]) types.set(v.name, { dtype: v.dtype, shape: [...v.shape] });
  for (const [k, t] of g.initializers) types.set(k, { dtype: t.dtype, shape: [...t.dims], value: smallIntValues(t) });
  const consts = constantValues(g);
  for (const n of g.nodes) {
    let outs: (TypeInfo | undefined)[];
    try {
      outs = inferNode(n, types, consts, opset);
    } catch {
      outs = [];
    }
    n.outputs.forEach((o, i) => {
      const got = outs[i];
      if (!o || !got) return;
      const prior = declared.get(o);
      // A shape the file declares (output, value_info) wins over ours when we lost track or disagree on the rank.
      types.set(o, prior && (!got.shape || got.shape.length !== prior.shape.length) ? { ...got, shape: [...prior.shape] } : got);
    });
  }
  return types;
}

/** What a -1 in a reshape of `all` stands for, given the other target dims `used` (symbols cancel by name). */
function leftoverDim(all: Dim[], used: Dim[]): Dim | undefined {
  const symbols = all.filter((d): d is string => typeof d === 'string');
  let numAll = 1;
  let numUsed = 1;
  for (const d of all) if (typeof d === 'number') numAll *= d;
  for (const d of used) {
    if (typeof d === 'number') {
      numUsed *= d;
      continue;
    }
    const i = symbols.indexOf(d);
    if (i < 0 || d === '?') return undefined;
    symbols.splice(i, 1);
  }
  if (symbols.includes('?')) return undefined;
  if (symbols.length === 0) return Number.isInteger(numAll / numUsed) ? numAll / numUsed : undefined;
  return symbols.length === 1 && numAll === numUsed ? symbols[0] : undefined;
}

function smallIntValues(t: TensorData): number[] | undefined {
  return (t.dtype === 'int64' || t.dtype === 'int32') && t.dims.length <= 1 && t.data.length <= 16 ? tensorValues(t) : undefined;
}

/** Types of one node's outputs given what is known of its inputs (undefined entries: not inferable). */
export function inferNode(n: Node, types: TypeMap, consts: Map<string, TensorData>, opset: number): (TypeInfo | undefined)[] {
  const t = (i: number) => (n.inputs[i] ? types.get(n.inputs[i]) : undefined);
  const c = (i: number) => (n.inputs[i] ? consts.get(n.inputs[i]) : undefined);
  /** Contents of input i when known (constant or propagated symbolic shape values). */
  const vals = (i: number): Dim[] | undefined => {
    const k = c(i);
    return k ? smallIntValues(k) : n.inputs[i] ? types.get(n.inputs[i])?.value : undefined;
  };
  const x = t(0);
  const same = (shape?: Dim[]): TypeInfo[] => (x ? [{ dtype: x.dtype, shape: shape ?? x.shape }] : []);
  const rank = x?.shape?.length;
  if (n.domain === 'com.microsoft') {
    if (n.opType === 'Gelu' || n.opType === 'FastGelu') return same();
    return [];
  }
  if (!isDefaultDomain(n.domain)) return [];
  switch (n.opType) {
    case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Pow': case 'Max': case 'Min': case 'Sum':
      return x ? [{ dtype: x.dtype, shape: broadcastShapes(n.inputs.map((_, i) => t(i)?.shape)) }] : [];
    case 'Equal': case 'Less': case 'Greater': case 'LessOrEqual': case 'GreaterOrEqual': case 'And': case 'Or': case 'Xor':
      return [{ dtype: 'bool', shape: broadcastShapes(n.inputs.map((_, i) => t(i)?.shape)) }];
    case 'Not':
      return [{ dtype: 'bool', shape: x?.shape }];
    case 'Where': {
      const v = t(1);
      return v ? [{ dtype: v.dtype, shape: broadcastShapes([t(0)?.shape, v.shape, t(2)?.shape]) }] : [];
    }
    case 'Identity':
      return x ? [{ ...x }] : [];
    case 'Sqrt': case 'Neg': case 'Exp': case 'Log': case 'Erf': case 'Tanh': case 'Relu': case 'Sigmoid': case 'Softmax':
    case 'LogSoftmax': case 'Abs': case 'Reciprocal': case 'Gelu': case 'Sin': case 'Cos': case 'Floor': case 'Ceil':
    case 'Softplus': case 'LeakyRelu': case 'Elu': case 'Clip': case 'Round': case 'Sign': case 'HardSigmoid':
      return same();
    case 'Dropout':
      return x ? [{ dtype: x.dtype, shape: x.shape }, { dtype: 'bool', shape: x.shape }] : [];
    case 'Cast': {
      const to = dtypeFromCode(attrInt(n, 'to'), `Cast node "${n.name}"`);
      return [{ dtype: to, shape: x?.shape, value: to === 'int64' || to === 'int32' ? x?.value : undefined }];
    }
    case 'CastLike':
      return t(1) ? [{ dtype: t(1)!.dtype, shape: x?.shape }] : [];
    case 'Shape': {
      if (rank === undefined) return [{ dtype: 'int64', shape: ['?'] }];
      const start = Math.max(0, normAxis(attrInt(n, 'start', 0), rank));
      const end = n.attrs.end ? Math.min(rank, normAxis(attrInt(n, 'end'), rank)) : rank;
      return [{ dtype: 'int64', shape: [Math.max(0, end - start)], value: x!.shape!.slice(start, end) }];
    }
    case 'Size':
      return [{ dtype: 'int64', shape: [] }];
    case 'ConstantOfShape': {
      const v = n.attrs.value?.type === 'tensor' ? n.attrs.value.value.dtype : 'float32';
      const s = vals(0);
      return [{ dtype: v, shape: s ? s : x?.shape && typeof x.shape[0] === 'number' ? Array.from({ length: x.shape[0] as number }, () => '?') : undefined }];
    }
    case 'Range': {
      const [a, b, d] = [vals(0), vals(1), vals(2)].map((v) => v?.[0]);
      const len: Dim =
        typeof a === 'number' && typeof b === 'number' && typeof d === 'number' ? Math.max(Math.ceil((b - a) / d), 0) : a === 0 && d === 1 && typeof b === 'string' ? b : '?';
      return x ? [{ dtype: x.dtype, shape: [len] }] : [];
    }
    case 'Constant': {
      const cv = consts.get(n.outputs[0]);
      return cv ? [{ dtype: cv.dtype, shape: [...cv.dims] }] : [];
    }
    case 'MatMul': {
      const b = t(1);
      if (!x || !b) return [];
      if (!x.shape || !b.shape) return [{ dtype: x.dtype }];
      const a2 = x.shape.length === 1 ? [1, x.shape[0]] : x.shape;
      const b2 = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
      const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
      if (!batch) return [{ dtype: x.dtype }];
      const out = [...batch, ...(x.shape.length === 1 ? [] : [a2[a2.length - 2]]), ...(b.shape.length === 1 ? [] : [b2[b2.length - 1]])];
      return [{ dtype: x.dtype, shape: out }];
    }
    case 'MatMulInteger': {
      const m = inferNode({ ...n, opType: 'MatMul', inputs: n.inputs.slice(0, 2) }, types, consts, opset)[0];
      return m ? [{ dtype: 'int32', shape: m.shape }] : [];
    }
    case 'DynamicQuantizeLinear':
      return [{ dtype: 'uint8', shape: x?.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }];
    case 'QuantizeLinear':
      return [{ dtype: t(2)?.dtype ?? 'uint8', shape: x?.shape }];
    case 'DequantizeLinear':
      return [{ dtype: t(1)?.dtype ?? 'float32', shape: x?.shape }];
    case 'Gemm': {
      const b = t(1);
      if (!x || !b) return [];
      if (!x.shape || !b.shape) return [{ dtype: x.dtype }];
      const m = attrInt(n, 'transA', 0) ? x.shape[1] : x.shape[0];
      const k = attrInt(n, 'transB', 0) ? b.shape[0] : b.shape[1];
      return [{ dtype: x.dtype, shape: [m, k] }];
    }
    case 'Transpose': {
      if (!x?.shape) return same();
      const perm = attrInts(n, 'perm') ?? x.shape.map((_, i) => x.shape!.length - 1 - i);
      return same(perm.map((p) => x.shape![p]));
    }
    case 'Reshape': {
      const want = vals(1);
      if (!want) {
        const len = t(1)?.shape?.[0];
        return same(typeof len === 'number' ? Array.from({ length: len }, () => '?') : undefined);
      }
      const allowZero = attrInt(n, 'allowzero', 0) === 1;
      const out: Dim[] = want.map((d, i) => (d === 0 && !allowZero ? (x?.shape?.[i] ?? '?') : d));
      const neg = out.indexOf(-1);
      if (neg >= 0) {
        const total = x?.shape && isStatic(x.shape) ? x.shape.reduce((p, q) => p * q, 1) : undefined;
        const rest = out.filter((_, i) => i !== neg);
        // With the other dims known, -1 takes the one input dim they do not account for (symbolic or not).
        const leftover = x?.shape ? leftoverDim(x.shape, rest) : undefined;
        out[neg] = total !== undefined && isStatic(rest) ? total / rest.reduce((p, q) => p * q, 1) : (leftover ?? '?');
      }
      return same(out);
    }
    case 'Flatten': {
      if (!x?.shape) return same();
      const axis = normAxis(attrInt(n, 'axis', 1), x.shape.length);
      const prod = (s: Dim[]) => (isStatic(s) ? s.reduce((p, q) => p * q, 1) : '?');
      return same([prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis))]);
    }
    case 'Squeeze': {
      if (x?.value && (x.shape?.length ?? 0) <= 1) return [{ dtype: x.dtype, shape: [], value: x.value }];
      if (!x?.shape) return same();
      const axesT = opset >= 13 ? c(1) : undefined;
      const axes = axesT ? tensorValues(axesT) : attrInts(n, 'axes');
      if (!axes) return same(isStatic(x.shape) ? x.shape.filter((d) => d !== 1) : undefined);
      const norm = axes.map((a) => normAxis(a, x.shape!.length));
      return same(x.shape.filter((_, i) => !norm.includes(i)));
    }
    case 'Unsqueeze': {
      if (x?.value && x.shape?.length === 0) return [{ dtype: x.dtype, shape: [1], value: x.value }];
      if (!x?.shape) return same();
      const axesT = opset >= 13 ? c(1) : undefined;
      const axes = axesT ? tensorValues(axesT) : attrInts(n, 'axes');
      if (!axes) return same(undefined);
      const r = x.shape.length + axes.length;
      const norm = axes.map((a) => normAxis(a, r));
      const out: Dim[] = [];
      let k = 0;
      for (let i = 0; i < r; i++) out.push(norm.includes(i) ? 1 : x.shape[k++]);
      return same(out);
    }
    case 'Concat': {
      const shapes = n.inputs.map((_, i) => t(i)?.shape);
      const parts = n.inputs.map((_, i) => vals(i));
      if (x?.dtype === 'int64' && parts.every((p) => p !== undefined)) {
        const value = parts.flatMap((p) => p!);
        return [{ dtype: 'int64', shape: [value.length], value }];
      }
      if (!x || shapes.some((s) => !s)) return same(undefined);
      const axis = normAxis(attrInt(n, 'axis'), shapes[0]!.length);
      const out = [...shapes[0]!];
      const ds = shapes.map((s) => s![axis]);
      out[axis] = ds.every((d) => typeof d === 'number') ? (ds as number[]).reduce((p, q) => p + q, 0) : '?';
      return same(out);
    }
    case 'Split': {
      if (!x) return [];
      const k = n.outputs.length;
      if (!x.shape) return n.outputs.map(() => ({ dtype: x.dtype }));
      const axis = normAxis(attrInt(n, 'axis', 0), x.shape.length);
      const splitT = opset >= 13 ? c(1) : undefined;
      const sizes = splitT ? tensorValues(splitT) : attrInts(n, 'split');
      const d = x.shape[axis];
      return n.outputs.map((_, i) => {
        const out = [...x.shape!];
        out[axis] = sizes ? sizes[i] : typeof d === 'number' ? (i < k - 1 || d % k === 0 ? Math.ceil(d / k) : d - Math.ceil(d / k) * (k - 1)) : '?';
        return { dtype: x.dtype, shape: out };
      });
    }
    case 'Slice': {
      if (!x?.shape) return same();
      const [st, en, ax, sp] = [c(1), c(2), c(3), c(4)];
      if (!st || !en || (n.inputs[3] && !ax) || (n.inputs[4] && !sp)) return same(x.shape.map(() => '?'));
      const starts = tensorValues(st), ends = tensorValues(en);
      const axes = ax ? tensorValues(ax).map((a) => normAxis(a, x.shape!.length)) : starts.map((_, i) => i);
      const steps = sp ? tensorValues(sp) : starts.map(() => 1);
      const out = [...x.shape];
      axes.forEach((a, i) => {
        const d = x.shape![a];
        if (typeof d !== 'number') return void (out[a] = '?');
        const step = steps[i];
        const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
        let s = starts[i] < 0 ? starts[i] + d : starts[i];
        let e = ends[i] < 0 ? ends[i] + d : ends[i];
        if (step > 0) {
          s = clamp(s, 0, d); e = clamp(e, 0, d);
          out[a] = Math.max(0, Math.ceil((e - s) / step));
        } else {
          s = clamp(s, -1, d - 1); e = clamp(e, -1, d - 1);
          out[a] = Math.max(0, Math.ceil((e - s) / step));
        }
      });
      return same(out);
    }
    case 'Gather': {
      const idx = t(1);
      const data = vals(0);
      const which = c(1) ? tensorValues(c(1)!) : undefined;
      if (data && which && (x?.shape?.length ?? 1) === 1) {
        const picked = which.map((i) => data[i < 0 ? i + data.length : i]);
        return [{ dtype: x!.dtype, shape: c(1)!.dims.length === 0 ? [] : [picked.length], value: picked }];
      }
      if (!x?.shape || !idx?.shape) return same(undefined);
      const axis = normAxis(attrInt(n, 'axis', 0), x.shape.length);
      return same([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]);
    }
    case 'Expand': {
      const s = vals(1);
      if (!s) return same(undefined);
      return same(broadcastShapes([x?.shape, s]));
    }
    case 'ReduceMean': case 'ReduceSum': case 'ReduceMax': case 'ReduceMin': case 'ReduceProd': case 'ReduceL2': case 'ReduceSumSquare': {
      if (!x?.shape) return same();
      const axesAsInput = n.opType === 'ReduceSum' ? opset >= 13 : opset >= 18;
      const axesT = axesAsInput ? c(1) : undefined;
      if (axesAsInput && n.inputs[1] && !axesT) return same(undefined);
      const axes = (axesT ? tensorValues(axesT) : attrInts(n, 'axes')) ?? [];
      const keep = attrInt(n, 'keepdims', 1) === 1;
      const noop = attrInt(n, 'noop_with_empty_axes', 0) === 1;
      if (axes.length === 0 && noop) return same();
      const r = x.shape.length;
      const set = new Set(axes.length ? axes.map((a) => normAxis(a, r)) : x.shape.map((_, i) => i));
      return same(keep ? x.shape.map((d, i) => (set.has(i) ? 1 : d)) : x.shape.filter((_, i) => !set.has(i)));
    }
    case 'LayerNormalization': {
      if (!x) return [];
      const axis = x.shape ? normAxis(attrInt(n, 'axis', -1), x.shape.length) : undefined;
      const stat: Dim[] | undefined = x.shape && axis !== undefined ? x.shape.map((d, i) => (i < axis ? d : 1)) : undefined;
      const statType: DType = attrInt(n, 'stash_type', 1) === 1 ? 'float32' : x.dtype;
      return [{ dtype: x.dtype, shape: x.shape }, { dtype: statType, shape: stat }, { dtype: statType, shape: stat }];
    }
    case 'SoftmaxCrossEntropyLoss': {
      if (!x) return [];
      const red = n.attrs.reduction?.type === 'string' ? n.attrs.reduction.value : 'mean';
      const lossShape: Dim[] | undefined = red === 'none' ? (x.shape ? [x.shape[0], ...x.shape.slice(2)] : undefined) : [];
      return [{ dtype: x.dtype, shape: lossShape }, { dtype: x.dtype, shape: x.shape }];
    }
    case 'GatherElements': case 'ScatterND': case 'ScatterElements':
      return n.opType === 'GatherElements' ? same(t(1)?.shape) : same();
    case 'Compress':
      return same(['?']);
    case 'NonZero':
      return [{ dtype: 'int64', shape: [rank ?? '?', '?'] }];
    case 'ArgMax': case 'ArgMin': {
      if (!x?.shape) return [{ dtype: 'int64' }];
      const axis = normAxis(attrInt(n, 'axis', 0), x.shape.length);
      const keep = attrInt(n, 'keepdims', 1) === 1;
      return [{ dtype: 'int64', shape: keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis) }];
    }
    case 'Einsum': case 'Pad': case 'Tile': case 'Trilu': case 'CumSum':
      return same(n.opType === 'Trilu' || n.opType === 'CumSum' ? x?.shape : undefined);
    default:
      return [];
  }
}
