// ONNX (de)serialisation through onnx-proto's static protobufjs classes, with external data for models whose
// initializers would push the protobuf past its 2 GB limit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { Attr, DType, Dim, Graph, Model, Node, TensorData, TypedData, ValueInfo, allocData, bytesPerElement, numElements } from './ir';
import { writeAllSync, writeFileAtomic } from '../util/atomicWrite';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

const DTYPE_TO_ONNX: Record<DType, number> = {
  float32: DT.FLOAT,
  float64: DT.DOUBLE,
  float16: DT.FLOAT16,
  bfloat16: DT.BFLOAT16,
  int64: DT.INT64,
  int32: DT.INT32,
  int8: DT.INT8,
  uint8: DT.UINT8,
  bool: DT.BOOL,
};
const ONNX_TO_DTYPE = new Map<number, DType>(Object.entries(DTYPE_TO_ONNX).map(([k, v]) => [v, k as DType]));

export function dtypeToOnnx(d: DType): number {
  return DTYPE_TO_ONNX[d];
}

export function dtypeFromOnnx(code: number, where: string): DType {
  const d = ONNX_TO_DTYPE.get(code);
  if (d === undefined) throw new Error(`${where}: unsupported ONNX element type ${onnx.TensorProto.DataType[code] ?? code}`);
  return d;
}

type LongLike = number | { toNumber(): number };
const num = (v: LongLike | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

/** Above this many initializer bytes saveModel() switches to external data by itself (protobuf's hard limit is 2 GiB). */
export const EXTERNAL_DATA_AUTO_BYTES = 1.8 * 1024 ** 3;

export interface SaveOptions {
  /** true: always; false: never; undefined: when the initializers exceed EXTERNAL_DATA_AUTO_BYTES. */
  externalData?: boolean;
  /** Tensors smaller than this stay inline (default 1024 bytes). */
  externalThreshold?: number;
}

// ---------- encode ----------

function rawBytes(data: TypedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function encodeTensor(name: string, t: TensorData, external?: { location: string; offset: number }): onnx.ITensorProto {
  const base: onnx.ITensorProto = { name, dims: t.dims, dataType: DTYPE_TO_ONNX[t.dtype] };
  if (external) {
    base.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    base.externalData = [
      { key: 'location', value: external.location },
      { key: 'offset', value: String(external.offset) },
      { key: 'length', value: String(t.data.byteLength) },
    ];
    return base;
  }
  base.rawData = rawBytes(t.data);
  return base;
}

function encodeAttr(name: string, a: Attr): onnx.IAttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AT.INT, i: a.value };
    case 'ints':
      return { name, type: AT.INTS, ints: a.value };
    case 'float':
      return { name, type: AT.FLOAT, f: a.value };
    case 'floats':
      return { name, type: AT.FLOATS, floats: a.value };
    case 'string':
      return { name, type: AT.STRING, s: Buffer.from(a.value, 'utf8') };
    case 'strings':
      return { name, type: AT.STRINGS, strings: a.value.map((s) => Buffer.from(s, 'utf8')) };
    case 'tensor':
      return { name, type: AT.TENSOR, t: encodeTensor('', a.value) };
    case 'graph':
      return { name, type: AT.GRAPH, g: encodeGraph(a.value) };
  }
}

function encodeValueInfo(v: ValueInfo): onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: DTYPE_TO_ONNX[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d === '?' ? {} : { dimParam: d })) },
      },
    },
  };
}

function encodeGraph(g: Graph, externalFor?: (name: string, t: TensorData) => { location: string; offset: number } | undefined): onnx.IGraphProto {
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      opType: n.opType,
      domain: n.domain,
      name: n.name,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs).map(([k, a]) => encodeAttr(k, a)),
    })),
    input: g.inputs.map(encodeValueInfo),
    output: g.outputs.map(encodeValueInfo),
    valueInfo: g.valueInfo.map(encodeValueInfo),
    initializer: [...g.initializers].map(([name, t]) => encodeTensor(name, t, externalFor?.(name, t))),
  };
}

function encodeModel(m: Model, externalFor?: (name: string, t: TensorData) => { location: string; offset: number } | undefined): Uint8Array {
  const proto: onnx.IModelProto = {
    irVersion: m.irVersion,
    producerName: m.producerName,
    opsetImport: m.opsetImports.map((o) => ({ domain: o.domain === 'ai.onnx' ? '' : o.domain, version: o.version })),
    graph: encodeGraph(m.graph, externalFor),
    metadataProps: Object.entries(m.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(proto).finish();
}

/** Serialises a model with every tensor inline (throws for models past protobuf's 2 GiB limit: use saveModel). */
export function modelToBytes(model: Model): Uint8Array {
  const total = initializerBytes(model.graph);
  if (total > EXTERNAL_DATA_AUTO_BYTES) {
    throw new Error(`model "${model.graph.name}" has ${(total / 1024 ** 3).toFixed(2)} GiB of initializers: too big for one protobuf; use saveModel(model, file, { externalData: true })`);
  }
  return encodeModel(model);
}

export function initializerBytes(g: Graph): number {
  let total = 0;
  for (const t of g.initializers.values()) total += t.data.byteLength;
  return total;
}

/** Writes `file` (and `<file>.data` when external data is used); returns the paths written. */
export function saveModel(model: Model, file: string, opts: SaveOptions = {}): string[] {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const useExternal = opts.externalData ?? initializerBytes(model.graph) > EXTERNAL_DATA_AUTO_BYTES;
  if (!useExternal) {
    writeFileAtomic(file, encodeModel(model));
    return [file];
  }
  const threshold = opts.externalThreshold ?? 1024;
  const dataName = `${path.basename(file)}.data`;
  const dataPath = path.join(path.dirname(file), dataName);
  const fd = fs.openSync(`${dataPath}.tmp`, 'w');
  let offset = 0;
  const placed = new Map<string, number>();
  try {
    for (const [name, t] of model.graph.initializers) {
      if (t.data.byteLength < threshold) continue;
      // 4 KiB alignment lets ORT memory-map each tensor.
      const aligned = Math.ceil(offset / 4096) * 4096;
      // In pieces: xlm-roberta-large's word embeddings alone are 1.02 GB.
      writeAllSync(fd, rawBytes(t.data), aligned);
      placed.set(name, aligned);
      offset = aligned + t.data.byteLength;
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(`${dataPath}.tmp`, dataPath);
  const bytes = encodeModel(model, (name) => {
    const o = placed.get(name);
    return o === undefined ? undefined : { location: dataName, offset: o };
  });
  writeFileAtomic(file, bytes);
  return [file, dataPath];
}

// ---------- decode ----------

function decodeTensor(p: onnx.ITensorProto, dir: string | undefined, where: string): TensorData {
  const dtype = dtypeFromOnnx(p.dataType ?? 0, `${where} tensor "${p.name ?? ''}"`);
  const dims = (p.dims ?? []).map((d) => num(d));
  const n = numElements(dims);
  const data = allocData(dtype, n);
  const bytes = bytesPerElement(dtype) * n;
  if (p.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const kv = new Map((p.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    if (!location) throw new Error(`${where} tensor "${p.name}": external data without a location`);
    if (dir === undefined) throw new Error(`${where} tensor "${p.name}" lives in external file "${location}": load the model from its file (loadModel) so the folder is known`);
    const file = path.resolve(dir, location);
    if (!fs.existsSync(file)) throw new Error(`${where} tensor "${p.name}": external data file ${file} is missing`);
    const offset = Number(kv.get('offset') ?? '0');
    const length = Number(kv.get('length') ?? String(bytes));
    if (length !== bytes) throw new Error(`${where} tensor "${p.name}": external data length ${length} ≠ ${bytes} bytes for dims [${dims.join(', ')}] ${dtype}`);
    const fd = fs.openSync(file, 'r');
    try {
      const got = fs.readSync(fd, new Uint8Array(data.buffer, 0, bytes), 0, bytes, offset);
      if (got !== bytes) throw new Error(`${where} tensor "${p.name}": ${file} ends after ${got} of ${bytes} bytes at offset ${offset}`);
    } finally {
      fs.closeSync(fd);
    }
    return { dtype, dims, data };
  }
  if (p.rawData && p.rawData.length > 0) {
    if (p.rawData.length !== bytes) throw new Error(`${where} tensor "${p.name}": ${p.rawData.length} raw bytes, expected ${bytes} for dims [${dims.join(', ')}] ${dtype}`);
    new Uint8Array(data.buffer).set(p.rawData);
    return { dtype, dims, data };
  }
  const src: LongLike[] =
    dtype === 'float32' ? (p.floatData ?? []) : dtype === 'float64' ? (p.doubleData ?? []) : dtype === 'int64' ? (p.int64Data ?? []) : (p.int32Data ?? []);
  if (src.length !== n) throw new Error(`${where} tensor "${p.name}": ${src.length} values, expected ${n} for dims [${dims.join(', ')}]`);
  if (data instanceof BigInt64Array) {
    src.forEach((v, i) => (data[i] = typeof v === 'number' ? BigInt(v) : BigInt(String(v))));
  } else {
    src.forEach((v, i) => ((data as Float32Array)[i] = num(v)));
  }
  return { dtype, dims, data };
}

function decodeAttr(a: onnx.IAttributeProto, dir: string | undefined, where: string): Attr | undefined {
  switch (a.type) {
    case AT.INT:
      return { type: 'int', value: num(a.i) };
    case AT.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(num) };
    case AT.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case AT.FLOATS:
      return { type: 'floats', value: a.floats ?? [] };
    case AT.STRING:
      return { type: 'string', value: Buffer.from(a.s ?? new Uint8Array()).toString('utf8') };
    case AT.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => Buffer.from(s).toString('utf8')) };
    case AT.TENSOR:
      return { type: 'tensor', value: decodeTensor(a.t ?? {}, dir, where) };
    case AT.GRAPH:
      return { type: 'graph', value: decodeGraph(a.g ?? {}, dir) };
    default:
      throw new Error(`${where}: attribute "${a.name}" has unsupported type ${onnx.AttributeProto.AttributeType[a.type ?? 0] ?? a.type}`);
  }
}

function decodeValueInfo(v: onnx.IValueInfoProto, where: string): ValueInfo {
  const tt = v.type?.tensorType;
  if (!tt) throw new Error(`${where}: value "${v.name}" is not a tensor (sequences/maps are not supported)`);
  const shape: Dim[] = (tt.shape?.dim ?? []).map((d) => (d.dimValue !== null && d.dimValue !== undefined && num(d.dimValue) > 0 ? num(d.dimValue) : d.dimParam ? d.dimParam : '?'));
  return { name: v.name ?? '', dtype: dtypeFromOnnx(tt.elemType ?? 0, `${where} value "${v.name}"`), shape };
}

function decodeGraph(p: onnx.IGraphProto, dir: string | undefined): Graph {
  const where = `graph "${p.name ?? ''}"`;
  const initializers = new Map<string, TensorData>();
  for (const t of p.initializer ?? []) initializers.set(t.name ?? '', decodeTensor(t, dir, where));
  const nodes: Node[] = (p.node ?? []).map((n, i) => {
    const attrs: Record<string, Attr> = {};
    const nodeWhere = `${where} node "${n.name || `#${i}`}" (${n.opType})`;
    for (const a of n.attribute ?? []) {
      const d = decodeAttr(a, dir, nodeWhere);
      if (d) attrs[a.name ?? ''] = d;
    }
    return { opType: n.opType ?? '', domain: n.domain ?? '', name: n.name || `${n.opType}_${i}`, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs };
  });
  return {
    name: p.name ?? 'graph',
    nodes,
    // Older exporters list initializers among the inputs too; those are not real inputs.
    inputs: (p.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => decodeValueInfo(v, where)),
    outputs: (p.output ?? []).map((v) => decodeValueInfo(v, where)),
    initializers,
    valueInfo: (p.valueInfo ?? []).filter((v) => v.type?.tensorType).map((v) => decodeValueInfo(v, where)),
  };
}

/** Parses ONNX bytes; `dir` is the folder external data paths are relative to. */
export function modelFromBytes(bytes: Uint8Array, dir?: string): Model {
  let p: onnx.ModelProto;
  try {
    // A plain Uint8Array view: given a Buffer, protobufjs 6 picks its BufferReader, which calls the deprecated
    // Buffer() constructor (a DEP0005 warning on every model load).
    p = onnx.ModelProto.decode(Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);
  } catch (e) {
    throw new Error(`not a valid ONNX model (${(e as Error).message})`, { cause: e });
  }
  if (!p.graph) throw new Error('ONNX model has no graph');
  const metadata: Record<string, string> = {};
  for (const kv of p.metadataProps ?? []) metadata[kv.key ?? ''] = kv.value ?? '';
  return {
    graph: decodeGraph(p.graph, dir),
    opsetImports: (p.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: num(o.version) })),
    irVersion: num(p.irVersion),
    producerName: p.producerName ?? '',
    metadata,
  };
}

export function loadModel(file: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ONNX model ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return modelFromBytes(bytes, path.dirname(file));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
}
