// A SetFit run, top to bottom (setfit's Trainer.train): contrastive pairs from the few labelled examples, the
// sentence-embedding body fine-tuned with the cosine-similarity loss, then a classification head on the embeddings,
// evaluation and export. run.ts sets the run up (lease, folder, record, log, device) and calls it for
// `strategy: 'setfit'`; same run folder and protocol messages as the general trainer.
import { detectDataTask } from '../../data/taskShape';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ortTypes from 'onnxruntime-node';
import { collate, makeBatches, planBatches, type TokenizedExample } from '../../data/batching';
import { graphInputNames, buildForwardModel } from '../../models/arch/forward';
import { modelParameters } from '../../models/arch/parameters';
import { readModelSpec, type ModelSpec } from '../../models/modelSpec';
import { loadTokenizer } from '../../models/tokenizer';
import { poolingModes, readSentenceTransformerLayout, sourcePooler } from '../../models/sentenceTransformerLayout';
import { loadWeights } from '../../models/weights';
import { checkVocabulary, largestIdIn, largestTokenId } from '../../models/vocabCheck';
import { openWeightSource } from '../../models/weightSource';
import { Rng } from '../../util/rng';
import { generateArtifacts, type TrainPlan } from '../artifacts/generateArtifacts';
import { TrainingSession } from '../artifacts/session';
import { describeClassWeights, resolveClassWeights, type ResolvedClassWeights } from '../classWeights';
import { checkArgsForTask, type TrainingArgs } from '../hyperparameters';
import { recordedSettings, usesLora } from '../lora/loraChoice';
import { isAdapterFolder } from '../lora/adapterFolder';
import { modelToBytes } from '../../onnx/serialize';
import { prepareData, type PreparedData } from '../prepareData';
import type { RunConfig } from '../protocol';
import { appendMetrics, latestCheckpoint, writeRun } from '../runStore';
import { runDiskUsage } from '../runDiskUsage';
import type { OpenRun, Trainer, TrainingHooks } from '../trainer';
import { generatePairs } from '../setfitPairs';
import { trainingSessionOptions } from '../worker/sessionOptions';
import { evaluate, sessionLogits, type EvalResult } from '../worker/evaluate';
import { collapseNote } from '../worker/predictionCollapse';
import { evaluateTestSplit } from '../worker/testSplit';
import { FeatureCache, perExampleFrontier } from '../worker/featureCache';
import { inputFeeds, labelFeed } from '../worker/feeds';
import { readRunCheckpoint, writeRunCheckpoint, type TrainerState } from '../worker/runCheckpoint';
import { resolveWarmupSteps, type ScheduleOptions } from '../worker/schedules';
import { tokenizeFnFor } from '../worker/tokenize';
import { EMBEDDING, HEAD_BIAS, HEAD_WEIGHT, buildSetFitClassifier, initLinearHead } from './classifierGraph';
import { runPerExample } from './embed';
import { exportSetFit } from './exportSetFit';
import { writeModelCardOrWarn } from '../modelCard/modelCard';
import { fitLogisticRegression, l2Normalize, type LinearHead } from './logisticRegression';
import { pairBatchesForEpoch, pairFeeds } from './pairBatches';
import { resolveSetFitSettings, type SetFitOptions } from './settings';
import { trainPhase, type PhaseBatch } from './trainPhase';

type Ort = typeof ortTypes;

function singleLabels(config: RunConfig, data: PreparedData): string[] {
  const space = data.labels!;
  if (space.kind !== 'string' && space.kind !== 'int') {
    throw new Error(`${config.data}: SetFit trains single-label classifiers; this dataset's labels are ${space.kind === 'multi' ? 'multi-label' : 'numeric scores'}. Use full fine-tuning for it.`);
  }
  if (space.names.length < 2) throw new Error(`${config.data}: only one class ("${space.names[0]}") occurs in the training data; a classifier needs at least two.`);
  return space.names;
}

function schedule(args: TrainingArgs, baseLr: number, totalSteps: number): ScheduleOptions {
  return {
    name: args.scheduler, baseLr, totalSteps, warmupSteps: resolveWarmupSteps(totalSteps, args.warmupSteps, args.warmupRatio),
    numCycles: args.numCycles, power: args.power, lrEnd: args.lrEnd,
  };
}

function adamw(args: TrainingArgs): TrainPlan['optimizer'] {
  return args.optimizer === 'adamw'
    ? { kind: 'adamw', beta1: args.adamBeta1, beta2: args.adamBeta2, eps: args.adamEpsilon, weightDecay: args.weightDecay }
    : { kind: 'sgd', momentum: args.momentum, weightDecay: args.weightDecay };
}

/** SetFit's trainer; run.ts calls it for `strategy: 'setfit'`. */
export const trainSetFit: Trainer = async ({ config, resumed, ort, device, log, hooks }) => {
  const { args, setfit: requested } = resolveSetFitSettings(config.settings);
  // A body whose modules.json ends in Normalize embeds unit vectors: sentence-transformers' encode() (what setfit fits
  // its head on) normalises whatever normalize_embeddings says, so the head here sees the same.
  const sourceLayout = readSentenceTransformerLayout(config.model);
  const setfit: SetFitOptions = { ...requested, normalize: requested.normalize || (sourceLayout?.normalize ?? false) };
  // Few-shot runs are small: the thread count is the setting's (or ORT's default), not timed as in runTraining.
  const sessionOptions = trainingSessionOptions(device.executionProvider, args.threads);

  // ---- model, tokenizer, data ---------------------------------------------------------------------------------------
  const spec: ModelSpec = readModelSpec(config.model);
  const tokenizer = await loadTokenizer(config.model, spec);
  const maxLength = Math.min(args.maxLength, tokenizer.maxLength);
  usesLora(config, args, isAdapterFolder(config.model) ? { dir: config.model } : undefined);
  const task = config.task ?? (await detectDataTask(config.data)).task;
  if (task !== 'classification') {
    throw new Error(`${config.data}: SetFit trains a sentence classifier; this data is for ${task === 'token-classification' ? 'token classification (NER)' : 'extractive question answering'}. Choose another strategy (full fine-tuning, feature extraction, ...).`);
  }
  const data = await prepareData(config.data, { mapping: config.mapping, tokenize: tokenizeFnFor(tokenizer, maxLength), maxLength, seed: args.seed, limits: config.dataLimits });
  for (const w of data.warnings) log(w, 'warn');
  const labels = singleLabels(config, data);
  checkArgsForTask(args, { task: 'single-label', numLayers: spec.numLayers });
  checkVocabulary({ modelDir: config.model, vocabSize: spec.vocabSize, tokenizerMaxId: largestTokenId(tokenizer.vocab), dataFile: config.data, dataMaxId: Math.max(largestIdIn(data.train), largestIdIn(data.validation), largestIdIn(data.test)) });
  const trainLabels = data.train.map((e) => e.label as number);
  // The head's loss only: the contrastive body phase trains on pairs, where a class weight has no meaning (as in setfit).
  const weights = resolveClassWeights(args.classWeights, { kind: 'single-label', labels, trainLabels });
  if (weights) log(`${describeClassWeights(weights)} (the ${setfit.head} head's loss; the contrastive body phase is unweighted)`);
  // The body as sentence-transformers holds it: bare encoder names, no pooler, no task head.
  const weightSource = openWeightSource(config.model);
  const loaded = loadWeights(weightSource, spec, 'sentence-embedding', { seed: args.seed });
  const body = loaded.tensors;
  const pooler = sourcePooler(weightSource, spec);
  const bodyParams = modelParameters(spec, 'sentence-embedding').map((p) => p.name);
  const inputNames = graphInputNames(spec);
  const padId = tokenizer.padTokenId;
  const headLr = args.headLearningRate ?? args.learningRate;

  // ---- pairs, steps -------------------------------------------------------------------------------------------------
  const pairs = generatePairs(trainLabels, args.setfitIterations, new Rng(args.seed));
  const pairBatchesPerEpoch = Math.ceil(pairs.length / args.batchSize);
  const bodySteps = setfit.bodyEpochs * pairBatchesPerEpoch;
  const headBatchesPerEpoch = Math.ceil(data.train.length / args.batchSize);
  const headSteps = setfit.head === 'differentiable' ? setfit.headEpochs * headBatchesPerEpoch : 0;
  const totalSteps = bodySteps + headSteps;

  return {
    modelType: spec.modelType, totalSteps, threads: args.threads, settings: recordedSettings({ ...config.settings, ...args, ...setfitSettings(setfit) }, false, false),
    classWeights: weights && { kind: weights.kind, source: weights.source, byLabel: weights.byLabel },
    dataset: { files: data.files, labels, labelSpace: data.labels, trainRows: data.train.length, evalRows: data.validation.length, splits: data.splits },
    train,
  };

  async function train({ runDir, record }: OpenRun): Promise<void> {
    if (sourceLayout?.normalize && !requested.normalize) log(`${config.model}/modules.json ends in Normalize: embeddings are L2-normalised before the head, as sentence-transformers does`);
    const modes = sourceLayout?.pooling ? poolingModes(sourceLayout.pooling) : [];
    if (modes.length && !(modes.length === 1 && modes[0] === 'mean')) {
      log(`${config.model} pools with ${modes.join(' + ')}; SetFit here trains and exports mean pooling (the export's Pooling config says mean)`, 'warn');
    }
    log(`SetFit: ${data.train.length} examples (${labels.map((l, k) => `${l} ${trainLabels.filter((y) => y === k).length}`).join(', ')}) → ${pairs.length} pairs ` +
      `(${args.setfitIterations} iteration(s)); body ${setfit.bodyEpochs} epoch(s) × ${pairBatchesPerEpoch} step(s) of ${args.batchSize} pairs at lr ${args.learningRate}; ` +
      `${setfit.head} head${setfit.head === 'differentiable' ? ` ${setfit.headEpochs} epoch(s) at lr ${headLr}${setfit.endToEnd ? ', end to end' : ''}` : ` (C ${setfit.headC})`}; ` +
      `evaluate on ${data.validation.length} validation`);

    const state: TrainerState = { step: 0, epoch: 0, microInEpoch: 0, best: undefined, badEvals: 0, touched: [], trainSeconds: 0, samplesSeen: 0 };
    const cancelled = async () => {
      record.status = 'cancelled';
      writeRun(runDir, record);
      hooks.emit({ type: 'done', runDir, status: 'cancelled' });
    };

    // ---- phase 1: contrastive fine-tuning of the body -----------------------------------------------------------------
    const bodyCheckpoint = resumed ? latestCheckpoint(runDir) : undefined;
    if (bodyCheckpoint) {
      const r = readRunCheckpoint(bodyCheckpoint);
      for (const [k, v] of r.weights) body.set(k, v);
      Object.assign(state, r.state);
      log(`resuming after the body phase from ${path.basename(bodyCheckpoint)} (step ${state.step})`);
    } else if (bodySteps > 0) {
      if (resumed) log('no checkpoint was written before the run stopped: the body phase starts again');
      const dir = path.join(runDir, 'artifacts', 'body');
      const plan: TrainPlan = { trainable: bodyParams, loss: { kind: 'cosine-similarity' }, prediction: EMBEDDING, optimizer: adamw(args), maxGradNorm: args.maxGradNorm };
      generateArtifacts(buildForwardModel(spec, body, { head: 'sentence-embedding', training: args.dropout }), plan, dir);
      const session = await TrainingSession.open(dir, { sessionOptions });
      const r = await trainPhase({
        phase: 'body', session, runDir, hooks, seed: args.seed, epochs: setfit.bodyEpochs, schedule: schedule(args, args.learningRate, bodySteps),
        stepOffset: 0, totalSteps, epochOffset: 0, loggingSteps: args.loggingSteps,
        batches: (epoch) => pairBatchesForEpoch(pairs, args.batchSize, args.seed, epoch).map((b) => pairFeeds(data.train, b, inputNames, padId)),
      });
      await session.toHost();
      for (const [k, v] of session.weights()) body.set(k, Float32Array.from(v));
      await session.release();
      state.trainSeconds += r.seconds;
      state.samplesSeen += r.samples;
      if (r.cancelled) return cancelled();
      state.step = r.steps;
      state.epoch = setfit.bodyEpochs;
      state.touched = bodyParams;
      writeRunCheckpoint(runDir, state, body, new Map());
      record.step = state.step;
      writeRun(runDir, record);
      hooks.emit({ type: 'checkpoint', step: state.step, path: latestCheckpoint(runDir)!, best: false });
    } else {
      log('setfitBodyEpochs is 0: the encoder stays frozen (feature extraction with a logistic head)');
    }

    // ---- phase 2: the classification head ----------------------------------------------------------------------------
    const encoder = await ort.InferenceSession.create(modelToBytes(buildForwardModel(spec, body, { head: 'sentence-embedding' })), sessionOptions);
    const embedTrain = (await runPerExample(encoder, EMBEDDING, data.train, padId)).data;
    await encoder.release();
    const features = setfit.normalize ? l2Normalize(embedTrain, spec.hiddenSize) : embedTrain;
    const evalBatches = makeBatches(data.validation, { batchSize: args.evalBatchSize, bucket: true, padId });
    let lastEval: EvalResult | undefined;
    const runEval = async (head: LinearHead, step: number, epoch: number): Promise<void> => {
      if (!data.validation.length) return;
      const s = await ort.InferenceSession.create(modelToBytes(buildSetFitClassifier(spec, body, head, { normalize: setfit.normalize })), sessionOptions);
      try {
        lastEval = await evaluate(sessionLogits(s), evalBatches, 'single-label', labels);
      } finally {
        await s.release();
      }
      appendMetrics(runDir, { type: 'eval', step, epoch, metrics: lastEval.metrics, perClass: lastEval.perClass, confusion: lastEval.confusion });
      hooks.emit({ type: 'eval', step, epoch, metrics: lastEval.metrics });
      const collapsed = collapseNote(lastEval.perClass, 'single-label', step, weights !== undefined);
      if (collapsed) log(collapsed, 'warn');
      const acc = lastEval.metrics.accuracy;
      if (!record.bestMetric || acc > record.bestMetric.value) record.bestMetric = { name: 'accuracy', value: acc, step };
    };

    let head: LinearHead;
    if (setfit.head === 'logistic') {
      const t0 = performance.now();
      const fit = fitLogisticRegression(features, trainLabels, labels.length, { c: setfit.headC, classWeights: weights?.weights });
      state.trainSeconds += (performance.now() - t0) / 1000;
      head = fit.head;
      log(`logistic head: ${fit.converged ? 'converged' : 'stopped without converging'} after ${fit.iterations} L-BFGS iteration(s), objective ${fit.objective.toFixed(6)}`);
      await runEval(head, state.step, setfit.bodyEpochs);
    } else {
      const r = await trainDifferentiableHead({ ort, spec, body, data, trainLabels, labels, args, setfit, weights, sessionOptions, runDir, hooks, inputNames, padId, headLr, stepOffset: state.step, totalSteps, runEval });
      state.trainSeconds += r.seconds;
      state.samplesSeen += r.samples;
      if (r.cancelled) return cancelled();
      state.step += r.steps;
      head = r.head;
    }

    // ---- test (once, on the final head; never selects), export, summary ---------------------------------------------
    let testMetrics: Record<string, number> | undefined;
    if (data.test.length) {
      testMetrics = await evaluateTestSplit({
        ort, model: modelToBytes(buildSetFitClassifier(spec, body, head, { normalize: setfit.normalize })), sessionOptions, task: 'single-label', labels, runDir, record,
        step: state.step, batches: makeBatches(data.test, { batchSize: args.evalBatchSize, bucket: true, padId }), source: data.splits.test.source, log,
      });
    }
    const modelDir = path.join(runDir, 'model');
    exportSetFit({ sourceDir: config.model, outDir: modelDir, spec, body, head, headKind: setfit.head, labels, normalize: setfit.normalize, maxLength, sourceLayout, pooler });
    const bytes = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
    const trainable = (setfit.bodyEpochs > 0 || setfit.endToEnd ? modelParameters(spec, 'sentence-embedding').reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0) : 0) + head.weight.length + head.bias.length;
    const total = modelParameters(spec, 'sentence-embedding').reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0) + head.weight.length + head.bias.length;
    appendMetrics(runDir, {
      type: 'summary', trainSeconds: state.trainSeconds, samplesPerSecond: state.samplesSeen / Math.max(state.trainSeconds, 1e-9),
      inferenceMsPerExample: lastEval && lastEval.examples ? (1000 * lastEval.seconds) / lastEval.examples : undefined,
      modelBytes: bytes(path.join(modelDir, 'onnx', 'model.onnx')), diskBytes: runDiskUsage(runDir).total, trainableParams: trainable, totalParams: total, finalMetrics: lastEval?.metrics, stopReason: 'completed',
    });
    record.status = 'completed';
    record.step = state.step;
    writeRun(runDir, record);
    writeModelCardOrWarn(runDir, log);
    hooks.emit({ type: 'done', runDir, status: 'completed', bestMetric: record.bestMetric, ...(testMetrics ? { testMetrics } : {}) });
  }
};

interface HeadPhaseInput {
  ort: Ort;
  spec: ModelSpec;
  body: Map<string, Float32Array>;
  data: PreparedData;
  trainLabels: number[];
  labels: string[];
  args: TrainingArgs;
  setfit: SetFitOptions;
  weights?: ResolvedClassWeights;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
  runDir: string;
  hooks: TrainingHooks;
  inputNames: string[];
  padId: number;
  headLr: number;
  stepOffset: number;
  totalSteps: number;
  runEval(head: LinearHead, step: number, epoch: number): Promise<void>;
}

/**
 * setfit's differentiable head: a linear layer on the (normalised) embeddings trained with cross-entropy, the body
 * frozen (its embeddings computed once) or, end to end, trained along at the body learning rate.
 */
async function trainDifferentiableHead(o: HeadPhaseInput): Promise<{ head: LinearHead; cancelled: boolean; steps: number; seconds: number; samples: number }> {
  const { spec, body, data, args, setfit } = o;
  const init = initLinearHead(o.labels.length, spec.hiddenSize, (() => {
    const rng = new Rng((args.seed ^ 0x4ead) >>> 0);
    return () => rng.next();
  })());
  const bodyParams = modelParameters(spec, 'sentence-embedding').map((p) => p.name);
  const headParams = [HEAD_WEIGHT, HEAD_BIAS];
  const trainable = setfit.endToEnd ? [...bodyParams, ...headParams] : headParams;
  // End to end the base lr is the body's and the head runs at its own lr through a multiplier; head-only, the head lr is the base.
  const baseLr = setfit.endToEnd ? args.learningRate : o.headLr;
  const lrMultipliers = setfit.endToEnd ? { [HEAD_WEIGHT]: o.headLr / args.learningRate, [HEAD_BIAS]: o.headLr / args.learningRate } : undefined;
  const loss = { kind: 'cross-entropy', classWeights: o.weights?.weights } as const;
  const plan: TrainPlan = { trainable, lrMultipliers, loss, optimizer: adamw(args), maxGradNorm: args.maxGradNorm };
  const dir = path.join(o.runDir, 'artifacts', 'head');
  const dropout = setfit.endToEnd && args.dropout;
  generateArtifacts(buildSetFitClassifier(spec, body, init, { normalize: setfit.normalize, training: dropout }), plan, dir);
  const session = await TrainingSession.open(dir, { sessionOptions: o.sessionOptions });
  const fp = session.manifest.frozenPrefix;
  // Head only: the frozen encoder's embeddings are the same every epoch, so they are computed once.
  const cache = !setfit.endToEnd && fp?.cacheable && perExampleFrontier(fp.outputs) ? await FeatureCache.build(session, data.train, o.inputNames, o.padId) : undefined;
  const currentHead = (): LinearHead => ({
    weight: Float32Array.from(session.params.get(HEAD_WEIGHT)!.data as Float32Array), bias: Float32Array.from(session.params.get(HEAD_BIAS)!.data as Float32Array),
    classes: o.labels.length, dim: spec.hiddenSize,
  });
  const steps = setfit.headEpochs * Math.ceil(data.train.length / args.batchSize);
  const r = await trainPhase({
    phase: 'head', session, runDir: o.runDir, hooks: o.hooks, seed: args.seed, epochs: setfit.headEpochs, schedule: schedule(args, baseLr, steps),
    stepOffset: o.stepOffset, totalSteps: o.totalSteps, epochOffset: setfit.bodyEpochs, loggingSteps: args.loggingSteps,
    batches: (epoch) => planBatches(data.train.map((e) => e.ids.length), { batchSize: args.batchSize, bucket: true, seed: args.seed + epoch * 7919 }).map((ix): PhaseBatch => {
      const batch = collate(data.train, ix, { padId: o.padId });
      const feeds = cache ? cache.feeds(ix) : inputFeeds(batch, o.inputNames);
      return { feeds: { ...feeds, labels: labelFeed(loss, batch.labels, o.labels.length) }, sentences: batch.size, realTokens: batch.realTokens };
    }),
    afterEpoch: async (epoch, step) => {
      // Evaluation reads the session's current weights; end to end the body moved too.
      await session.toHost();
      if (setfit.endToEnd) for (const [k, v] of session.weights()) if (!headParams.includes(k)) body.set(k, Float32Array.from(v));
      await o.runEval(currentHead(), step, setfit.bodyEpochs + epoch + 1);
    },
  });
  await session.toHost();
  const head = currentHead();
  if (setfit.endToEnd) for (const [k, v] of session.weights()) if (!headParams.includes(k)) body.set(k, Float32Array.from(v));
  await session.release();
  return { head, cancelled: r.cancelled, steps: r.steps, seconds: r.seconds, samples: r.samples };
}

function setfitSettings(s: SetFitOptions): Record<string, unknown> {
  return { setfitHead: s.head, setfitBodyEpochs: s.bodyEpochs, setfitHeadEpochs: s.headEpochs, setfitEndToEnd: s.endToEnd, setfitNormalize: s.normalize, setfitHeadC: s.headC };
}

export type { TokenizedExample };
