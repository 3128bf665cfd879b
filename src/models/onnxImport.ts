// Accepts a repo's onnx/model.onnx (transformers.js / Optimum export) as the forward graph to fine-tune. Optimum
// stores nn.Linear weights pre-transposed under anonymous names ("onnx::MatMul_1234"); they are renamed back to
// HF parameter names (found through the bias each MatMul feeds) and restored to HF's [out, in] layout behind a
// Transpose, so imported graphs look like the ones we build: same names for plans, checkpoints and export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../training/onnx/serialize';
import { Graph, Model, Node, TensorData, cloneModel, ints } from '../training/onnx/ir';

export const ONNX_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

export interface ImportedForward {
  file: string;
  model: Model;
  /** Graph inputs, a subset of input_ids / attention_mask / token_type_ids. */
  inputNames: string[];
  /** `logits` for task exports, `last_hidden_state` for bare encoders. */
  outputName: string;
  /** ONNX initializer name → HF parameter name, for the weights that were renamed. */
  renamed: Map<string, string>;
  /** Float initializers that are weights (rank ≥ 1), i.e. what a plan may train. */
  parameters: string[];
}

export class OnnxImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxImportError';
  }
}

/** The fp32 forward graph of a model folder: onnx/model.onnx, else model.onnx. */
export function findOnnxForward(dir: string): string {
  for (const f of [path.join(dir, 'onnx', 'model.onnx'), path.join(dir, 'model.onnx')]) if (fs.existsSync(f)) return f;
  const onnxDir = path.join(dir, 'onnx');
  const variants = fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  if (variants.length) {
    throw new OnnxImportError(`${onnxDir} has only ${variants.join(', ')}; fine-tuning needs the float32 onnx/model.onnx (quantized and fp16 graphs cannot be trained).`);
  }
  throw new OnnxImportError(`${dir}: no onnx/model.onnx or model.onnx found.`);
}

function transpose2d(t: TensorData): TensorData {
  const [rows, cols] = t.dims;
  const src = t.data as Float32Array;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return { dtype: t.dtype, dims: [cols, rows], data: out };
}

/** Renames pre-transposed Linear weights to HF names via the bias their MatMul output is added to. */
function restoreLinearNames(g: Graph): Map<string, string> {
  const consumers = new Map<string, Node[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const renamed = new Map<string, string>();
  const transposes: Node[] = [];
  for (const n of g.nodes) {
    if (n.opType !== 'MatMul') continue;
    const wName = n.inputs[1];
    const w = g.initializers.get(wName);
    if (!w || w.dtype !== 'float32' || w.dims.length !== 2 || wName.endsWith('.weight') || renamed.has(wName)) continue;
    const add = (consumers.get(n.outputs[0]) ?? []).find((c) => c.opType === 'Add');
    const bias = add?.inputs.find((i) => i !== n.outputs[0] && i.endsWith('.bias') && g.initializers.get(i)?.dims.length === 1);
    if (!bias) continue;
    const hfName = bias.replace(/\.bias$/, '.weight');
    if (g.initializers.has(hfName)) continue;
    g.initializers.delete(wName);
    g.initializers.set(hfName, transpose2d(w));
    transposes.push({ opType: 'Transpose', domain: '', name: `${hfName}_T`, inputs: [hfName], outputs: [wName], attrs: { perm: ints([1, 0]) } });
    renamed.set(wName, hfName);
  }
  g.nodes = [...transposes, ...g.nodes];
  return renamed;
}

export function importOnnxForward(dirOrFile: string): ImportedForward {
  const file = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isDirectory() ? findOnnxForward(dirOrFile) : dirOrFile;
  const model = cloneModel(loadModel(file));
  const g = model.graph;
  for (const input of g.inputs) {
    if (g.initializers.has(input.name)) continue;
    if (!ONNX_INPUTS.includes(input.name)) {
      throw new OnnxImportError(`${file}: graph input "${input.name}" is not one of ${ONNX_INPUTS.join(', ')}; only encoder-style exports (text classification, feature extraction) can be fine-tuned.`);
    }
    if (input.dtype !== 'int64' || input.shape.length !== 2) {
      throw new OnnxImportError(`${file}: graph input "${input.name}" is ${input.dtype}[${input.shape.join(', ')}]; expected int64 [batch, sequence].`);
    }
  }
  const outputName = ['logits', 'last_hidden_state'].find((o) => g.outputs.some((v) => v.name === o));
  if (!outputName) {
    throw new OnnxImportError(`${file}: no "logits" or "last_hidden_state" output (outputs: ${g.outputs.map((o) => o.name).join(', ')}).`);
  }
  const half = [...g.initializers].find(([, t]) => t.dtype === 'float16' || t.dtype === 'bfloat16');
  if (half) throw new OnnxImportError(`${file}: initializer "${half[0]}" is ${half[1].dtype}; fine-tuning needs a float32 export (onnx/model.onnx, not model_fp16.onnx).`);
  if (g.nodes.some((n) => n.opType === 'MatMulInteger' || n.opType === 'DynamicQuantizeLinear')) {
    throw new OnnxImportError(`${file}: the graph is quantized (MatMulInteger); fine-tuning needs the float32 export.`);
  }
  const renamed = restoreLinearNames(g);
  const inputNames = g.inputs.map((i) => i.name).filter((n) => ONNX_INPUTS.includes(n));
  const parameters = [...g.initializers].filter(([, t]) => t.dtype === 'float32' && t.dims.length >= 1).map(([n]) => n);
  return { file, model, inputNames, outputName, renamed, parameters };
}
