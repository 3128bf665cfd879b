// GraphBuilder: appends nodes to a Graph with collision-free names, so model builders, autodiff rules, losses and
// optimizers can all write `b.op('Add', [x, y])` and never think about naming.
import { Attr, DType, Dim, Graph, Node, TensorData, cloneGraph, emptyGraph, scalar, tensor } from './ir';

export interface OpOptions {
  domain?: string;
  /** Node name; made unique. Defaults to `<opType>_<n>`. */
  name?: string;
}

export class GraphBuilder {
  readonly graph: Graph;
  private readonly used = new Set<string>();
  private counter = 0;

  /** Starts an empty graph, or extends a copy of `from` (in place when `opts.copy` is false). */
  constructor(from: string | Graph = 'graph', opts: { copy?: boolean } = {}) {
    if (typeof from === 'string') {
      this.graph = emptyGraph(from);
    } else {
      this.graph = opts.copy === false ? from : cloneGraph(from);
    }
    for (const v of [...this.graph.inputs, ...this.graph.outputs, ...this.graph.valueInfo]) this.used.add(v.name);
    for (const k of this.graph.initializers.keys()) this.used.add(k);
    for (const n of this.graph.nodes) {
      this.used.add(n.name);
      for (const o of n.outputs) this.used.add(o);
    }
  }

  /** A name not used yet by any value or node in the graph. */
  uniqueName(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = clean;
    while (this.used.has(name)) name = `${clean}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Marks externally chosen names as taken (e.g. names reserved for outputs). */
  reserve(name: string): void {
    this.used.add(name);
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  /** Appends a single-output node and returns its output name (`opts.output` picks the name, else a unique one). */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: OpOptions & { output?: string } = {}): string {
    return this.opMulti(opType, inputs, attrs, [opts.output ?? 1], opts)[0];
  }

  /** Appends a node with several outputs: `outputs` is a count (unique names) or names (`1` entries get unique names). */
  opMulti(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs: number | (string | 1)[] = 1, opts: OpOptions = {}): string[] {
    const name = this.uniqueName(opts.name ?? opType);
    const spec = typeof outputs === 'number' ? Array.from({ length: outputs }, (): 1 => 1) : outputs;
    const outs = spec.map((o, i) => {
      if (o === 1) return this.uniqueName(spec.length > 1 ? `${name}_out${i}` : `${name}_out`);
      this.used.add(o);
      return o;
    });
    const node: Node = { opType, domain: opts.domain ?? '', name, inputs: [...inputs], outputs: outs, attrs: { ...attrs } };
    this.graph.nodes.push(node);
    return outs;
  }

  /** Appends a fully specified node (names used as given). */
  addNode(node: Node): void {
    for (const o of node.outputs) this.used.add(o);
    this.used.add(node.name);
    this.graph.nodes.push(node);
  }

  input(name: string, dtype: DType, shape: Dim[]): string {
    this.reserve(name);
    this.graph.inputs.push({ name, dtype, shape: [...shape] });
    return name;
  }

  output(name: string, dtype: DType, shape: Dim[]): string {
    this.reserve(name);
    this.graph.outputs.push({ name, dtype, shape: [...shape] });
    return name;
  }

  /** Adds an initializer under exactly `name` (throws if the name is taken by another initializer). */
  initializer(name: string, t: TensorData): string {
    if (this.graph.initializers.has(name)) throw new Error(`initializer "${name}" already exists`);
    this.reserve(name);
    this.graph.initializers.set(name, t);
    return name;
  }

  /** Adds a constant as an initializer with a unique name. A number becomes a float32 scalar unless `dtype` says otherwise. */
  constant(value: TensorData | number, dtype: DType = 'float32', base = 'const'): string {
    const t = typeof value === 'number' ? scalar(dtype, value) : value;
    const name = this.uniqueName(base);
    this.graph.initializers.set(name, t);
    return name;
  }

  /** A 1-D int64 constant (axes, shapes, starts/ends...). */
  int64s(values: number[], base = 'i64'): string {
    return this.constant(tensor('int64', [values.length], values), 'int64', base);
  }

  build(): Graph {
    return this.graph;
  }
}
