// Several optimizer steps in one onnxruntime run: the fused train step wrapped in an ONNX Loop whose loop-carried
// values are the weights and optimizer state. The point is the CUDA provider, where onnxruntime-node cannot keep
// outputs on the device: one run of K steps moves weights and state across the bus once instead of K times (the
// issue's "several steps per run with an ONNX Loop"). Built in memory from train_step.onnx. A Dropout seed
// (hashedDropout.ts) is a batch input like any other: stacked per step, so each iteration draws the masks its single
// run would.
import { GRAD_NORM, LEARNING_RATE, STEP } from './optimizers';
import { DType, Model, ValueInfo, emptyGraph, graphAttr, int } from '../../onnx/ir';

/** Outer inputs and outputs of the multi-step graph. */
export const STEPS = 'steps';
export const LEARNING_RATES = 'learning_rates';
export const FIRST_STEP = 'first_step';
export const LOSSES = 'losses';
export const GRAD_NORMS = 'grad_norms';
/** The [steps, …] input that holds every step's batch for batch input `name`. */
export const stackedName = (name: string) => `${name}__steps`;

export interface MultiStepSpec {
  /** Per-step inputs of the train step (token ids, masks, labels, or frozen-prefix features). */
  batchInputs: string[];
  /** Weights and optimizer state: train-step inputs whose "<name>_new" outputs feed the next step. */
  carried: string[];
  /** The train step's loss output. */
  loss: string;
}

/**
 * `step` (a fused train-step model) → a model running `steps` train steps in one Loop. Inputs: STEPS (int64 scalar),
 * stackedName(x) for each batch input ([steps, …x]), LEARNING_RATES ([steps]), FIRST_STEP (the 1-based number of the
 * first step), and the carried weights/state under their own names. Outputs: "<name>_new" after the last step,
 * LOSSES and GRAD_NORMS ([steps]).
 */
export function multiStepModel(step: Model, spec: MultiStepSpec): Model {
  const g = step.graph;
  const info = (name: string): ValueInfo => {
    const v = g.inputs.find((i) => i.name === name);
    if (!v) throw new Error(`multi-step: the train step has no input "${name}"`);
    return v;
  };
  const lr = info(LEARNING_RATE);
  const carried = new Set(spec.carried);
  // Loop bodies may not redefine outer names (SSA across scopes): the body gets its own names for the carried values.
  const inner = (k: string) => `${k}__in`;
  const next = (k: string) => `${k}__next`;

  const body = emptyGraph(`${g.name}_body`);
  body.inputs.push({ name: 'iteration', dtype: 'int64', shape: [] }, { name: 'cond_in', dtype: 'bool', shape: [] });
  for (const k of spec.carried) body.inputs.push({ ...info(k), name: inner(k) });
  const scalar = (name: string) => ({ name, dtype: 'int64' as DType, shape: [] });
  let n = 0;
  const node = (opType: string, inputs: string[], output: string, attrs = {}) => body.nodes.push({ opType, domain: '', name: `multistep_${opType}_${n++}`, inputs, outputs: [output], attrs });
  // This iteration's batch, learning rate and step number, under the names the train step reads.
  for (const x of spec.batchInputs) node('Gather', [stackedName(x), 'iteration'], x, { axis: int(0) });
  node('Gather', [LEARNING_RATES, 'iteration'], LEARNING_RATE, { axis: int(0) });
  node('Add', [FIRST_STEP, 'iteration'], STEP);
  // Carried inputs read the loop's values; "<name>_new" (also read inside the step, e.g. the new moment by the update)
  // becomes the body's own name, or it would resolve to the Loop's outer output and close a cycle.
  const rename = (v: string) => (carried.has(v) ? inner(v) : v.endsWith('_new') && carried.has(v.slice(0, -4)) ? next(v.slice(0, -4)) : v);
  for (const s of g.nodes) body.nodes.push({ ...s, inputs: s.inputs.map(rename), outputs: s.outputs.map(rename), attrs: { ...s.attrs } });
  node('Identity', ['cond_in'], 'cond_out');
  const gradNorm = g.outputs.find((o) => o.name === GRAD_NORM);
  if (!gradNorm) throw new Error(`multi-step: the train step has no "${GRAD_NORM}" output`);
  const loss = g.outputs.find((o) => o.name === spec.loss);
  if (!loss) throw new Error(`multi-step: the train step has no "${spec.loss}" output`);
  body.outputs.push({ name: 'cond_out', dtype: 'bool', shape: [] });
  for (const k of spec.carried) body.outputs.push({ ...info(k), name: next(k) });
  body.outputs.push({ ...loss, shape: [] }, { ...gradNorm, shape: [] });

  const outer = emptyGraph(`${g.name}_multi`);
  outer.initializers = new Map(g.initializers);
  outer.inputs.push(scalar(STEPS));
  for (const x of spec.batchInputs) outer.inputs.push({ ...info(x), name: stackedName(x), shape: [STEPS, ...info(x).shape] });
  outer.inputs.push({ ...lr, name: LEARNING_RATES, shape: [STEPS] }, scalar(FIRST_STEP));
  for (const k of spec.carried) outer.inputs.push(info(k));
  outer.nodes.push({
    opType: 'Loop', domain: '', name: 'train_steps', inputs: [STEPS, '', ...spec.carried],
    outputs: [...spec.carried.map((k) => `${k}_new`), LOSSES, GRAD_NORMS], attrs: { body: graphAttr(body) },
  });
  for (const k of spec.carried) outer.outputs.push({ ...info(k), name: `${k}_new` });
  outer.outputs.push({ ...loss, name: LOSSES, shape: [STEPS] }, { ...gradNorm, name: GRAD_NORMS, shape: [STEPS] });
  return { ...step, graph: outer };
}
