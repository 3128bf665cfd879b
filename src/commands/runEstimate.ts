// What a run will cost before it starts: parameters (total and trainable, per phase), memory, disk and time. Pure, so
// the quick-pick summary (fineTune.ts confirmAndStart) and the "New fine-tune" form show the same numbers, and tests
// check them. Time comes only from a measured probe (probeRun.ts): without one there is no time, never a guess.
import { modelParameters, type HeadKind } from '../models/arch/parameters';
import { readModelSpec, type ModelSpec } from '../models/modelSpec';
import { resolveSetFitSettings, type SetFitOptions } from '../training/setfit/settings';
import { docStrideFor, resolveArgs, type TrainingArgs } from '../training/hyperparameters';
import { planParameters, roleOf } from '../training/parameterGroups';
import { STRATEGIES, type StrategyId } from '../training/strategies';
import type { RunTask } from '../training/protocol';
import { adapterParamCount, adapterShapes, loraConfigFor, loraPlanFor, usesLora, type LoraModel } from './loraPreview';

export interface ParamShape {
  name: string;
  shape: readonly number[];
}

/** What a probe measured (probeRun.ts), or why it could not. */
export type ProbeOutcome =
  | {
    ok: true;
    /** Steady training throughput after the first (warm-up) step: examples (SetFit body: pairs) per second. */
    samplesPerSecond: number;
    device: string;
    trainRows: number;
    evalRows: number;
    /** Seconds of the feature-extraction encoding passes (training + validation), as the worker logged them. */
    encodeSeconds?: number;
  }
  | { ok: false; reason: string };

export interface EstimateInput {
  strategy: StrategyId;
  settings: Readonly<Record<string, unknown>>;
  numLayers: number;
  hiddenSize: number;
  params: readonly ParamShape[];
  /** Rows of the training / validation splits (the probe's numbers win when it ran). */
  trainRows?: number;
  evalRows?: number;
  /** Examples per class in the training data (SetFit's pair count depends on classes with a single example). */
  classCounts?: readonly number[];
  probe?: ProbeOutcome;
  /** The model's spec and the head trained: under LoRA the adapted modules are resolved against them. */
  model?: LoraModel;
}

export interface PhaseEstimate {
  /** "epoch 1", "encoding pass", "body (contrastive pairs)", ... */
  label: string;
  /** Epochs of this phase (0 for a pass that is not an epoch of training, such as encoding). */
  epochs: number;
  trainable: number;
  /** Examples (or pairs) the phase trains on per epoch; undefined where the rows are not known yet. */
  samplesPerEpoch?: number;
  seconds?: number;
  /** How the phase's time was obtained, when it is not a direct measurement. */
  note?: string;
}

export interface RunEstimate {
  args: TrainingArgs;
  setfit?: SetFitOptions;
  total: number;
  phases: PhaseEstimate[];
  /** The largest trainable count of any phase (what memory and checkpoints must hold). */
  maxTrainable: number;
  memoryBytes: number;
  diskBytes: number;
  /** Sum of the phases' seconds; undefined without a measured probe. */
  seconds?: number;
  /** Why there is no time (probe not run, failed: with its reason). */
  timeProblem?: string;
  /** Under LoRA: the adapters (r · (in + out) per adapted module) and what they sit on. */
  lora?: { rank: number; alpha: number; modules: number; adapterParams: number; targets: string };
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Memory for weights (+ gradients and AdamW moments of trainable ones) and activations, in bytes. A rough guide. */
export function estimateMemory(total: number, trainable: number, layers: number, hidden: number, batch: number, seq: number): number {
  const weights = 4 * total + 12 * trainable;
  const activations = 4 * batch * seq * hidden * layers * 24;
  return weights + activations;
}

/**
 * Relative cost of one example's training step when back-propagation reaches down to `depth` of `layers` layers
 * (0: the head only; layers + 1: the embeddings too): one forward pass plus about two passes' worth of backward per
 * layer reached. Gradual unfreezing's later phases are scaled from the measured first one with this.
 */
export function stepCost(depth: number, layers: number): number {
  return 1 + (2 * Math.min(depth, layers + 1)) / Math.max(1, layers + 1);
}

/** How far down the trainable set reaches: 0 head/pooler only, numLayers − i for layer i, numLayers + 1 embeddings. */
function backpropDepth(trainable: readonly string[], numLayers: number): number {
  let depth = 0;
  for (const n of trainable) {
    const r = roleOf(n);
    if (r.kind === 'layer') depth = Math.max(depth, numLayers - r.index);
    else if (r.kind === 'embeddings') depth = numLayers + 1;
  }
  return depth;
}

/** setfit's sentence_pairs_generation count (setfitPairs.ts): per iteration and example one negative, one positive if its class has another example. */
export function setfitPairCount(classCounts: readonly number[], iterations: number): number {
  return iterations * classCounts.reduce((s, c) => s + c * (c > 1 ? 2 : 1), 0);
}

export function estimateRun(input: EstimateInput): RunEstimate {
  const { strategy, numLayers } = input;
  const split = strategy === 'setfit' ? resolveSetFitSettings(input.settings) : { args: resolveArgs(input.settings), setfit: undefined };
  const { args, setfit } = split;
  const names = input.params.map((p) => p.name);
  // Under LoRA the adapters are parameters of the run (frozen W + B·A): counted in the total, as PEFT counts them.
  const lora = input.model && usesLora(strategy, args.adapter) ? loraConfigFor(input.model, input.params, strategy, args) : undefined;
  const sizes = new Map([...input.params, ...(lora ? adapterShapes(lora) : [])].map((p) => [p.name, count(p.shape)]));
  const sum = (ns: readonly string[]) => ns.reduce((s, n) => s + (sizes.get(n) ?? 0), 0);
  const total = sum([...sizes.keys()]);
  const strategyOptions = (epoch: number) => ({ epoch, freezeLayers: args.freezeLayers, layerDecay: args.layerDecay, unfreezeSchedule: args.unfreezeSchedule });
  const planFor = (epoch: number) => (lora ? loraPlanFor(lora, input.params, numLayers, strategy, strategyOptions(epoch)) : planParameters(names, numLayers, strategy, strategyOptions(epoch)));

  const probe = input.probe?.ok ? input.probe : undefined;
  const trainRows = probe?.trainRows ?? input.trainRows;
  const evalRows = probe?.evalRows ?? input.evalRows ?? 0;
  const rate = probe && probe.samplesPerSecond > 0 ? probe.samplesPerSecond : undefined;
  const phases: PhaseEstimate[] = [];
  // The examples an epoch trains on; maxSteps (HF max_steps) replaces the epochs as the runner does.
  const stepsPerEpoch = trainRows === undefined ? undefined : Math.max(1, Math.ceil(Math.ceil(trainRows / args.batchSize) / args.gradientAccumulationSteps));
  const totalSteps = stepsPerEpoch === undefined ? undefined : args.maxSteps > 0 ? args.maxSteps : Math.ceil(args.epochs * stepsPerEpoch);
  const epochsRun = args.maxSteps > 0 && totalSteps !== undefined && stepsPerEpoch !== undefined ? totalSteps / stepsPerEpoch : args.epochs;
  const timeOf = (samples: number | undefined, scale = 1) => (rate !== undefined && samples !== undefined ? (samples * scale) / rate : undefined);
  // Evaluation after each epoch: forward passes only, about a third of a training step per example.
  const evalSecondsPerEpoch = rate !== undefined ? evalRows / (3 * rate) : undefined;

  if (strategy === 'setfit' && setfit) {
    const bodyTrainable = sum(names.filter((n) => roleOf(n).kind !== 'head'));
    const pairs = input.classCounts ? setfitPairCount(input.classCounts, args.setfitIterations) : trainRows !== undefined ? 2 * trainRows * args.setfitIterations : undefined;
    if (setfit.bodyEpochs > 0) {
      phases.push({ label: 'body (contrastive pairs)', epochs: setfit.bodyEpochs, trainable: bodyTrainable, samplesPerEpoch: pairs, seconds: timeOf(pairs === undefined ? undefined : pairs * setfit.bodyEpochs) });
    }
    const headParams = (input.classCounts?.length ?? 2) * (input.hiddenSize + 1);
    if (setfit.head === 'logistic') {
      // One embedding pass over the training and validation examples, then L-BFGS on the embeddings (negligible).
      phases.push({ label: `logistic head (C ${setfit.headC})`, epochs: 0, trainable: headParams, samplesPerEpoch: trainRows, seconds: timeOf(trainRows === undefined ? undefined : trainRows + evalRows, 1 / 3), note: 'one embedding pass, a third of a training step per example' });
    } else {
      phases.push({
        label: `differentiable head${setfit.endToEnd ? ' (end to end)' : ''}`, epochs: setfit.headEpochs, trainable: setfit.endToEnd ? bodyTrainable + headParams : headParams,
        samplesPerEpoch: trainRows, seconds: timeOf(trainRows === undefined ? undefined : trainRows * setfit.headEpochs),
      });
    }
  } else if (strategy === 'feature-extraction') {
    const trainable = sum(planFor(0).trainable);
    // The frozen encoder runs once over every training and validation example; the head then trains on the cache.
    const encodeSeconds = probe?.encodeSeconds ?? timeOf(trainRows === undefined ? undefined : trainRows + evalRows, 1 / 3);
    phases.push({ label: 'encoding pass (frozen encoder, once)', epochs: 0, trainable: 0, samplesPerEpoch: trainRows === undefined ? undefined : trainRows + evalRows, seconds: encodeSeconds, note: probe?.encodeSeconds !== undefined ? undefined : 'estimated: a third of a training step per example' });
    const samples = totalSteps !== undefined ? Math.min(totalSteps * args.batchSize * args.gradientAccumulationSteps, epochsRun * (trainRows ?? 0)) : undefined;
    phases.push({ label: 'head training (cached features)', epochs: epochsRun, trainable, samplesPerEpoch: trainRows, seconds: timeOf(samples) });
  } else if (strategy === 'gradual-unfreezing') {
    const epochs = Math.ceil(epochsRun);
    const firstCost = stepCost(backpropDepth(planFor(0).trainable, numLayers), numLayers);
    for (let e = 0; e < epochs; e++) {
      const plan = planFor(e);
      const part = Math.min(1, epochsRun - e);
      const cost = stepCost(backpropDepth(plan.trainable, numLayers), numLayers);
      const train = timeOf(trainRows === undefined ? undefined : trainRows * part, cost / firstCost);
      phases.push({
        label: `epoch ${e + 1}`, epochs: part, trainable: sum(plan.trainable), samplesPerEpoch: trainRows,
        seconds: train === undefined ? undefined : train + evalSecondsPerEpoch!, note: e > 0 ? 'scaled from the measured first epoch by the depth back-propagation reaches' : undefined,
      });
    }
  } else {
    const trainable = sum(planFor(0).trainable);
    const samples = trainRows === undefined ? undefined : epochsRun * trainRows;
    const train = timeOf(samples);
    const label = STRATEGIES[strategy].title.toLowerCase() + (lora && strategy !== 'lora' ? ' + LoRA' : '');
    phases.push({ label, epochs: epochsRun, trainable, samplesPerEpoch: trainRows, seconds: train === undefined ? undefined : train + evalSecondsPerEpoch! * Math.ceil(epochsRun) });
  }

  const maxTrainable = Math.max(0, ...phases.map((p) => p.trainable));
  const memoryBytes = estimateMemory(total, maxTrainable, numLayers, input.hiddenSize, args.batchSize, args.maxLength);
  // Checkpoints hold every weight plus AdamW's two moments of the trainable ones; the last K and the best are kept.
  const checkpoint = 4 * total + 8 * maxTrainable;
  const distinctPhases = strategy === 'gradual-unfreezing' ? new Set(phases.map((p) => p.trainable)).size : 1;
  const featureCache = strategy === 'feature-extraction' && trainRows !== undefined ? 4 * (trainRows + evalRows) * args.maxLength * input.hiddenSize : 0;
  // The training and eval graphs of each phase embed the frozen weights; the export holds the weights once more.
  const diskBytes = (args.saveTotalLimit + 1) * checkpoint + distinctPhases * 2 * 4 * total + 4 * total + featureCache;

  const times = phases.map((p) => p.seconds);
  const seconds = times.every((t): t is number => t !== undefined) ? times.reduce((a, b) => a + b, 0) : undefined;
  const timeProblem = seconds !== undefined
    ? undefined
    : input.probe && !input.probe.ok
      ? `Training speed could not be measured: ${input.probe.reason}`
      : 'Training speed not measured yet (run the probe to time a few steps).';
  const loraFacts = lora && {
    rank: lora.rank, alpha: lora.alpha, modules: lora.modules.length, adapterParams: adapterParamCount(lora),
    targets: typeof lora.targetModules === 'string' ? lora.targetModules : lora.targetModules.join(', '),
  };
  return { args, setfit, total, phases, maxTrainable, memoryBytes, diskBytes, seconds, timeProblem, ...(loraFacts ? { lora: loraFacts } : {}) };
}

export function formatDuration(s: number): string {
  return s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;

/**
 * What the estimate assumes for a token task, in words: the trainer cuts a long sentence or context into overlapping
 * windows, each one a training example, and counting them needs the tokenizer over the whole file; the estimate
 * counts one window per sentence (NER) or question (QA), which holds while they fit in max length.
 */
export function windowNote(task: RunTask | undefined, args: TrainingArgs): string | undefined {
  if (task === 'token-classification') {
    return `Examples counted as one window per sentence: a sentence longer than ${args.maxLength} tokens adds windows (${args.stride} tokens of overlap), so the run may take longer.`;
  }
  if (task === 'question-answering') {
    return `Examples counted as one window per question: a context longer than ${args.maxLength} tokens with its question adds windows (${docStrideFor(args, args.maxLength)} tokens of overlap), so the run may take longer.`;
  }
  return undefined;
}

/** The estimate in lines of text: the quick-pick summary's modal detail and the form's estimate section. */
export function estimateLines(e: RunEstimate, strategy: StrategyId, probe?: ProbeOutcome, task?: RunTask): string[] {
  const lines: string[] = [];
  if (e.phases.length === 1 || new Set(e.phases.filter((p) => p.trainable > 0).map((p) => p.trainable)).size === 1) {
    const t = e.phases.find((p) => p.trainable > 0)?.trainable ?? 0;
    lines.push(`Trainable parameters: ${t.toLocaleString('en-US')} of ${e.total.toLocaleString('en-US')} (${pct(t, e.total)})`);
  } else {
    lines.push(`Trainable parameters of ${e.total.toLocaleString('en-US')}: ${e.phases.map((p) => `${p.label} ${p.trainable.toLocaleString('en-US')} (${pct(p.trainable, e.total)})`).join(' · ')}`);
  }
  if (e.lora) {
    const l = e.lora;
    lines.push(`LoRA r=${l.rank} α=${l.alpha} on ${l.modules} module${l.modules === 1 ? '' : 's'} (${l.targets}): ${l.adapterParams.toLocaleString('en-US')} adapter parameters; the head trains fully`);
  }
  lines.push(`Estimated memory: ${mb(e.memoryBytes)} · disk: about ${mb(e.diskBytes)}${e.lora ? ' (AdamW state for the trainable parameters only)' : ''}`);
  if (e.seconds !== undefined && probe?.ok) {
    const parts = e.phases.map((p) => `${p.label}${p.epochs > 0 ? ` ${formatEpochs(p.epochs)}` : ''} ${formatDuration(p.seconds!)}`);
    lines.push(`Measured ${probe.samplesPerSecond.toFixed(1)} ${strategy === 'setfit' ? 'pairs' : 'samples'}/s on ${probe.device}: about ${formatDuration(e.seconds)} in all (${parts.join(' + ')}) for ${probe.trainRows} training examples`);
  } else {
    lines.push(e.timeProblem!);
  }
  const a = e.args;
  const epochsText = e.setfit
    ? `body ${e.setfit.bodyEpochs} epoch(s) × ${a.setfitIterations} pair iteration(s) · ${e.setfit.head === 'logistic' ? `logistic head (C ${e.setfit.headC})` : `head ${e.setfit.headEpochs} epoch(s)`}`
    : a.maxSteps > 0 ? `${a.maxSteps} steps` : `${a.epochs} epochs`;
  lines.push(`lr ${a.learningRate} · ${epochsText} · batch ${a.batchSize} · max length ${a.maxLength} · warmup ${a.warmupRatio * 100}% · weight decay ${a.weightDecay}`);
  const note = windowNote(task, a);
  if (note) lines.push(note);
  return lines;
}

const formatEpochs = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2)} epoch${n === 1 ? '' : 's'}`;


/**
 * The model facts an estimate needs, read from the model folder (config.json) for the head the strategy and the task
 * train. `numLabels`: the data's label count (NER: its IOB2 tags) when known, else config.json's.
 */
export function modelFacts(
  modelDir: string, strategy: StrategyId, readSpec: (dir: string) => ModelSpec = readModelSpec, task: RunTask = 'classification', numLabels?: number,
): Pick<EstimateInput, 'numLayers' | 'hiddenSize' | 'params' | 'model'> {
  const read = readSpec(modelDir);
  const spec = numLabels === undefined || task === 'question-answering' ? read : { ...read, numLabels };
  const head: HeadKind = strategy === 'mlm' ? 'masked-lm' : strategy === 'setfit' ? 'sentence-embedding' : task === 'classification' ? 'sequence-classification' : task;
  return { numLayers: spec.numLayers, hiddenSize: spec.hiddenSize, params: modelParameters(spec, head), model: { spec, head } };
}
