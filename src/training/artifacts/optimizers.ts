// Optimizer steps as ONNX subgraphs: AdamW exactly as torch.optim.AdamW (what the HF Trainer uses), SGD with momentum
// as torch.optim.SGD, per-parameter learning-rate multipliers, and clip_grad_norm_-style global-norm clipping.
// The learning rate and step count are graph inputs: the schedule lives in TypeScript and changes every step.
import { GraphBuilder } from '../../onnx/builder';
import { DType, int } from '../../onnx/ir';
import { dtypeCode } from '../autodiff/gradBuilder';
import { dropDense, rowGradient, type RowGradient } from './rowGradients';

export type OptimizerSpec =
  | { kind: 'adamw'; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { kind: 'sgd'; momentum?: number; weightDecay?: number };

export interface ParamSpec {
  name: string;
  dtype: DType;
  shape: number[];
  /** Multiplies the scheduled lr (layer-wise decay); default 1. */
  lrMultiplier?: number;
}

/** Graph input names of the per-step scalars. */
export const LEARNING_RATE = 'learning_rate';
export const STEP = 'step';
export const GRAD_SCALE = 'grad_scale';
export const GRAD_NORM = 'grad_norm';

/**
 * The HF Trainer's rule for which parameters skip weight decay: biases and normalisation weights, decided by name
 * (transformers' get_decay_parameter_names excludes LayerNorm modules and names containing "bias").
 */
export function isNoDecay(name: string): boolean {
  const n = name.toLowerCase();
  return n.includes('bias') || /(^|[._])(layernorm|layer_norm|rmsnorm|norm)\.weight$/.test(n) || /layernorm|layer_norm/.test(n);
}

/** Names of the optimizer state tensors of a parameter (torch's state_dict keys). */
export function stateNames(spec: OptimizerSpec, param: string): string[] {
  if (spec.kind === 'adamw') return [`${param}.exp_avg`, `${param}.exp_avg_sq`];
  return (spec.momentum ?? 0) > 0 ? [`${param}.momentum_buffer`] : [];
}

export interface StepInputs {
  /** Parameter name → value name of its current value in the graph. */
  params: Map<string, string>;
  /** Parameter name → value name of its gradient. */
  grads: Map<string, string>;
  /** State name → value name of its current value. */
  state: Map<string, string>;
  learningRate: string;
  step: string;
  /** Multiplies every gradient before clipping (1/accumulation steps), optional. */
  gradScale?: string;
  /**
   * Value names the updated parameters and state are written to (the graph outputs "<name>_new"). Naming the last
   * node's output directly spares an Identity copy of every weight and moment per step (~2 % of a step).
   */
  outputName?: (paramOrState: string) => string;
}

export interface StepOutputs {
  /** Parameter name → value name of its updated value. */
  params: Map<string, string>;
  /** State name → value name of its updated value. */
  state: Map<string, string>;
  /** Global L2 norm of the (scaled, unclipped) gradients, as HF logs it. */
  gradNorm: string;
}

/**
 * Appends one optimizer step for `params` to `b`.
 *
 * Every per-element pass over a tensor costs a full read and write of it (the word-embedding table alone is 31 MB in
 * a 256-wide BERT), so the update is arranged for the fewest passes: the gradient scale and the clipping coefficient
 * are global scalars folded into the moment coefficients instead of rescaling each gradient, and the bias corrections
 * are folded into two scalars:
 *   m ← β₁m + (1−β₁)·c·g,  v ← β₂v + (1−β₂)·c²·g²   (c = scale · clip coefficient)
 *   p ← p·(1 − lr·λ) − (lr·√(1−β₂ᵗ)/(1−β₁ᵗ)) · m / (√v + ε·√(1−β₂ᵗ))
 * which is torch.optim.AdamW's p −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε) rearranged (equal up to float rounding).
 */
export function addOptimizerStep(b: GraphBuilder, spec: OptimizerSpec, params: ParamSpec[], io: StepInputs, maxGradNorm = 0): StepOutputs {
  if (params.length === 0) throw new Error('optimizer: no trainable parameters');
  const dt = params[0].dtype;
  // One initializer per distinct scalar, shared by every parameter's update.
  const scalars = new Map<number, string>();
  const c = (v: number) => {
    let name = scalars.get(v);
    if (!name) scalars.set(v, (name = b.constant(v, dt, 'opt_c')));
    return name;
  };
  const castTo = (x: string) => b.op('Cast', [x], { to: int(dtypeCode(dt)) });
  const lr = io.learningRate;
  const named = (key: string) => (io.outputName ? { output: io.outputName(key) } : {});

  const grads = new Map(params.map((p) => [p.name, io.grads.get(p.name)!]));
  const square = (name: string) => b.op('Mul', [grads.get(name)!, grads.get(name)!]);
  // AdamW updates an embedding table from the rows the batch touched when its gradient is built in this graph (the
  // fused step; rowGradients.ts). Same values as the dense update: each row's contributions add in the same order.
  const rowGrads = new Map<string, RowGradient>();
  if (spec.kind === 'adamw') {
    for (const p of params) {
      const r = rowGradient(b, grads.get(p.name)!, p.shape, p.dtype);
      if (r) rowGrads.set(p.name, r);
    }
  }
  // torch.nn.utils.clip_grad_norm_ on the scaled gradients: total = scale·‖g‖₂; coef = min(max_norm / (total + 1e-6), 1).
  // ReduceSumSquare reads each gradient once and writes nothing per element. (Keeping g² for the second moment instead
  // would hold a second copy of every gradient until its update: +91 MB at the peak of a 6-layer/384-hidden step.)
  const squares = params.map((p) => b.op('ReduceSumSquare', [rowGrads.get(p.name)?.values ?? grads.get(p.name)!], { keepdims: int(0) }));
  let gradNorm = b.op('Sqrt', [squares.length === 1 ? squares[0] : b.op('Sum', squares)]);
  if (io.gradScale) gradNorm = b.op('Mul', [gradNorm, io.gradScale]);
  // The single scalar every gradient is multiplied by (absent: 1).
  let coef: string | undefined = io.gradScale;
  if (maxGradNorm > 0) {
    const clip = b.op('Min', [b.op('Div', [c(maxGradNorm), b.op('Add', [gradNorm, c(1e-6)])]), c(1)]);
    coef = coef ? b.op('Mul', [coef, clip]) : clip;
  }

  // Scalars derived from the lr are computed once per distinct multiplier, not once per parameter.
  const memo = new Map<string, string>();
  const once = (key: string, make: () => string) => {
    let v = memo.get(key);
    if (!v) memo.set(key, (v = make()));
    return v;
  };
  const lrFor = (p: ParamSpec) => (p.lrMultiplier !== undefined && p.lrMultiplier !== 1 ? once(`lr*${p.lrMultiplier}`, () => b.op('Mul', [lr, c(p.lrMultiplier!)])) : lr);
  const outParams = new Map<string, string>();
  const outState = new Map<string, string>();
  if (spec.kind === 'adamw') {
    const beta1 = spec.beta1 ?? 0.9;
    const beta2 = spec.beta2 ?? 0.999;
    const eps = spec.eps ?? 1e-8;
    const wd = spec.weightDecay ?? 0;
    const t = castTo(io.step);
    const bc1 = b.op('Sub', [c(1), b.op('Pow', [c(beta1), t])]);
    const bc2Sqrt = b.op('Sqrt', [b.op('Sub', [c(1), b.op('Pow', [c(beta2), t])])]);
    const mCoef = coef ? b.op('Mul', [coef, c(1 - beta1)]) : c(1 - beta1);
    const vCoef = coef ? b.op('Mul', [b.op('Mul', [coef, coef]), c(1 - beta2)]) : c(1 - beta2);
    const epsHat = b.op('Mul', [bc2Sqrt, c(eps)]);
    for (const p of params) {
      const [mName, vName] = stateNames(spec, p.name);
      const lrP = lrFor(p);
      let w = io.params.get(p.name)!;
      // Decoupled weight decay first, as torch.optim.AdamW: p ← p·(1 − lr·wd).
      if (wd > 0 && !isNoDecay(p.name)) w = b.op('Mul', [w, once(`decay:${lrP}`, () => b.op('Sub', [c(1), b.op('Mul', [lrP, c(wd)])]))]);
      const [mIn, vIn] = [io.state.get(mName)!, io.state.get(vName)!];
      const r = rowGrads.get(p.name);
      let m: string;
      let v: string;
      if (r) {
        // Untouched rows have g = 0, so m ← β₁m and v ← β₂v there (one pass each); the touched rows get the full
        // update, computed on gathered rows with the same operations as the dense form, and scattered over them.
        const rows = (x: string) => b.op('Gather', [x, r.rows], { axis: int(0) });
        const mRows = b.op('Add', [b.op('Mul', [rows(mIn), c(beta1)]), b.op('Mul', [r.values, mCoef])]);
        const vRows = b.op('Add', [b.op('Mul', [rows(vIn), c(beta2)]), b.op('Mul', [b.op('Mul', [r.values, r.values]), vCoef])]);
        m = b.op('ScatterND', [b.op('Mul', [mIn, c(beta1)]), r.rowIndices, mRows], {}, named(mName));
        v = b.op('ScatterND', [b.op('Mul', [vIn, c(beta2)]), r.rowIndices, vRows], {}, named(vName));
      } else {
        m = b.op('Add', [b.op('Mul', [mIn, c(beta1)]), b.op('Mul', [grads.get(p.name)!, mCoef])], {}, named(mName));
        v = b.op('Add', [b.op('Mul', [vIn, c(beta2)]), b.op('Mul', [square(p.name), vCoef])], {}, named(vName));
      }
      const denom = b.op('Add', [b.op('Sqrt', [v]), epsHat]);
      const stepSize = once(`step:${lrP}`, () => b.op('Mul', [b.op('Div', [lrP, bc1]), bc2Sqrt]));
      outParams.set(p.name, b.op('Sub', [w, b.op('Mul', [b.op('Div', [m, denom]), stepSize])], {}, named(p.name)));
      outState.set(mName, m);
      outState.set(vName, v);
    }
  } else {
    const momentum = spec.momentum ?? 0;
    const wd = spec.weightDecay ?? 0;
    for (const p of params) {
      const w = io.params.get(p.name)!;
      let g = grads.get(p.name)!;
      if (coef) g = b.op('Mul', [g, coef]);
      // torch.optim.SGD couples weight decay into the gradient.
      if (wd > 0 && !isNoDecay(p.name)) g = b.op('Add', [g, b.op('Mul', [w, c(wd)])]);
      if (momentum > 0) {
        const [bufName] = stateNames(spec, p.name);
        g = b.op('Add', [b.op('Mul', [io.state.get(bufName)!, c(momentum)]), g], {}, named(bufName));
        outState.set(bufName, g);
      }
      const lrP = lrFor(p);
      outParams.set(p.name, b.op('Sub', [w, b.op('Mul', [g, lrP])], {}, named(p.name)));
    }
  }
  for (const r of rowGrads.values()) dropDense(b.graph, r.dense);
  return { params: outParams, state: outState, gradNorm };
}
