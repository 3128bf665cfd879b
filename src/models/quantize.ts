// Dynamic int8 quantization of a forward graph's weight MatMuls, written with standard ONNX ops so ORT CPU and
// transformers.js run it: activations are quantized at run time (DynamicQuantizeLinear, uint8), weights ahead of
// time per output column (symmetric 8-bit stored as uint8 around zero point 128), the product is MatMulInteger,
// then rescaled to float. uint8×uint8 rather than uint8×int8: ORT's u8s8 kernels on AVX2 without VNNI saturate
// int16 intermediates, which measurably corrupted outputs here (hidden-state error 0.27 vs 0.016).
import { Graph, Model, Node, TensorData, cloneModel, int, tensor } from '../onnx/ir';

export interface QuantizeReport {
  quantized: string[];
  floatBytes: number;
  int8Bytes: number;
}

/** Wᵀ of an HF [out, in] weight as uint8 [in, out] with one scale (and zero point 128) per output column. */
function quantizeColumns(w: TensorData): { q: TensorData; scale: TensorData; zp: TensorData } {
  const [out, inp] = w.dims;
  const data = w.data as Float32Array;
  const q = new Uint8Array(inp * out);
  const scales = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let max = 0;
    for (let i = 0; i < inp; i++) max = Math.max(max, Math.abs(data[o * inp + i]));
    const s = max > 0 ? max / 127 : 1;
    scales[o] = s;
    for (let i = 0; i < inp; i++) q[i * out + o] = 128 + Math.max(-127, Math.min(127, Math.round(data[o * inp + i] / s)));
  }
  return { q: { dtype: 'uint8', dims: [inp, out], data: q }, scale: tensor('float32', [out], scales), zp: { dtype: 'uint8', dims: [out], data: new Uint8Array(out).fill(128) } };
}

/**
 * Rewrites every `MatMul(x, Transpose(W))` whose W is a 2-D float32 initializer (how our builders, and imports
 * normalised to them, apply nn.Linear and tied decoders). Initializers still used elsewhere (word embeddings
 * feeding a Gather) are kept in float.
 */
export function quantizeDynamic(model: Model): { model: Model; report: QuantizeReport } {
  const m = cloneModel(model);
  const g: Graph = m.graph;
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const report: QuantizeReport = { quantized: [], floatBytes: 0, int8Bytes: 0 };
  const dropped = new Set<Node>();
  const nodes: Node[] = [];
  for (const n of g.nodes) {
    const t = n.opType === 'MatMul' ? producer.get(n.inputs[1]) : undefined;
    const wName = t?.inputs[0];
    const w = wName !== undefined ? g.initializers.get(wName) : undefined;
    const perm = t?.attrs.perm;
    const isLinear = t && t.opType === 'Transpose' && perm?.type === 'ints' && perm.value.join() === '1,0' && w && w.dtype === 'float32' && w.dims.length === 2;
    if (!isLinear || !t || !w || !wName) {
      nodes.push(n);
      continue;
    }
    const { q, scale, zp } = quantizeColumns(w);
    const base = n.name || n.outputs[0];
    const qName = `${wName}_quantized`;
    const sName = `${wName}_scale`;
    if (!g.initializers.has(qName)) {
      g.initializers.set(qName, q);
      g.initializers.set(sName, scale);
      g.initializers.set(`${wName}_zero_point`, zp);
      report.quantized.push(wName);
      report.floatBytes += w.data.byteLength;
      report.int8Bytes += q.data.byteLength + scale.data.byteLength + zp.data.byteLength;
    }
    const [aq, as, azp] = [`${base}/a_quant`, `${base}/a_scale`, `${base}/a_zero_point`];
    nodes.push(
      { opType: 'DynamicQuantizeLinear', domain: '', name: `${base}/quantize`, inputs: [n.inputs[0]], outputs: [aq, as, azp], attrs: {} },
      { opType: 'MatMulInteger', domain: '', name: `${base}/matmul_int`, inputs: [aq, qName, azp, `${wName}_zero_point`], outputs: [`${base}/int32`], attrs: {} },
      { opType: 'Cast', domain: '', name: `${base}/to_float`, inputs: [`${base}/int32`], outputs: [`${base}/float`], attrs: { to: int(1) } },
      { opType: 'Mul', domain: '', name: `${base}/scale`, inputs: [as, sName], outputs: [`${base}/scales`], attrs: {} },
      { opType: 'Mul', domain: '', name: `${base}/rescale`, inputs: [`${base}/float`, `${base}/scales`], outputs: [n.outputs[0]], attrs: {} },
    );
    const left = (uses.get(n.inputs[1]) ?? 1) - 1;
    uses.set(n.inputs[1], left);
    if (left === 0) dropped.add(t);
  }
  g.nodes = nodes.filter((n) => !dropped.has(n));
  // Float weights nothing reads any more go, which is where the size saving comes from.
  const stillUsed = new Set(g.nodes.flatMap((n) => n.inputs));
  for (const name of [...g.initializers.keys()]) if (!stillUsed.has(name)) g.initializers.delete(name);
  return { model: m, report };
}
