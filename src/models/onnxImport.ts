// Reads the weights of a repo's onnx/model.onnx (a transformers.js / Optimum export) under their Hugging Face names,
// so a folder without safetensors can be fine-tuned: the trainer builds its own forward graph from these tensors
// exactly as from model.safetensors. torch.onnx keeps most parameter names (biases, LayerNorm, embeddings, and the
// weights of 2-D Linears, which become Gemm(x, W, b, transB=1)), but constant folding stores the weight of every Linear
// applied to a 3-D tensor pre-transposed ([in, out]) under an anonymous "onnx::MatMul_<n>" name. Those are named back
// through the bias their MatMul output is added to, and transposed back to HF's [out, in] layout.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../onnx/serialize';
import { onnxVariants } from './modelFolder';
import { Graph, Node, TensorData, attrInt, isDefaultDomain } from '../onnx/ir';

export const ONNX_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

export class OnnxImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxImportError';
  }
}

export interface OnnxWeights {
  file: string;
  /** Float32 parameters by HF name ([out, in] for Linear weights, as in model.safetensors). */
  tensors: Map<string, TensorData>;
  /** Anonymous ONNX initializer name → the HF name it was given. */
  renamed: Map<string, string>;
  /** Weight-like initializers that could not be named, each with the reason (reported when the model lacks a name). */
  unnamed: { name: string; dims: number[]; reason: string }[];
  /** Graph outputs, e.g. ["logits"] or ["last_hidden_state"]: tells a task export from a feature-extraction one. */
  outputs: string[];
}

/**
 * The float32 ONNX export of a model folder: onnx/model.onnx, else model.onnx; undefined when there is none. A folder
 * that has only quantized or fp16 variants is refused, since int8/fp16 weights cannot be trained.
 */
export function findOnnxExport(dir: string): string | undefined {
  for (const f of [path.join(dir, 'onnx', 'model.onnx'), path.join(dir, 'model.onnx')]) if (fs.existsSync(f)) return f;
  const variants = onnxVariants(dir);
  if (variants.length) {
    throw new OnnxImportError(
      `${dir} has only ${variants.join(', ')}: int8/fp16 weights cannot be trained. Use the repo's float32 onnx/model.onnx ` +
      '(download it too) or its model.safetensors.',
    );
  }
  return undefined;
}

function transpose2d(t: TensorData): TensorData {
  const [rows, cols] = t.dims;
  const src = t.data as Float32Array;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return { dtype: t.dtype, dims: [cols, rows], data: out };
}

/** A dotted PyTorch state_dict key ("bert.encoder.layer.0.output.dense.bias"), not an exporter-made name. */
const isParameterName = (name: string) => /^[A-Za-z_]\w*(\.\w+)+$/.test(name);

/** Why an export cannot supply trainable weights at all; undefined when it can. */
function refusal(g: Graph): string | undefined {
  for (const input of g.inputs) {
    if (!ONNX_INPUTS.includes(input.name)) {
      return `graph input "${input.name}" is not one of ${ONNX_INPUTS.join(', ')}; only encoder exports (text classification, feature extraction) can be fine-tuned`;
    }
  }
  const half = [...g.initializers].find(([, t]) => t.dtype === 'float16' || t.dtype === 'bfloat16');
  if (half) return `initializer "${half[0]}" is ${half[1].dtype}: fp16 weights cannot be trained; use the float32 onnx/model.onnx or model.safetensors`;
  const quantOps = new Set(['MatMulInteger', 'DynamicQuantizeLinear', 'QLinearMatMul', 'DequantizeLinear', 'MatMulNBits', 'QAttention', 'DynamicQuantizeMatMul']);
  const quant = g.nodes.find((n) => quantOps.has(n.opType));
  if (quant) return `the graph is quantized (${quant.opType}): int8 weights cannot be trained; use the float32 onnx/model.onnx or model.safetensors`;
  // onnxruntime's transformer optimizer (optimum-cli ... --optimize O1-O4) fuses attention and LayerNorm into contrib
  // ops that pack weights (Q, K and V in one tensor) under new names: they no longer map to the model's parameters.
  const fused = [...new Set(g.nodes.filter((n) => !isDefaultDomain(n.domain)).map((n) => `${n.domain}.${n.opType}`))];
  if (fused.length) {
    return `the graph was optimized by onnxruntime (fused ${fused.slice(0, 4).join(', ')}): fused ops pack the weights under new names that ` +
      'no longer map to the model\'s parameters; use the unoptimized export (optimum-cli export onnx without --optimize) or model.safetensors';
  }
  return undefined;
}

/** HF-named float32 weights of an ONNX export (a model folder or an .onnx file; external data is read too). */
export function readOnnxWeights(dirOrFile: string): OnnxWeights {
  const isDir = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isDirectory();
  const file = isDir ? findOnnxExport(dirOrFile) : dirOrFile;
  if (!file) throw new OnnxImportError(`${dirOrFile}: no onnx/model.onnx or model.onnx found.`);
  let g: Graph;
  try {
    g = loadModel(file).graph;
  } catch (e) {
    throw new OnnxImportError(`${(e as Error).message}`);
  }
  const why = refusal(g);
  if (why) throw new OnnxImportError(`${file}: ${why}.`);

  const tensors = new Map<string, TensorData>();
  for (const [name, t] of g.initializers) if (t.dtype === 'float32' && t.dims.length >= 1 && isParameterName(name)) tensors.set(name, t);
  const consumers = new Map<string, Node[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const renamed = new Map<string, string>();
  const unnamed: OnnxWeights['unnamed'] = [];
  const biasOf = (out: string, exclude: string) => {
    const add = (consumers.get(out) ?? []).find((c) => c.opType === 'Add');
    return add?.inputs.find((i) => i !== exclude && i.endsWith('.bias') && g.initializers.get(i)?.dims.length === 1);
  };
  for (const n of g.nodes) {
    if (n.opType !== 'MatMul' && n.opType !== 'Gemm') continue;
    const wName = n.inputs[1];
    const w = g.initializers.get(wName);
    if (!w || w.dtype !== 'float32' || w.dims.length !== 2 || isParameterName(wName) || renamed.has(wName)) continue;
    // MatMul(x, W[in, out]) + b; Gemm(x, W, b) stores [in, out] unless transB=1 ([out, in], HF's layout).
    const gemm = n.opType === 'Gemm';
    const bias = gemm ? n.inputs[2] : biasOf(n.outputs[0], n.outputs[0]);
    const preTransposed = !gemm || attrInt(n, 'transB', 0) === 0;
    if (!bias || !bias.endsWith('.bias')) {
      unnamed.push({ name: wName, dims: w.dims, reason: `its ${n.opType} ("${n.name}") is not followed by a named bias, so the Linear it belongs to is unknown` });
      continue;
    }
    const hfName = bias.replace(/\.bias$/, '.weight');
    if (tensors.has(hfName)) {
      unnamed.push({ name: wName, dims: w.dims, reason: `its bias "${bias}" already names another weight (the exporter merged equal biases)` });
      continue;
    }
    tensors.set(hfName, preTransposed ? transpose2d(w) : w);
    renamed.set(wName, hfName);
  }
  return { file, tensors, renamed, unnamed, outputs: g.outputs.map((o) => o.name) };
}
