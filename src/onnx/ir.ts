// In-memory ONNX graph IR shared by the model builders, the autodiff and the artifact generator.
//
// The IR mirrors ONNX closely so that a graph read from a file and one we build ourselves are the same thing:
//   DType        element type of a tensor (ONNX TensorProto.DataType by name)
//   TensorData   a dense tensor: dtype, dims and a typed array (bool and uint8 → Uint8Array, float16/bfloat16 → Uint16Array raw bits)
//   ValueInfo    a graph input/output/intermediate: name, dtype and shape; a string dim is symbolic ("batch")
//   Attr         a node attribute WITH its type tag, because ONNX distinguishes ints from floats
//                (use the helpers: int(1), float(0.5), ints([0, 2]), floats([...]), str('tanh'), tensorAttr(t), graphAttr(g))
//   Node         one operator application; an empty input name '' is an omitted optional input
//   Graph        nodes in topological order, inputs, outputs, initializers (by name) and optional value_info
//   Model        a graph plus opset imports, IR version, producer and metadata_props
// Everything is plain data: graphs are cheap to copy with cloneGraph() and safe to mutate afterwards.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array;

export interface TensorData {
  dtype: DType;
  dims: number[];
  data: TypedData;
}

export type Dim = number | string;

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export type Attr =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'tensor'; value: TensorData }
  | { type: 'graph'; value: Graph };

export type AttrValue = Attr['value'];

export interface Node {
  opType: string;
  /** '' (or 'ai.onnx') for the default domain, 'com.microsoft' for ORT contrib ops. */
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, TensorData>;
  valueInfo: ValueInfo[];
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface Model {
  graph: Graph;
  opsetImports: OpsetImport[];
  irVersion: number;
  producerName: string;
  metadata?: Record<string, string>;
}

export const DEFAULT_OPSET = 17;
export const MS_DOMAIN = 'com.microsoft';
/** IR version 8 is what onnx-proto (ONNX 1.10) describes; onnxruntime accepts it with any opset it implements. */
export const DEFAULT_IR_VERSION = 8;

export const int = (value: number): Attr => ({ type: 'int', value });
export const ints = (value: number[]): Attr => ({ type: 'ints', value });
export const float = (value: number): Attr => ({ type: 'float', value });
export const floats = (value: number[]): Attr => ({ type: 'floats', value });
export const str = (value: string): Attr => ({ type: 'string', value });
export const strs = (value: string[]): Attr => ({ type: 'strings', value });
export const tensorAttr = (value: TensorData): Attr => ({ type: 'tensor', value });
export const graphAttr = (value: Graph): Attr => ({ type: 'graph', value });

export const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16']);

export function isFloat(dtype: DType): boolean {
  return FLOAT_DTYPES.has(dtype);
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'int8':
    case 'uint8':
    case 'bool':
      return 1;
  }
}

export function numElements(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocates a zero-filled typed array of the right class for `dtype`. */
export function allocData(dtype: DType, length: number): TypedData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(length);
  }
}

/** Builds a tensor from plain numbers (int64 values are converted to bigint). */
export function tensor(dtype: DType, dims: number[], values: ArrayLike<number> | ArrayLike<bigint>): TensorData {
  const n = numElements(dims);
  if (values.length !== n) throw new Error(`tensor(${dtype}, [${dims.join(', ')}]): expected ${n} values, got ${values.length}`);
  const data = allocData(dtype, n);
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) data[i] = BigInt(values[i] as number | bigint);
  } else {
    for (let i = 0; i < n; i++) (data as Float32Array)[i] = Number(values[i]);
  }
  return { dtype, dims: [...dims], data };
}

export function scalar(dtype: DType, value: number): TensorData {
  return tensor(dtype, [], [value]);
}

/** Reads a tensor's values as JS numbers (int64 beyond 2^53 loses precision; used for shapes and small constants). */
export function tensorValues(t: TensorData): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function emptyGraph(name = 'graph'): Graph {
  return { name, nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: [] };
}

/** Shallow-copies the graph structure (nodes, attrs, lists, map); tensor data buffers are shared, never mutated in place. */
export function cloneGraph(g: Graph): Graph {
  return {
    name: g.name,
    nodes: g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
    inputs: g.inputs.map((v) => ({ ...v, shape: [...v.shape] })),
    outputs: g.outputs.map((v) => ({ ...v, shape: [...v.shape] })),
    initializers: new Map(g.initializers),
    valueInfo: g.valueInfo.map((v) => ({ ...v, shape: [...v.shape] })),
  };
}

export function cloneModel(m: Model): Model {
  return { ...m, graph: cloneGraph(m.graph), opsetImports: m.opsetImports.map((o) => ({ ...o })), metadata: m.metadata ? { ...m.metadata } : undefined };
}

/** The ai.onnx opset version a model imports (the default domain is spelled '' or 'ai.onnx'). */
export function defaultOpset(m: Pick<Model, 'opsetImports'>): number {
  const o = m.opsetImports.find((x) => x.domain === '' || x.domain === 'ai.onnx');
  return o ? o.version : DEFAULT_OPSET;
}

export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** Reads an attribute with its expected type; throws naming the node when the type differs. */
export function attrInt(n: Node, name: string, fallback?: number): number {
  const a = n.attrs[name];
  if (a === undefined) {
    if (fallback === undefined) throw new Error(`${n.opType} node "${n.name}": missing int attribute "${name}"`);
    return fallback;
  }
  if (a.type !== 'int') throw new Error(`${n.opType} node "${n.name}": attribute "${name}" should be an int, is ${a.type}`);
  return a.value;
}

export function attrFloat(n: Node, name: string, fallback?: number): number {
  const a = n.attrs[name];
  if (a === undefined) {
    if (fallback === undefined) throw new Error(`${n.opType} node "${n.name}": missing float attribute "${name}"`);
    return fallback;
  }
  if (a.type !== 'float' && a.type !== 'int') throw new Error(`${n.opType} node "${n.name}": attribute "${name}" should be a float, is ${a.type}`);
  return a.value;
}

export function attrInts(n: Node, name: string): number[] | undefined {
  const a = n.attrs[name];
  if (a === undefined) return undefined;
  if (a.type !== 'ints') throw new Error(`${n.opType} node "${n.name}": attribute "${name}" should be ints, is ${a.type}`);
  return a.value;
}

export function attrString(n: Node, name: string, fallback: string): string {
  const a = n.attrs[name];
  if (a === undefined) return fallback;
  if (a.type !== 'string') throw new Error(`${n.opType} node "${n.name}": attribute "${name}" should be a string, is ${a.type}`);
  return a.value;
}
