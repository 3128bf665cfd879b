// generateArtifacts(forward, plan, outDir): the training-artifact compiler, mirroring ORT's generate_artifacts.
//
// Files written (names are fixed; manifest.json lists every input/output so the runtime never guesses):
//   frozen_prefix.onnx    batch → the values where the frozen part of the forward graph meets the trainable part
//                         (the "frontier"). Its outputs are constant per example: cache them (feature extraction).
//   training_model.onnx   frontier + labels + trainable params → loss, prediction, "<param>_grad"
//                         (with accumulation: also takes "<param>_grad_in" and adds it, so micro-batches sum on the fly)
//   eval_model.onnx       frontier + labels + trainable params → loss, prediction
//   optimizer_model.onnx  params, "<param>_grad", state, learning_rate, step, grad_scale → "<name>_new", grad_norm
//   train_step.onnx       the fused graph: training_model + optimizer in one run (no accumulation)
//                         (training graphs with Dropout also take DROPOUT_SEED: their masks are hashed, hashedDropout.ts;
//                         eval_model runs Dropout in inference mode)
//   checkpoint/           initial weights and zero optimizer state (step 0), see checkpoint.ts
//
// Separate vs fused (measured, see README.md in this folder): the fused graph saves one session run and one round
// trip of every gradient through JS per step; separate graphs are needed for gradient accumulation. Both are emitted
// and session.ts uses the fused one whenever the plan accumulates over a single micro-batch.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addGradients } from '../autodiff/backward';
import { closestNames } from '../../util/closestNames';
import { GraphBuilder } from '../../onnx/builder';
import { DType, Graph, Model, Node, OpsetImport, TensorData, ValueInfo, allocData, cloneGraph, defaultOpset, isDefaultDomain, numElements } from '../../onnx/ir';
import { saveModel } from '../../onnx/serialize';
import { inferTypes } from '../../onnx/shapes';
import { upgradeToOpset13 } from '../../onnx/upgradeOpset';
import { saveCheckpoint } from './checkpoint';
import { DROPOUT_SEED, dropoutIndex, hashDropout, inferenceDropout } from './hashedDropout';
import { LossSpec, addLoss } from './losses';
import { GRAD_NORM, GRAD_SCALE, LEARNING_RATE, OptimizerSpec, ParamSpec, STEP, addOptimizerStep, stateNames } from './optimizers';

export interface TrainPlan {
  /** Names of the parameters (initializers of the forward graph) to train; everything else stays frozen. */
  trainable: string[];
  /** lr multiplier per parameter (layer-wise decay); missing entries are 1. */
  lrMultipliers?: Record<string, number>;
  loss: LossSpec;
  /** The forward output the loss reads (default "logits", else the first output). */
  prediction?: string;
  optimizer: OptimizerSpec;
  /** Global gradient-norm clipping (HF default 1.0); 0 disables. */
  maxGradNorm?: number;
  /** Micro-batches per optimizer step (HF gradient_accumulation_steps); default 1. */
  gradientAccumulation?: number;
}

export const FILES = {
  frozenPrefix: 'frozen_prefix.onnx',
  training: 'training_model.onnx',
  eval: 'eval_model.onnx',
  optimizer: 'optimizer_model.onnx',
  trainStep: 'train_step.onnx',
  checkpoint: 'checkpoint',
  manifest: 'manifest.json',
} as const;

export interface ArtifactManifest {
  version: 1;
  plan: TrainPlan;
  params: { name: string; dtype: DType; shape: number[]; lrMultiplier: number }[];
  /** Optimizer state tensor names (same shapes as their parameters), in parameter order. */
  state: { name: string; param: string }[];
  loss: string;
  prediction: string;
  /** Batch inputs of the whole pipeline (what a data loader must provide), including labels. */
  batchInputs: ValueInfo[];
  labelInputs: ValueInfo[];
  frozenPrefix?: {
    file: string;
    inputs: ValueInfo[];
    outputs: ValueInfo[];
    /** False when the prefix contains randomness (training-mode Dropout): its outputs must not be cached. */
    cacheable: boolean;
  };
  /** Inputs of training/eval models that are not params or grads (frontier values, raw inputs, labels). */
  modelInputs: ValueInfo[];
  gradSuffix: '_grad';
  gradInSuffix: '_grad_in';
  newSuffix: '_new';
  accumulation: number;
  /** Parameters the loss does not depend on (their gradient is zero). */
  unreachedParams: string[];
  /**
   * The int64 scalar input the training graphs (and a frozen prefix with Dropout) read their Dropout masks from, when
   * they have Dropout: feed one value per micro-batch (worker/dropoutSeeds.ts) and the masks follow from it alone.
   */
  dropoutSeed?: string;
  files: typeof FILES;
}

function checkTrainable(forward: Graph, plan: TrainPlan): void {
  if (plan.trainable.length === 0) throw new Error('training plan: no trainable parameters (choose at least the head)');
  const available = [...forward.initializers.keys()].filter((k) => {
    const t = forward.initializers.get(k)!;
    return (t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16') && t.dims.length > 0;
  });
  const set = new Set(available);
  for (const p of plan.trainable) {
    if (!set.has(p)) {
      const near = closestNames(p, available);
      const hint = near.length ? `closest names: ${near.map((c) => `"${c}"`).join(', ')}` : `no parameter has a similar name; the model's parameters start ${available.slice(0, 3).map((c) => `"${c}"`).join(', ')}, …`;
      throw new Error(`training plan: "${p}" is not a parameter of the model; ${hint}`);
    }
  }
  const dup = plan.trainable.find((p, i) => plan.trainable.indexOf(p) !== i);
  if (dup) throw new Error(`training plan: parameter "${dup}" is listed twice`);
  const acc = plan.gradientAccumulation ?? 1;
  if (!Number.isInteger(acc) || acc < 1) throw new Error(`training plan: gradientAccumulation must be a positive integer, got ${acc}`);
}

const RANDOM_OPS = new Set(['Dropout', 'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'Multinomial']);

function isRandom(n: Node): boolean {
  if (!RANDOM_OPS.has(n.opType)) return false;
  // Dropout without training_mode (or with a false one) is the identity.
  return n.opType !== 'Dropout' || (n.inputs[2] ?? '') !== '';
}

interface Partition {
  prefix: Graph | undefined;
  body: Graph;
  cacheable: boolean;
}

/**
 * Splits the forward graph where the frozen, input-dependent part meets the trainable part.
 * Nodes that depend on neither a graph input nor a trainable parameter (constant folding material) stay in the body.
 */
function partition(forward: Graph, trainable: Set<string>, types: ReturnType<typeof inferTypes>): Partition {
  const dependsOnParam = new Set<string>(trainable);
  const dependsOnInput = new Set<string>(forward.inputs.map((v) => v.name));
  const producer = new Map<string, Node>();
  for (const n of forward.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    if (n.inputs.some((x) => dependsOnParam.has(x))) n.outputs.forEach((o) => dependsOnParam.add(o));
    if (n.inputs.some((x) => dependsOnInput.has(x))) n.outputs.forEach((o) => dependsOnInput.add(o));
  }
  const inPrefix = (n: Node) => !n.outputs.some((o) => dependsOnParam.has(o)) && n.outputs.some((o) => dependsOnInput.has(o));
  const bodyNodes = forward.nodes.filter((n) => !inPrefix(n));
  const frontier: string[] = [];
  const seen = new Set<string>();
  const graphOutputs = new Set(forward.outputs.map((o) => o.name));
  const consider = (x: string) => {
    const p = producer.get(x);
    if (x && p && inPrefix(p) && !seen.has(x)) {
      seen.add(x);
      frontier.push(x);
    }
  };
  for (const n of bodyNodes) n.inputs.forEach(consider);
  for (const o of graphOutputs) consider(o);

  const body = cloneGraph(forward);
  body.nodes = body.nodes.filter((n) => !inPrefix(n));
  if (frontier.length === 0) return { prefix: undefined, body, cacheable: true };

  // Prefix: the ancestors of the frontier.
  const need = new Set(frontier);
  const prefixNodes: Node[] = [];
  // Constant subgraphs (e.g. a transposed frozen weight) are copied into the prefix as well as kept in the body.
  const isStatic = (n: Node) => !n.outputs.some((o) => dependsOnParam.has(o) || dependsOnInput.has(o));
  for (let i = forward.nodes.length - 1; i >= 0; i--) {
    const n = forward.nodes[i];
    if ((inPrefix(n) || isStatic(n)) && n.outputs.some((o) => need.has(o))) {
      prefixNodes.unshift(n);
      n.inputs.forEach((x) => need.add(x));
    }
  }
  // Frontier values become graph inputs, which need a dtype and a rank; where inference cannot tell them
  // (an op it does not know), the graph is not split: correct, only without the cacheable prefix.
  if (frontier.some((v) => !types.get(v)?.shape)) return { prefix: undefined, body: cloneGraph(forward), cacheable: true };
  const info = (name: string): ValueInfo => ({ name, dtype: types.get(name)!.dtype, shape: types.get(name)!.shape! });
  const prefix: Graph = {
    name: `${forward.name}_frozen_prefix`,
    nodes: prefixNodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
    inputs: forward.inputs.filter((v) => need.has(v.name)),
    outputs: frontier.map(info),
    initializers: new Map([...forward.initializers].filter(([k]) => need.has(k))),
    valueInfo: [],
  };
  // The body reads the frontier as inputs; raw inputs it still uses stay inputs.
  const bodyUses = new Set(body.nodes.flatMap((n) => n.inputs).concat([...graphOutputs]));
  body.inputs = [...forward.inputs.filter((v) => bodyUses.has(v.name)), ...frontier.map(info)];
  return { prefix, body, cacheable: !prefixNodes.some(isRandom) };
}

/** Drops nodes that no graph output depends on (constant subgraphs the prefix took over, unused heads). */
function pruneDeadNodes(g: Graph): void {
  const live = new Set(g.outputs.map((o) => o.name));
  const kept: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (n.outputs.some((o) => live.has(o))) {
      kept.push(n);
      n.inputs.forEach((x) => live.add(x));
    }
  }
  g.nodes = kept.reverse();
}

/** Drops initializers no node reads (frozen weights that now live only in the prefix). */
function pruneInitializers(g: Graph): void {
  const used = new Set(g.nodes.flatMap((n) => n.inputs).concat(g.outputs.map((o) => o.name)));
  for (const k of [...g.initializers.keys()]) if (!used.has(k)) g.initializers.delete(k);
}

function opsetsFor(forward: Model, graphs: Graph[]): OpsetImport[] {
  // Backward graphs use ScatterND(reduction=add) (opset 16) and Shape(start) (15): lift older models to 17,
  // whose semantics for every op used here are unchanged since 13.
  const version = Math.max(defaultOpset(forward), 17);
  const imports: OpsetImport[] = [{ domain: '', version }];
  const domains = new Set(graphs.flatMap((g) => g.nodes.map((n) => n.domain)).filter((d) => !isDefaultDomain(d)));
  for (const d of domains) imports.push({ domain: d, version: forward.opsetImports.find((o) => o.domain === d)?.version ?? 1 });
  return imports;
}

function zerosLike(t: TensorData): TensorData {
  return { dtype: t.dtype, dims: [...t.dims], data: allocData(t.dtype, numElements(t.dims)) };
}

/** Compiles training artifacts for `forward` under `plan` into `outDir`; returns the manifest (also written). */
export interface ArtifactOptions {
  /**
   * Write checkpoint/ with the initial weights and zero optimizer state (default). The trainer keeps both in memory
   * and opens sessions with TrainingSessionOptions.initial instead: for bert-large the folder would be 4 GB of copies.
   */
  checkpoint?: boolean;
}

export function generateArtifacts(original: Model, plan: TrainPlan, outDir: string, opts: ArtifactOptions = {}): ArtifactManifest {
  const forward = upgradeToOpset13(original);
  const fwd = cloneGraph(forward.graph);
  checkTrainable(fwd, plan);
  const opset = Math.max(defaultOpset(forward), 17);
  const types = inferTypes(fwd, defaultOpset(forward));
  const predictionName = plan.prediction ?? (fwd.outputs.some((o) => o.name === 'logits') ? 'logits' : fwd.outputs[0]?.name);
  const pred = fwd.outputs.find((o) => o.name === predictionName);
  if (!pred) throw new Error(`training plan: prediction "${plan.prediction}" is not an output of the model; outputs: ${fwd.outputs.map((o) => `"${o.name}"`).join(', ')}`);
  fwd.outputs = [pred];
  const trainable = new Set(plan.trainable);
  const params: ParamSpec[] = plan.trainable.map((name) => {
    const t = fwd.initializers.get(name)!;
    return { name, dtype: t.dtype, shape: [...t.dims], lrMultiplier: plan.lrMultipliers?.[name] ?? 1 };
  });
  const initial = new Map(plan.trainable.map((p) => [p, fwd.initializers.get(p)!]));

  // Dropout nodes are numbered before the split, so a node hashes the same whichever side of it it lands on.
  const dropouts = dropoutIndex(fwd);
  const { prefix, body, cacheable } = partition(fwd, trainable, types);
  if (prefix) pruneInitializers(prefix);
  if (prefix) hashDropout(prefix, { index: dropouts, types });

  // Trainable weights become inputs.
  for (const p of params) {
    body.initializers.delete(p.name);
    body.inputs.push({ name: p.name, dtype: p.dtype, shape: p.shape });
  }
  const b = new GraphBuilder(body, { copy: false });
  const predInfo = types.get(pred.name);
  const head = addLoss(b, plan.loss, { name: pred.name, dtype: predInfo?.dtype ?? pred.dtype, shape: predInfo?.shape ?? pred.shape });
  const LOSS = 'loss';
  b.op('Identity', [head.loss], {}, { output: LOSS });
  body.outputs = [{ name: LOSS, dtype: pred.dtype, shape: [] }, pred];
  pruneDeadNodes(body);
  pruneInitializers(body);

  const evalGraph = cloneGraph(body);
  evalGraph.name = `${forward.graph.name}_eval`;
  inferenceDropout(evalGraph);
  hashDropout(body, { index: dropouts, types });
  const modelInputs = body.inputs.filter((v) => !trainable.has(v.name));

  const training = cloneGraph(body);
  training.name = `${forward.graph.name}_training`;
  const { grads, unreached } = addGradients(training, { loss: LOSS, wrt: plan.trainable, opset });
  if (unreached.length === params.length) {
    throw new Error(`training plan: none of the trainable parameters (${plan.trainable.slice(0, 3).join(', ')}${plan.trainable.length > 3 ? ', …' : ''}) influences "${pred.name}"; train parameters of the head or of layers below it`);
  }
  const tb = new GraphBuilder(training, { copy: false });
  const accumulation = plan.gradientAccumulation ?? 1;
  for (const p of params) {
    const gradOut = `${p.name}_grad`;
    if (accumulation > 1) {
      const gin = tb.input(`${p.name}_grad_in`, p.dtype, p.shape);
      tb.op('Add', [grads.get(p.name)!, gin], {}, { output: gradOut });
    } else {
      tb.op('Identity', [grads.get(p.name)!], {}, { output: gradOut });
    }
    training.outputs.push({ name: gradOut, dtype: p.dtype, shape: p.shape });
  }

  // Optimizer graph.
  const ob = new GraphBuilder(`${forward.graph.name}_optimizer`);
  const dt = params[0].dtype;
  const lr = ob.input(LEARNING_RATE, dt, []);
  const step = ob.input(STEP, 'int64', []);
  const gradScale = ob.input(GRAD_SCALE, dt, []);
  const stateList = params.flatMap((p) => stateNames(plan.optimizer, p.name).map((s) => ({ name: s, param: p.name })));
  const pIn = new Map(params.map((p) => [p.name, ob.input(p.name, p.dtype, p.shape)]));
  const gIn = new Map(params.map((p) => [p.name, ob.input(`${p.name}_grad`, p.dtype, p.shape)]));
  const shapeOf = new Map(params.map((p) => [p.name, p]));
  const sIn = new Map(stateList.map((s) => [s.name, ob.input(s.name, dt, shapeOf.get(s.param)!.shape)]));
  // The step's last nodes write "<name>_new" themselves (no Identity copy); exposeStep declares them as outputs.
  const outputName = (k: string) => `${k}_new`;
  const step1 = addOptimizerStep(ob, plan.optimizer, params, { params: pIn, grads: gIn, state: sIn, learningRate: lr, step, gradScale, outputName }, plan.maxGradNorm ?? 1);
  const exposeStep = (g: GraphBuilder, out: typeof step1) => {
    for (const p of params) g.output(outputName(p.name), p.dtype, p.shape);
    for (const s of stateList) g.output(outputName(s.name), dt, shapeOf.get(s.param)!.shape);
    g.op('Identity', [out.gradNorm], {}, { output: GRAD_NORM });
    g.output(GRAD_NORM, dt, []);
  };
  exposeStep(ob, step1);
  const optimizer = ob.build();

  // Fused train step: forward + backward + optimizer in one graph.
  const fused = cloneGraph(body);
  fused.name = `${forward.graph.name}_train_step`;
  const { grads: fusedGrads } = addGradients(fused, { loss: LOSS, wrt: plan.trainable, opset });
  const fb = new GraphBuilder(fused, { copy: false });
  const flr = fb.input(LEARNING_RATE, dt, []);
  const fstep = fb.input(STEP, 'int64', []);
  const fsIn = new Map(stateList.map((s) => [s.name, fb.input(s.name, dt, shapeOf.get(s.param)!.shape)]));
  const fout = addOptimizerStep(fb, plan.optimizer, params, { params: new Map(params.map((p) => [p.name, p.name])), grads: fusedGrads, state: fsIn, learningRate: flr, step: fstep, outputName }, plan.maxGradNorm ?? 1);
  exposeStep(fb, fout);

  const opsets = opsetsFor(forward, [body, training, optimizer, fused, ...(prefix ? [prefix] : [])]);
  const model = (graph: Graph): Model => ({ graph, opsetImports: opsets, irVersion: Math.max(forward.irVersion, 8), producerName: 'finetune-studio', metadata: { plan: JSON.stringify(plan) } });
  fs.mkdirSync(outDir, { recursive: true });
  if (prefix) saveModel(model(prefix), path.join(outDir, FILES.frozenPrefix));
  saveModel(model(training), path.join(outDir, FILES.training));
  saveModel(model(evalGraph), path.join(outDir, FILES.eval));
  saveModel(model(optimizer), path.join(outDir, FILES.optimizer));
  saveModel(model(fused), path.join(outDir, FILES.trainStep));

  if (opts.checkpoint ?? true) {
    const checkpointTensors = new Map<string, TensorData>();
    for (const p of params) checkpointTensors.set(p.name, initial.get(p.name)!);
    for (const s of stateList) checkpointTensors.set(s.name, zerosLike(initial.get(s.param)!));
    saveCheckpoint(path.join(outDir, FILES.checkpoint), checkpointTensors, { step: 0, params: plan.trainable, state: stateList.map((s) => s.name), plan });
  }

  const batchInputs = [...new Map([...(prefix?.inputs ?? []), ...modelInputs.filter((v) => !prefix?.outputs.some((o) => o.name === v.name))].map((v) => [v.name, v])).values()];
  const manifest: ArtifactManifest = {
    version: 1,
    plan,
    params: params.map((p) => ({ name: p.name, dtype: p.dtype, shape: p.shape, lrMultiplier: p.lrMultiplier ?? 1 })),
    state: stateList,
    loss: LOSS,
    prediction: pred.name,
    batchInputs,
    labelInputs: head.labelInputs,
    frozenPrefix: prefix ? { file: FILES.frozenPrefix, inputs: prefix.inputs, outputs: prefix.outputs, cacheable } : undefined,
    modelInputs,
    gradSuffix: '_grad',
    gradInSuffix: '_grad_in',
    newSuffix: '_new',
    accumulation,
    unreachedParams: unreached,
    ...(batchInputs.some((v) => v.name === DROPOUT_SEED) ? { dropoutSeed: DROPOUT_SEED } : {}),
    files: FILES,
  };
  fs.writeFileSync(path.join(outDir, FILES.manifest), JSON.stringify(manifest, null, 2));
  return manifest;
}

