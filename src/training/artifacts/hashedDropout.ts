// Dropout whose masks depend on a seed the trainer feeds, not on the session: the reason resuming is exact.
//
// ORT's Dropout kernel draws its masks from a generator seeded when the session is created, so masks depended on
// where a session had been opened: a run resumed from a cancel checkpoint (the uninterrupted run kept its session
// there) drew other masks from that step on. In the training graphs every training-mode Dropout becomes
//   counter[e] = s·2²¹ + e·(2·(s mod 2²⁰) + 1)                      (s = DROPOUT_SEED, e = element, row-major)
//   keep[e] = MurmurHash3_x86_32(counter[e] as 8 bytes, seed = node index) ≥ round(ratio·2³²) − 2³¹  (as int32)
//   y = x · where(keep, 1/(1−ratio), 0)
// so the masks of a run are a function of (the seed fed for the micro-batch, the node, the element) only: the same in
// any session, process, or Loop of several steps. Murmur3 mixes every input bit into its 32-bit output, so keep bits
// are independent draws with P(keep) = 1 − round(ratio·2³²)/2³²; two seeds give two different arithmetic progressions
// of counters (not shifted copies of one sequence, which would repeat masks at an offset). The counters stay below
// 2⁵³ for tensors of up to 2³¹ elements: ORT's Range counts its elements in double precision.
//
// ORT runs MurmurHash3 (com.microsoft, int64 → int32) on the CPU provider only; the other ops here are standard.
// Measured on this machine (2 cores, 4M elements): the hashed mask ≈ 15 ns/element, ORT's Dropout 7 ns plus 7 ns for
// the keep-alive multiply the model builders add (arch/common.ts), which the rewrite drops as it no longer has a
// purpose. Backward reads the one scaled mask (dL/dx = dL/dy · m) where ORT's mask needed a Cast and two Muls.
//
// The keep decision is integer arithmetic, so autodiff sees y = x · m with a constant m: the gradient is dy·m exactly.
import { GraphBuilder } from '../../onnx/builder';
import { DType, Graph, MS_DOMAIN, Node, TensorData, int, isDefaultDomain, scalar, tensor } from '../../onnx/ir';
import { dtypeToOnnx } from '../../onnx/serialize';
import { TypeMap, constantValues, inferTypes } from '../../onnx/shapes';

/** The int64 scalar input of every graph whose Dropout masks are hashed: one value per micro-batch. */
export const DROPOUT_SEED = 'dropout_seed';
/** Seeds lie in [0, 2³¹), which keeps every counter below 2⁵³. */
export const DROPOUT_SEED_LIMIT = 2 ** 31;

const TWO_32 = 2 ** 32;

/** The first counter of seed `s` and the stride between its elements' counters (the graph computes the same). */
export function dropoutCounter(s: number): { start: number; stride: number } {
  return { start: s * 2 ** 21, stride: 2 * (s % 2 ** 20) + 1 };
}

/** Whether Dropout node `n` is in training mode: its training_mode input must be absent or a constant. */
function trainingMode(n: Node, consts: ReadonlyMap<string, TensorData>): boolean {
  const t = n.inputs[2] ?? '';
  if (t === '') return false;
  const c = consts.get(t);
  if (!c) throw new Error(`Dropout node "${n.name}" takes training_mode from "${t}", a value computed at run time; the trainer needs a constant there to draw reproducible masks (rebuild the graph with a constant true or false)`);
  return Number(c.data[0]) !== 0;
}

function ratioOf(n: Node, consts: ReadonlyMap<string, TensorData>): number {
  const r = n.inputs[1] ?? '';
  if (r === '') return 0.5;
  const c = consts.get(r);
  if (!c) throw new Error(`Dropout node "${n.name}" takes its ratio from "${r}", a value computed at run time; the trainer needs a constant ratio to hash its masks`);
  const ratio = Number(c.data[0]);
  if (!(ratio >= 0 && ratio < 1)) throw new Error(`Dropout node "${n.name}": ratio ${ratio} is outside [0, 1)`);
  return ratio;
}

const isDropout = (n: Node) => n.opType === 'Dropout' && isDefaultDomain(n.domain);

/** The training-mode Dropout nodes of `g`, numbered in graph order by name: numbered once, before a graph is split. */
export function dropoutIndex(g: Graph): Map<string, number> {
  const consts = constantValues(g);
  const index = new Map<string, number>();
  for (const n of g.nodes) if (isDropout(n) && trainingMode(n, consts)) index.set(n.name, index.size);
  return index;
}

/** The int32 threshold a hash must reach for its unit to be kept: P(keep) = 1 − round(ratio·2³²)/2³². */
export function keepThreshold(ratio: number): number {
  return Math.min(Math.round(ratio * TWO_32) - 2 ** 31, 2 ** 31 - 1);
}

export interface HashDropoutOptions {
  /** Node name → index in the hash (dropoutIndex of the graph before it was split); default: this graph's order. */
  index?: ReadonlyMap<string, number>;
  /** Value types of the graph (default: inferred here). */
  types?: TypeMap;
  /** An int64 scalar to seed from; default: the graph input DROPOUT_SEED, added when a node is rewritten. */
  seed?: string;
}

/** Rewrites every training-mode Dropout of `g` in place into the hashed mask above; returns how many it rewrote. */
export function hashDropout(g: Graph, opts: HashDropoutOptions = {}): number {
  const consts = constantValues(g);
  const targets = new Set(g.nodes.filter((n) => isDropout(n) && trainingMode(n, consts)));
  if (targets.size === 0) return 0;
  const index = opts.index ?? dropoutIndex(g);
  const types = opts.types ?? inferTypes(g);
  const b = new GraphBuilder(g, { copy: false });
  const seed = opts.seed ?? b.input(DROPOUT_SEED, 'int64', []);
  const nodes = g.nodes;
  g.nodes = [];
  // Nodes are re-emitted in order, each Dropout replaced where it stood, so the list stays topological.
  let counterOf: { start: string; stride: string } | undefined;
  const i64 = (v: number, name: string) => b.constant(tensor('int64', [], [v]), 'int64', name);
  const keepAlive: { y: string; keep: string }[] = [];
  for (const n of nodes) {
    if (!targets.has(n)) {
      g.nodes.push(n);
      continue;
    }
    const k = index.get(n.name);
    if (k === undefined) throw new Error(`hashDropout: Dropout node "${n.name}" has no index`);
    const ratio = ratioOf(n, consts);
    const [x] = n.inputs;
    const dtype: DType = types.get(x)?.dtype ?? 'float32';
    // dropoutCounter(s), once per graph.
    counterOf ??= {
      start: b.op('Mul', [seed, i64(2 ** 21, 'dropout_start_scale')]),
      stride: b.op('Add', [b.op('Mul', [b.op('Mod', [seed, i64(2 ** 20, 'dropout_stride_mod')]), i64(2, 'two')]), i64(1, 'one')]),
    };
    const { start, stride } = counterOf;
    const end = b.op('Add', [start, b.op('Mul', [b.op('Size', [x]), stride])]);
    const counter = b.op('Range', [start, end, stride]);
    const hash = b.op('MurmurHash3', [counter], { seed: int(k), positive: int(0) }, { domain: MS_DOMAIN, name: `${n.name}_hash` });
    const kept = b.op('GreaterOrEqual', [hash, b.constant(scalar('int32', keepThreshold(ratio)), 'int32', 'dropout_threshold')]);
    const keep = b.op('Reshape', [kept, b.op('Shape', [x])], {}, n.outputs[1] ? { output: n.outputs[1] } : {});
    // float16 constants would need their bits spelled out: the scaled mask is made in float32 and cast instead.
    const wide = dtype === 'float64' ? 'float64' : 'float32';
    const wideScale = b.op('Where', [keep, b.constant(scalar(wide, 1 / (1 - ratio)), wide, 'dropout_scale'), b.constant(scalar(wide, 0), wide, 'zero')]);
    const scale = wide === dtype ? wideScale : b.op('Cast', [wideScale], { to: int(dtypeToOnnx(dtype)) });
    b.op('Mul', [x, scale], {}, { output: n.outputs[0], name: n.name });
    if (n.outputs[1]) keepAlive.push({ y: n.outputs[0], keep: n.outputs[1] });
  }
  dropKeepAlive(g, keepAlive);
  return targets.size;
}

/**
 * The model builders multiply a Dropout's output by its cast mask once more, only so that ORT keeps the Dropout
 * (EliminateDropout removes one whose mask nobody reads). The hashed output is already zero where the mask is, so
 * that product equals its input bit for bit: it becomes an Identity (which ORT removes) and its Cast goes.
 */
function dropKeepAlive(g: Graph, pairs: readonly { y: string; keep: string }[]): void {
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      const list = readers.get(i);
      if (list) list.push(n);
      else readers.set(i, [n]);
    }
  }
  const outputs = new Set(g.outputs.map((o) => o.name));
  const dead = new Set<Node>();
  for (const { y, keep } of pairs) {
    for (const cast of readers.get(keep) ?? []) {
      if (cast.opType !== 'Cast' || outputs.has(cast.outputs[0])) continue;
      const users = readers.get(cast.outputs[0]) ?? [];
      const muls = users.filter((m) => m.opType === 'Mul' && m.inputs.includes(y) && m.inputs.includes(cast.outputs[0]));
      for (const m of muls) Object.assign(m, { opType: 'Identity', inputs: [y], attrs: {} });
      if (muls.length === users.length) dead.add(cast);
    }
  }
  g.nodes = g.nodes.filter((n) => !dead.has(n));
}

/** Evaluation graphs never drop units: every training-mode Dropout of `g` is switched to inference mode (identity). */
export function inferenceDropout(g: Graph): void {
  const consts = constantValues(g);
  for (const n of g.nodes) if (isDropout(n) && trainingMode(n, consts)) n.inputs = n.inputs.slice(0, 2);
}
