// Reverse-mode autodiff over an ONNX graph, micrograd-style: find the nodes between the trainable parameters and
// the loss, walk them in reverse topological order, and let each op's rule turn output gradients into input
// gradients. Gradients reaching a value from several consumers are summed.
import { Graph, Node, isFloat, tensor } from '../../onnx/ir';
import { GradBuilder } from './gradBuilder';
import { NON_DIFFERENTIABLE, getRule } from './registry';
import './rules';

export interface GradientOptions {
  /** Name of the scalar loss value. */
  loss: string;
  /** Values to differentiate with respect to (trainable parameters: graph inputs or initializers). */
  wrt: string[];
  /** ai.onnx opset of the model (rules emit ops of this opset; must be ≥ 13). */
  opset: number;
}

export interface GradientResult {
  /** Parameter → name of its gradient value in the graph. */
  grads: Map<string, string>;
  /** Parameters the loss does not depend on; their gradient is zeros. */
  unreached: string[];
  builder: GradBuilder;
}

/** Nodes in an order where every value is produced before it is consumed (ONNX requires it; some exporters do not). */
export function topologicalOrder(g: Graph): Node[] {
  const available = new Set<string>(['', ...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  const pending = [...g.nodes];
  const order: Node[] = [];
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const n = pending[i];
      if (n.inputs.every((x) => available.has(x))) {
        order.push(n);
        n.outputs.forEach((o) => available.add(o));
        pending.splice(i--, 1);
        progress = true;
      }
    }
  }
  if (pending.length > 0) {
    const n = pending[0];
    const missing = n.inputs.filter((x) => !available.has(x));
    throw new Error(`graph "${g.name}": node "${n.name}" (${n.opType}) reads ${missing.map((m) => `"${m}"`).join(', ')}, which no node, input or initializer provides (or a cycle)`);
  }
  return order;
}

/** Appends the backward pass to `graph` (in place) and returns where each parameter's gradient is. */
export function addGradients(graph: Graph, opts: GradientOptions): GradientResult {
  if (opts.opset < 13) throw new Error(`autodiff needs ai.onnx opset ≥ 13 (Softmax/Squeeze/ReduceSum semantics); this model imports opset ${opts.opset}. Re-export it with opset 13 or later.`);
  graph.nodes = topologicalOrder(graph);
  const g = new GradBuilder(graph, opts.opset);
  const known = new Set<string>([...graph.inputs.map((v) => v.name), ...graph.initializers.keys(), ...graph.nodes.flatMap((n) => n.outputs)]);
  for (const p of opts.wrt) if (!known.has(p)) throw new Error(`autodiff: "${p}" is not a value of graph "${graph.name}"`);
  if (!known.has(opts.loss)) throw new Error(`autodiff: loss "${opts.loss}" is not a value of graph "${graph.name}"`);

  // Forward sweep: which values depend on a parameter, and through which parameter (for error messages).
  const origin = new Map<string, string>(opts.wrt.map((p) => [p, p]));
  const forwardNodes = graph.nodes.slice();
  for (const n of forwardNodes) {
    if (NON_DIFFERENTIABLE.has(n.opType)) continue;
    const from = n.inputs.find((x) => origin.has(x));
    if (from === undefined) continue;
    for (const o of n.outputs) {
      const t = g.info(o);
      if (o && (!t || isFloat(t.dtype))) origin.set(o, origin.get(from)!);
    }
  }

  // Backward sweep: which values the loss depends on.
  const producer = new Map<string, Node>();
  for (const n of forwardNodes) for (const o of n.outputs) producer.set(o, n);
  const needed = new Set<string>();
  const stack = [opts.loss];
  while (stack.length) {
    const v = stack.pop()!;
    if (needed.has(v)) continue;
    needed.add(v);
    const n = producer.get(v);
    if (n) for (const x of n.inputs) if (x) stack.push(x);
  }

  const active = forwardNodes.filter((n) => n.outputs.some((o) => origin.has(o) && needed.has(o)));
  const contributions = new Map<string, string[]>();
  const contribute = (v: string, d: string) => {
    const list = contributions.get(v);
    if (list) list.push(d);
    else contributions.set(v, [d]);
  };
  // A gradient has exactly the shape of its value: say so where inference lost track, so later rules stay static.
  const refine = (grad: string, like: string) => {
    const t = g.info(like);
    const cur = g.info(grad);
    const unknown = (s: (string | number)[] | undefined) => (s ? s.filter((d) => d === '?').length : Infinity);
    if (t?.shape && unknown(t.shape) < unknown(cur?.shape)) g.types.set(grad, { dtype: cur?.dtype ?? t.dtype, shape: [...t.shape] });
  };
  const total = (v: string): string | undefined => {
    const list = contributions.get(v);
    if (!list || list.length === 0) return undefined;
    if (list.length > 1) {
      const s = g.op('Sum', list);
      refine(s, v);
      contributions.set(v, [s]);
      return s;
    }
    return list[0];
  };

  const lossShape = g.staticShape(opts.loss);
  const seed =
    lossShape && lossShape.length === 0
      ? g.scalarLike(1, opts.loss)
      : g.op('ConstantOfShape', [g.shapeOf(opts.loss)], { value: { type: 'tensor', value: tensor(g.dtype(opts.loss), [1], [1]) } });
  contribute(opts.loss, seed);

  for (let i = active.length - 1; i >= 0; i--) {
    const node = active[i];
    const dy = node.outputs.map((o) => (o && needed.has(o) ? total(o) : undefined));
    if (dy.every((d) => d === undefined)) continue;
    const rule = getRule(node.domain, node.opType);
    if (!rule) {
      const param = origin.get(node.outputs.find((o) => origin.has(o))!);
      const dom = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.` : '';
      throw new Error(`no gradient rule for op ${dom}${node.opType} (node "${node.name}"), which trainable parameter "${param}" needs to reach the loss "${opts.loss}". Freeze "${param}" or add a rule for ${node.opType} in src/training/autodiff/rules/.`);
    }
    const needs = node.inputs.map((x) => x !== '' && origin.has(x));
    const dx = rule({ node, dy, needs, g });
    node.inputs.forEach((x, k) => {
      if (needs[k] && dx[k]) {
        refine(dx[k]!, x);
        contribute(x, dx[k]!);
      }
    });
  }

  const grads = new Map<string, string>();
  const unreached: string[] = [];
  for (const p of opts.wrt) {
    const d = total(p);
    if (d) grads.set(p, d);
    else {
      unreached.push(p);
      grads.set(p, g.zerosLike(p));
    }
  }
  return { grads, unreached, builder: g };
}
