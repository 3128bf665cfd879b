// Lifts models exported with ai.onnx opset 11/12 (common among older Optimum / transformers.js exports) to opset 13,
// which the autodiff rules assume. Only the ops whose signature changed in 13 and that transformer graphs use are
// rewritten (axes/split attributes become inputs); Softmax-family ops changed meaning (2-D coercion → one axis) and
// are accepted only where both meanings agree (the last axis).
import { GraphBuilder } from './builder';
import { Model, Node, attrInt, attrInts, cloneModel, defaultOpset, isDefaultDomain, tensor } from './ir';
import { inferTypes } from './shapes';

const AXES_TO_INPUT = new Set(['Unsqueeze', 'Squeeze', 'ReduceSum']);

export function upgradeToOpset13(model: Model): Model {
  const from = defaultOpset(model);
  if (from >= 13) return model;
  if (from < 11) throw new Error(`ONNX model imports ai.onnx opset ${from}: re-export it with opset 13 or later (11 and 12 are upgraded automatically)`);
  const m = cloneModel(model);
  const b = new GraphBuilder(m.graph, { copy: false });
  const types = inferTypes(m.graph, from);
  const axesInput = (values: number[]) => b.constant(tensor('int64', [values.length], values), 'int64', 'axes');
  for (const n of m.graph.nodes as Node[]) {
    if (!isDefaultDomain(n.domain)) continue;
    if (AXES_TO_INPUT.has(n.opType)) {
      const axes = attrInts(n, 'axes');
      delete n.attrs.axes;
      if (axes) n.inputs = [n.inputs[0], axesInput(axes)];
    } else if (n.opType === 'Split') {
      const split = attrInts(n, 'split');
      delete n.attrs.split;
      if (split) n.inputs = [n.inputs[0], axesInput(split)];
    } else if (n.opType === 'Softmax' || n.opType === 'LogSoftmax' || n.opType === 'Hardmax') {
      const rank = types.get(n.inputs[0])?.shape?.length;
      const axis = attrInt(n, 'axis', 1);
      const last = rank !== undefined && (axis === -1 || axis === rank - 1);
      if (!last) {
        throw new Error(`${n.opType} node "${n.name}" (opset ${from}) normalises over axes ${axis}.. flattened${rank === undefined ? ' of an input of unknown rank' : ''}; only the last axis means the same in opset 13: re-export the model with opset 13 or later`);
      }
      n.attrs.axis = { type: 'int', value: -1 };
    }
  }
  m.opsetImports = m.opsetImports.map((o) => (isDefaultDomain(o.domain) ? { ...o, version: 13 } : o));
  return m;
}
