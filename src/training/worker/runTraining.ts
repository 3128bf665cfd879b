// The general trainer, top to bottom (in the spirit of nanoGPT's train.py): the model, the data and the artifacts,
// then the loop over epochs and steps with the LR schedule, evaluation, checkpoints, early stopping, and finally the
// export. run.ts sets up what every run shares (lease, folder, record, log, device) and calls it; it talks only
// through `hooks`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ortTypes from 'onnxruntime-node';
import { collate, makeBatches, planBatches, type Batch, type TokenizedExample } from '../../data/batching';
import { buildForwardModel, graphInputNames } from '../../models/arch/forward';
import { basePrefix, modelParameters, type HeadKind } from '../../models/arch/parameters';
import { exportModel } from '../../models/export';
import { readModelSpec, withLabels, type ModelSpec, type ProblemType } from '../../models/modelSpec';
import { loadTokenizer } from '../../models/tokenizer';
import { loadWeights } from '../../models/weights';
import { checkVocabulary, largestIdIn, largestTokenId } from '../../models/vocabCheck';
import { openWeightSource } from '../../models/weightSource';
import { Rng } from '../../util/rng';
import { generateArtifacts, type TrainPlan } from '../artifacts/generateArtifacts';
import type { LossSpec } from '../artifacts/losses';
import { TrainingSession } from '../artifacts/session';
import { describeClassWeights, resolveClassWeights, type ResolvedClassWeights, type WeightedTask } from '../classWeights';
import { checkArgsForTask, resolveArgs, SettingsError, type TrainingArgs } from '../hyperparameters';
import { detectDataTask } from '../../data/taskShape';
import { prepareNerData, prepareQaData, type TokenTaskData } from '../tokenTasks/tokenTaskData';
import { nerEvaluator, qaEvaluator, type BatchEvaluator } from './tokenTaskEval';
import { nerHeadPlan, type NerHeadPlan } from '../tokenTasks/nerHead';
import { assertFiniteLoss } from '../lossCheck';
import { maskTokens } from '../mlmMasking';
import { modelToBytes } from '../../onnx/serialize';
import { planParameters } from '../parameterGroups';
import { prepareData, type PreparedData } from '../prepareData';
import type { RunConfig, RunTask, StopReason } from '../protocol';
import { appendMetrics, checkpointPath, latestCheckpoint, pruneCheckpoints, writeRun } from '../runStore';
import { describeDiskUsage, runDiskUsage } from '../runDiskUsage';
import type { OpenRun, Trainer } from '../trainer';
import { chooseCpuThreads, trainingSessionOptions } from './sessionOptions';
import { dropoutSeedFeed } from './dropoutSeeds';
import { waitWhilePaused } from './pauseGate';
import { lrGroupMultipliers } from '../lrGroups';
import { collateGroup, groupLength, stepsPerRunFor } from './stepGroups';
import { evalModelWithWeightInputs } from './evalGraph';
import { evaluate, sessionLogits, type EvalResult, type LogitsOf, type TaskKind } from './evaluate';
import { collapseNote } from './predictionCollapse';
import { evaluateTestSplit } from './testSplit';
import { FeatureCache, perExampleFrontier } from './featureCache';
import { inputFeeds, labelFeed, type Feeds } from './feeds';
import { learningRate, resolveWarmupSteps, type ScheduleOptions } from './schedules';
import { readRunCheckpoint, writeRunCheckpoint, type TrainerState } from './runCheckpoint';
import { tokenizeFnFor } from './tokenize';
import { cacheRepoId } from '../../models/modelFolderName';
import { resolveHubCacheDir } from '../../hub/cacheLocation';
import { defaultFreezeLayers } from '../parameterGroups';
import type { Model } from '../../onnx/ir';
import type { ForwardOptions } from '../../models/arch/forward';
import { exportAdapter, isAdapterFolder, readAdapterFolder, resolveAdapterBase, type AdapterFolder } from '../lora/adapterFolder';
import { initialAdapters, isSavedParam, loraScaling, mergedWeights, resolveLoraConfig, type LoraConfig } from '../lora/loraConfig';
import { addLoraAdapters, loraAName, loraBName } from '../lora/loraGraph';
import { adaptedLayers, planLoraParameters } from '../lora/loraPlan';
import { LORA_DEFAULT_LR, recordedSettings, usesLora } from '../lora/loraChoice';
import { linearModules } from '../lora/loraTargets';
import { writeModelCardOrWarn } from '../modelCard/modelCard';
import { paddedExamples, shardBatches } from '../distributed/distributedSampler';
import { gradientAverager } from '../distributed/gradientAverager';
import { cudaDeviceFor, threadsPerRank } from '../distributed/launchEnv';
import { assertSameStart, compareWithRankZero, fromRankZero, sumOverRanks, weightsFingerprint } from '../distributed/rankAgreement';


interface Task {
  head: HeadKind;
  loss: LossSpec;
  kind: TaskKind;
  labels: string[];
  problemType?: ProblemType;
  /** The loss weights (classWeights resolved on the training split), or undefined when unweighted. */
  weights?: ResolvedClassWeights;
  /** Token tasks: how the validation and test windows are scored (mapped back to words / answers). */
  evaluators?: { validation: BatchEvaluator; test: BatchEvaluator };
}

/** Token tasks train without class weights: a per-tag or per-position weight is not what "classWeights" means. */
function refuseClassWeights(args: TrainingArgs, what: string): void {
  if (args.classWeights !== undefined && args.classWeights !== 'none') {
    throw new SettingsError(`"classWeights" weighs classes of a sequence classifier; this run trains ${what}: remove the setting or set it to "none".`);
  }
}

function tokenTaskFor(data: TokenTaskData, args: TrainingArgs): Task {
  if (data.task === 'token-classification') {
    refuseClassWeights(args, 'token classification (NER)');
    if (data.tags.length < 2) throw new Error(`${data.files[0]}: every word is tagged "${data.tags[0]}"; token classification needs at least one entity type (B-/I- tags).`);
    return {
      head: 'token-classification', loss: { kind: 'cross-entropy', labelSmoothing: args.labelSmoothing }, kind: 'token-classification', labels: data.tags,
      evaluators: { validation: nerEvaluator(data.eval.validation, data.tags), test: nerEvaluator(data.eval.test, data.tags) },
    };
  }
  refuseClassWeights(args, 'extractive question answering');
  const o = { version2: data.version2, nBestSize: args.nBestSize, maxAnswerLength: args.maxAnswerLength, nullScoreDiffThreshold: args.nullScoreDiffThreshold };
  return {
    head: 'question-answering', loss: { kind: 'span' }, kind: 'question-answering', labels: [],
    evaluators: { validation: qaEvaluator(data.eval.validation, o), test: qaEvaluator(data.eval.test, o) },
  };
}

function taskFor(config: RunConfig, data: PreparedData, args: TrainingArgs): Task {
  const weightsFor = (kind: WeightedTask['kind'], labels: string[]) => resolveClassWeights(args.classWeights, { kind, labels, trainLabels: data.train.map((e) => e.label!) });
  if (config.strategy === 'mlm') {
    // Called only to refuse a classWeights setting that cannot apply (regression below too).
    weightsFor('masked-lm', []);
    return { head: 'masked-lm', loss: { kind: 'masked-lm' }, kind: 'masked-lm', labels: [] };
  }
  const space = data.labels!;
  if (space.kind === 'multi') {
    const weights = weightsFor('multi-label', space.names);
    return { head: 'sequence-classification', loss: { kind: 'bce-with-logits', posWeight: weights?.weights }, kind: 'multi-label', labels: space.names, problemType: 'multi_label_classification', weights };
  }
  if (space.kind === 'float') {
    weightsFor('regression', ['score']);
    return { head: 'sequence-classification', loss: { kind: 'mse' }, kind: 'regression', labels: ['score'], problemType: 'regression' };
  }
  if (space.names.length < 2) throw new Error(`${config.data}: only one class ("${space.names[0]}") occurs in the training data; a classifier needs at least two.`);
  const weights = weightsFor('single-label', space.names);
  return {
    head: 'sequence-classification', loss: { kind: 'cross-entropy', labelSmoothing: args.labelSmoothing, classWeights: weights?.weights }, kind: 'single-label', labels: space.names,
    problemType: 'single_label_classification', weights,
  };
}

/** The metric early stopping and "best checkpoint" follow, by task. */
function primaryMetric(task: Task, args: TrainingArgs): { name: string; mode: 'max' | 'min' } {
  if (args.earlyStopping) return { name: args.earlyStopping.metric, mode: args.earlyStopping.mode };
  if (task.kind === 'single-label' || task.kind === 'multi-label') return { name: 'macroF1', mode: 'max' };
  // Entity F1 (seqeval's default mode) and SQuAD's token-overlap F1: what the HF examples select on.
  if (task.kind === 'token-classification' || task.kind === 'question-answering') return { name: 'f1', mode: 'max' };
  return { name: 'loss', mode: 'min' };
}

/** One micro-batch's part of the loop: trained by a single run or as one step of a group. */
interface StepOutcome {
  batch: Batch;
  lr: number;
  loss: number;
  gradNorm?: number;
  /** Whether an optimizer step happened (not inside an accumulation window), and the step count after it. */
  stepped: boolean;
  step: number;
  /** Wall time of this micro-batch's share of its run, collation included. */
  seconds: number;
}

/** The general trainer (classification, regression, NER, extractive QA, MLM) for every strategy but SetFit; run.ts calls it. */
export const trainModel: Trainer = async ({ config, resumed, ort, device, log, hooks, dataParallel: dp }) => {
  const args = resolveArgs(config.settings);
  // threads 0 on the CPU: timed on the first batch once the model is built (only the CPU provider uses the pool). A
  // resumed run keeps the count it chose: another count sums in another order, and resuming must be exact.
  const carriedThreads = resumed?.device.executionProvider === device.executionProvider ? resumed.device.threads : undefined;
  let threads = (args.threads ?? 0) > 0 ? args.threads : carriedThreads;
  if (dp && threads === undefined && device.executionProvider === 'cpu') {
    threads = threadsPerRank(dp.env.localWorldSize);
    log(`data-parallel: ${threads} CPU thread(s) per rank (${dp.env.localWorldSize} rank(s) share this machine's cores; set "threads" to choose)`);
  }
  /** Ranks training together (1: alone), this one's rank, and whether it writes the run folder (rank 0 or alone). */
  const ranks = dp?.env.worldSize ?? 1;
  const rank = dp?.env.rank ?? 0;
  const writer = !dp || dp.isWriter;
  const cuda = dp && device.executionProvider === 'cuda' ? cudaDeviceFor(dp.env.localRank) : undefined;
  if (cuda) log(`data-parallel: CUDA device ${cuda.device} (${cuda.reason})`);
  let sessionOptions = trainingSessionOptions(device.executionProvider, threads, cuda?.device);

  // ---- model, tokenizer, data ---------------------------------------------------------------------------------------
  // A PEFT adapter folder as the model: its base model, with the adapter's LoRA configuration and saved tensors on top.
  const adapterIn = isAdapterFolder(config.model) ? readAdapterFolder(config.model) : undefined;
  const modelDir = adapterIn ? await resolveAdapterBase(adapterIn, resolveHubCacheDir()) : config.model;
  const lora = usesLora(config, args, adapterIn);
  if (lora && config.settings?.learningRate === undefined) {
    args.learningRate = LORA_DEFAULT_LR;
    log(`LoRA: learningRate not set, using ${LORA_DEFAULT_LR} (adapters start at zero; full fine-tuning's 2e-5 hardly moves them)`);
  }
  const baseSpec = readModelSpec(modelDir);
  const tokenizer = await loadTokenizer(modelDir, baseSpec);
  const maxLength = Math.min(args.maxLength, tokenizer.maxLength);
  const runTask: RunTask = config.strategy === 'mlm' ? 'classification' : config.task ?? (await detectDataTask(config.data)).task;
  let headPlan: NerHeadPlan | undefined;
  const orderTags = (tags: string[]) => (headPlan = nerHeadPlan(baseSpec.id2label, tags)).tags;
  const tokenData = runTask === 'classification' ? undefined
    : await (runTask === 'token-classification' ? prepareNerData : prepareQaData)(config.data, { tokenizer, args, maxLength, labelNames: config.labelNames, orderTags });
  const data: PreparedData = tokenData ?? await prepareData(config.data, {
    mapping: config.mapping, tokenize: tokenizeFnFor(tokenizer, maxLength), maxLength, seed: args.seed, unlabeled: config.strategy === 'mlm', limits: config.dataLimits,
  });
  for (const w of data.warnings) log(w, 'warn');
  const task = tokenData ? tokenTaskFor(tokenData, args) : taskFor(config, data, args);
  checkArgsForTask(args, { task: task.kind, numLayers: baseSpec.numLayers });
  checkVocabulary({ modelDir, vocabSize: baseSpec.vocabSize, tokenizerMaxId: largestTokenId(tokenizer.vocab), dataFile: config.data, dataMaxId: Math.max(largestIdIn(data.train), largestIdIn(data.validation), largestIdIn(data.test)) });
  if (task.weights) log(describeClassWeights(task.weights));
  // QA heads have two outputs (start, end): HF's default num_labels and LABEL_0/LABEL_1, whatever the base checkpoint had.
  const spec: ModelSpec = task.head === 'sequence-classification' || task.head === 'token-classification' ? withLabels(baseSpec, task.labels, task.problemType)
    : task.head === 'question-answering' ? withLabels(baseSpec, ['LABEL_0', 'LABEL_1'], undefined) : baseSpec;
  if (headPlan?.note) log(headPlan.note);
  const loaded = loadWeights(openWeightSource(modelDir), spec, task.head, { seed: args.seed, ignoreMismatchedHead: true, newHead: headPlan?.newHead });
  const loraConfig = lora ? setUpLora() : undefined;

  /** Resolves the LoRA configuration on the model, and puts the adapters' starting values (drawn, or the adapter folder's) in the weights. */
  function setUpLora(): LoraConfig {
    const params = modelParameters(spec, task.head);
    const paramNames = params.map((p) => p.name);
    const linear = linearModules(buildForwardModel(spec, loaded.tensors, { head: task.head }).graph);
    const fromFolder = adapterIn && {
      loraRank: adapterIn.rank, loraAlpha: adapterIn.alpha, loraDropout: adapterIn.dropout, useRslora: adapterIn.useRslora,
      loraTargetModules: adapterIn.targetModules, loraModulesToSave: adapterIn.modulesToSave.filter((m) => paramNames.some((n) => isSavedParam(n, [m]))), freezeLayers: args.freezeLayers,
    };
    const c = resolveLoraConfig({
      spec, head: task.head, paramNames, initialised: loaded.initialised, base: basePrefix(spec.family), linear, args: fromFolder || args,
      layers: adapterIn ? adapterIn.layersToTransform : adaptedLayers(config.strategy, spec.numLayers, args.freezeLayers ?? defaultFreezeLayers(spec.numLayers)),
    });
    for (const a of initialAdapters(c, args.seed)) {
      loaded.tensors.set(loraAName(a.module), a.a);
      loaded.tensors.set(loraBName(a.module), a.b);
    }
    if (adapterIn) restoreAdapter(adapterIn, c, new Map(params.map((p) => [p.name, p.shape])));
    const perModule = c.modules.reduce((s, m) => s + c.rank * (m.inFeatures + m.outFeatures), 0);
    log(`LoRA: r ${c.rank}, alpha ${c.alpha} (scaling ${loraScaling(c).toPrecision(4)}${c.useRslora ? ', rsLoRA' : ''}), dropout ${c.dropout}; ${c.modules.length} adapted modules ` +
      `(${JSON.stringify(c.targetModules)}${c.layersToTransform ? ` in layers ${c.layersToTransform.join(', ')}` : ''}, ${perModule.toLocaleString('en-US')} adapter parameters); trained fully and saved: ${c.modulesToSave.join(', ')}`);
    return c;
  }

  /** The adapter folder's A/B and saved tensors over the starting values; a head trained for other labels starts afresh. */
  function restoreAdapter(a: AdapterFolder, c: LoraConfig, shapes: ReadonlyMap<string, number[]>): void {
    const sameLabels = task.head === 'question-answering' || (a.labels !== undefined && a.labels.join('\n') === task.labels.join('\n'));
    const expected = new Map<string, number[]>(shapes);
    for (const m of c.modules) {
      expected.set(loraAName(m.module), [c.rank, m.inFeatures]);
      expected.set(loraBName(m.module), [m.outFeatures, c.rank]);
    }
    let skippedHead = 0;
    for (const [name, t] of a.tensors) {
      const shape = expected.get(name);
      if (!shape) throw new Error(`${a.dir}: adapter tensor "${name}" is not a parameter of this ${spec.modelType} model with its ${c.modules.length} adapted modules; the adapter belongs to another model`);
      const isHead = !name.includes('.lora_');
      if (isHead && !sameLabels) {
        skippedHead++;
        continue;
      }
      if (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) {
        throw new Error(`${a.dir}: adapter tensor "${name}" has shape [${t.shape.join(', ')}], this model needs [${shape.join(', ')}]`);
      }
      loaded.tensors.set(name, t.data);
    }
    const missing = c.modules.filter((m) => !a.tensors.has(loraAName(m.module)) || !a.tensors.has(loraBName(m.module)));
    if (missing.length) throw new Error(`${a.dir}: adapter_model.safetensors lacks the adapters of ${missing.length} targeted module(s), e.g. "${missing[0].module}"`);
    log(`continuing the LoRA adapter in ${a.dir} (base ${a.baseModel})${skippedHead ? `; its head was trained for other labels (${(a.labels ?? []).join(', ') || 'unknown'}), so ${skippedHead} head tensor(s) start afresh` : '; head restored'}`);
  }

  // ---- steps and schedule -------------------------------------------------------------------------------------------
  // Data-parallel: batchSize is per rank (HF's per_device_train_batch_size); a step trains batchSize × ranks examples.
  const microBatchesPerEpoch = Math.ceil(data.train.length / (args.batchSize * ranks));
  const stepsPerEpoch = Math.max(1, Math.ceil(microBatchesPerEpoch / args.gradientAccumulationSteps));
  const totalSteps = args.maxSteps > 0 ? args.maxSteps : Math.ceil(args.epochs * stepsPerEpoch);
  const numEpochs = Math.ceil(totalSteps / stepsPerEpoch);
  const schedule: ScheduleOptions = {
    name: args.scheduler, baseLr: args.learningRate, totalSteps, warmupSteps: resolveWarmupSteps(totalSteps, args.warmupSteps, args.warmupRatio),
    numCycles: args.numCycles, power: args.power, lrEnd: args.lrEnd,
  };
  const metric = primaryMetric(task, args);

  return {
    modelType: spec.modelType, totalSteps, threads, settings: recordedSettings(args, lora, adapterIn !== undefined),
    lora: loraConfig && {
      rank: loraConfig.rank, alpha: loraConfig.alpha, dropout: loraConfig.dropout, useRslora: loraConfig.useRslora, scaling: loraScaling(loraConfig),
      targetModules: loraConfig.targetModules, modulesToSave: loraConfig.modulesToSave, layersToTransform: loraConfig.layersToTransform, adaptedModules: loraConfig.modules.length,
      ...(adapterIn ? { fromAdapter: adapterIn.dir } : {}),
    },
    classWeights: task.weights && { kind: task.weights.kind, source: task.weights.source, byLabel: task.weights.byLabel },
    dataset: {
      files: data.files, labels: task.labels, labelSpace: data.labels, trainRows: data.train.length, evalRows: data.validation.length, splits: data.splits,
      ...(config.strategy === 'mlm' ? {} : { task: runTask }),
    },
    train,
  };

  async function train({ runDir, record, checkpointsFrom }: OpenRun): Promise<void> {
    if (loaded.initialised.length) log(`newly initialised (not in the checkpoint): ${loaded.initialised.join(', ')}`);
    /** Every weight of the model as it currently stands (base values overlaid with what training changed). */
    const master = loaded.tensors;
    const paramShapes = new Map(modelParameters(spec, task.head).map((p) => [p.name, p.shape]));
    const paramNames = [...paramShapes.keys()];
    for (const m of loraConfig?.modules ?? []) {
      paramShapes.set(loraAName(m.module), [loraConfig!.rank, m.inFeatures]);
      paramShapes.set(loraBName(m.module), [m.outFeatures, loraConfig!.rank]);
    }
    /** The forward graph over the current weights; LoRA runs get their adapters on it. */
    const forwardOf = (opts: ForwardOptions): Model => {
      const model = buildForwardModel(spec, master, opts);
      if (!loraConfig) return model;
      const adapters = loraConfig.modules.map((m) => ({ module: m.module, rank: loraConfig.rank, a: master.get(loraAName(m.module))!, b: master.get(loraBName(m.module))! }));
      return addLoraAdapters(model, adapters, { scaling: loraScaling(loraConfig), dropout: loraConfig.dropout, training: opts.training ?? false });
    };
    const inputNames = graphInputNames(spec);
    const padId = tokenizer.padTokenId;
    log(`train ${data.train.length} examples, evaluate on ${data.validation.length} validation; ${numEpochs} epoch(s) × ${stepsPerEpoch} step(s), batch ${args.batchSize}${dp ? ` per rank × ${ranks} ranks = ${args.batchSize * ranks}` : ''}` +
      `${args.gradientAccumulationSteps > 1 ? ` × ${args.gradientAccumulationSteps} accumulated` : ''}, max length ${maxLength}`);

    // ---- trainer state (fresh, or from the last checkpoint) ----------------------------------------------------------
    let state: TrainerState = { step: 0, epoch: 0, microInEpoch: 0, best: undefined, badEvals: 0, touched: [], trainSeconds: 0, samplesSeen: 0 };
    /** Optimizer state to continue with (empty: fresh zeros from the artifacts). */
    let optimizerState = new Map<string, ortTypes.Tensor>();
    if (resumed) {
      const last = latestCheckpoint(checkpointsFrom ?? runDir);
      if (last) {
        const r = readRunCheckpoint(last);
        state = r.state;
        for (const [k, v] of r.weights) master.set(k, v);
        optimizerState = r.optimizer;
        log(`resuming from ${path.basename(last)} (step ${state.step})`);
      } else {
        log('no checkpoint was written before the run stopped: starting from step 0');
      }
    }

    // ---- artifacts and session for a phase (the trainable set changes only with gradual unfreezing) -----------------
    const useDropout = args.dropout && config.strategy !== 'feature-extraction';
    const strategyOptions = (epoch: number) => ({ epoch, freezeLayers: args.freezeLayers, layerDecay: args.layerDecay, unfreezeSchedule: args.unfreezeSchedule });
    const planFor = (epoch: number) => loraConfig
      ? planLoraParameters(paramNames, spec.numLayers, config.strategy, strategyOptions(epoch), loraConfig)
      : planParameters(paramNames, spec.numLayers, config.strategy, strategyOptions(epoch));
    let session: TrainingSession | undefined;
    /** Data-parallel: averages each step's gradients across the ranks (one for the run: its timings add up). */
    const averager = dp ? gradientAverager(dp.group) : undefined;
    let evalSession: ortTypes.InferenceSession | undefined;
    let phaseKey = '';
    let phaseDir = '';
    let cache: FeatureCache | undefined;
    /** Feature extraction: the validation examples' frozen-prefix outputs, so evaluation runs only the head. */
    let evalCache: FeatureCache | undefined;

    /** Current weights of the session folded into `master`, and its optimizer state kept for the next session. */
    const syncFromSession = async () => {
      if (!session) return;
      await session.toHost();
      for (const [k, v] of session.weights()) master.set(k, Float32Array.from(v));
      optimizerState = new Map(session.state);
    };

    /**
     * Opens a fresh session at the current step: new artifacts if the trainable set changed, weights from `master`,
     * optimizer state carried over. Nothing random lives in a session (Dropout masks come from the seed each step
     * feeds, dropoutSeeds.ts), so a resumed run that opens one where the uninterrupted run did not trains the same.
     */
    const openPhase = async (epoch: number) => {
      await syncFromSession();
      const p = planFor(epoch);
      const key = p.trainable.join('\n');
      if (key !== phaseKey) {
        phaseKey = key;
        phaseDir = path.join(runDir, 'artifacts', `epoch-${epoch}`);
        const plan: TrainPlan = {
          trainable: p.trainable, lrMultipliers: p.lrMultipliers, loss: task.loss, maxGradNorm: args.maxGradNorm, gradientAccumulation: args.gradientAccumulationSteps,
          optimizer: args.optimizer === 'adamw'
            ? { kind: 'adamw', beta1: args.adamBeta1, beta2: args.adamBeta2, eps: args.adamEpsilon, weightDecay: args.weightDecay }
            : { kind: 'sgd', momentum: args.momentum, weightDecay: args.weightDecay },
        };
        // No checkpoint/ in the artifacts: the weights are in `master`, the optimizer state carried or zero.
        generateArtifacts(forwardOf({ head: task.head, training: useDropout }), plan, phaseDir, { checkpoint: false });
        const probeThreads = device.executionProvider === 'cpu' && threads === undefined;
        // Rank 1…N−1 never evaluate (rank 0 does), so they build no evaluation graph (a data-parallel run's threads are
        // fixed by threadsPerRank, so they never time one either).
        const evalBytes = writer || probeThreads ? modelToBytes(evalModelWithWeightInputs(forwardOf({ head: task.head }), p.trainable)) : undefined;
        if (probeThreads) {
          const first = collate(data.train, planBatches(data.train.map((e) => e.ids.length), { batchSize: args.batchSize, bucket: true, seed: args.seed })[0], { padId });
          const weights: Feeds = Object.fromEntries(p.trainable.map((n) => [n, new ort.Tensor('float32', master.get(n)!, paramShapes.get(n)!)]));
          // The probe may cost 2 % of the run: estimated from one forward pass of the first batch (a training step is
          // about three: forward, backward, optimizer; feature extraction encodes each example once, then trains a head).
          const evalPasses = Math.ceil(data.validation.length / args.evalBatchSize);
          const runSeconds = (forward: number) => config.strategy === 'feature-extraction'
            ? (microBatchesPerEpoch + evalPasses) * forward
            : (totalSteps * args.gradientAccumulationSteps * 3 + evalPasses) * forward;
          const choice = await chooseCpuThreads(ort, evalBytes!, { ...inputFeeds(first, inputNames), ...weights }, { fraction: 0.02, runSeconds });
          threads = choice.threads;
          sessionOptions = trainingSessionOptions('cpu', threads);
          record.device.threads = threads;
          writeRun(runDir, record);
          log(choice.reason);
        }
        await evalSession?.release();
        evalSession = evalBytes && writer ? await ort.InferenceSession.create(evalBytes, sessionOptions) : undefined;
        state.touched = [...new Set([...state.touched, ...p.trainable])];
        log(`epoch ${epoch}: training ${p.trainable.length} of ${paramShapes.size} parameter tensors`);
        // Where the groups' learning rates differ or change, the dashboard draws one LR curve per group from this.
        if (config.strategy === 'discriminative-lr' || config.strategy === 'gradual-unfreezing') appendMetrics(runDir, { type: 'lrGroups', step: state.step, groups: lrGroupMultipliers(p) });
      }
      await session?.release();
      session = await TrainingSession.open(phaseDir, { sessionOptions, initial: master, ...(averager ? { reduceGradients: averager } : {}) });
      for (const prm of session.manifest.params) session.params.set(prm.name, new ort.Tensor('float32', master.get(prm.name)!, prm.shape));
      for (const name of session.state.keys()) {
        const carried = optimizerState.get(name);
        if (carried) session.state.set(name, carried);
      }
      session.step = state.step;
      const fp = session.manifest.frozenPrefix;
      cache = undefined;
      evalCache = undefined;
      if (config.strategy === 'feature-extraction' && fp?.cacheable && perExampleFrontier(fp.outputs)) {
        // The validation split goes through the frozen encoder once too: re-encoding it at every evaluation cost as much
        // as a training epoch without the cache (bert-base: 5 s against 0.06 s of cached head training per epoch).
        const encode = async (items: readonly TokenizedExample[], name: string, what: string) => {
          const file = path.join(runDir, 'cache', name);
          const loadedCache = FeatureCache.load(file, items.length, fp.outputs);
          if (loadedCache) return loadedCache;
          const t0 = performance.now();
          const built = await FeatureCache.build(session!, items, inputNames, padId);
          built.save(file);
          log(`encoded ${items.length} ${what} examples once into the feature cache in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
          return built;
        };
        cache = await encode(data.train, 'features.bin', 'training');
        if (data.validation.length && writer) evalCache = await encode(data.validation, 'eval-features.bin', 'validation');
      }
    };

    await openPhase(state.epoch);
    if (dp) await assertSameStart(dp.group, state.step, weightsFingerprint(session!.weights()), checkpointsFrom ?? runDir);

    // ---- evaluation batches (fixed; MLM masks them once with a fixed seed) ---------------------------------------------
    const evalItems = task.kind === 'masked-lm' ? maskedItems(data.validation, tokenizer, spec, args, new Rng(args.seed ^ 0x5eed)) : data.validation;
    const evalBatches = makeBatches(evalItems, { batchSize: args.evalBatchSize, bucket: true, padId });

    const runEval = async (epochFloat: number): Promise<EvalResult> => {
      const fromCache = evalCache;
      const logitsOf: LogitsOf = fromCache
        ? async (batch) => (await session!.evalStep({ ...fromCache.feeds(batch.indices), labels: labelFeed(task.loss, batch.labels, task.labels.length, batch.seqLen) })).prediction.data as Float32Array
        : sessionLogits(evalSession!, Object.fromEntries(session!.params));
      const r = task.evaluators ? await task.evaluators.validation(logitsOf, evalBatches) : await evaluate(logitsOf, evalBatches, task.kind, task.labels);
      appendMetrics(runDir, { type: 'eval', step: state.step, epoch: epochFloat, metrics: r.metrics, perClass: r.perClass, confusion: r.confusion, confusionLabels: r.confusionLabels });
      hooks.emit({ type: 'eval', step: state.step, epoch: epochFloat, metrics: r.metrics });
      const collapsed = collapseNote(r.perClass, task.kind, state.step, task.weights !== undefined);
      if (collapsed) log(collapsed, 'warn');
      return r;
    };

    const checkpoint = async (isBest: boolean) => {
      await syncFromSession();
      if (isBest) state.best = { ...state.best!, checkpoint: checkpointPath(runDir, state.step) };
      const dir = writeRunCheckpoint(runDir, state, master, optimizerState);
      if (isBest) record.bestCheckpoint = dir;
      pruneCheckpoints(runDir, args.saveTotalLimit, state.best?.checkpoint);
      record.step = state.step;
      writeRun(runDir, record);
      hooks.emit({ type: 'checkpoint', step: state.step, path: dir, best: isBest });
      return dir;
    };

    // ---- one step, or a group of steps in one run -------------------------------------------------------------------
    // Data-parallel steps run training and optimizer graphs apart: the gradients are averaged across ranks between them.
    const stepsPerRun = dp ? 1 : stepsPerRunFor(device.executionProvider, args.stepsPerRun, args.gradientAccumulationSteps === 1);
    if (dp && (args.stepsPerRun ?? 0) > 1) log(`stepsPerRun ${args.stepsPerRun} ignored: a data-parallel step averages its gradients across ranks between the backward pass and the optimizer, which one looped run cannot`, 'warn');
    if ((args.stepsPerRun ?? 0) > 1 && stepsPerRun === 1) log(`stepsPerRun ${args.stepsPerRun} ignored: a run can loop only over whole optimizer steps, and gradientAccumulationSteps is ${args.gradientAccumulationSteps}`, 'warn');
    if (stepsPerRun > 1) log(`${stepsPerRun} optimizer steps per onnxruntime run (an ONNX Loop: on a GPU, weights and optimizer state cross the bus once per group, not once per step)`);
    if (useDropout && device.executionProvider !== 'cpu') log(`Dropout masks are hashed by MurmurHash3, which onnxruntime runs on the CPU only: every step copies the hashes to the ${device.executionProvider} device (4 bytes per masked value)`);
    /** What one micro-batch trains on: its examples (MLM masks them afresh, seeded by epoch and position) and their rows. */
    const microItems = (epoch: number, micro: number, order: number[][]): { items: readonly TokenizedExample[]; indices: readonly number[] } => {
      if (task.kind !== 'masked-lm') return { items: data.train, indices: order[micro] };
      const items = maskedItems(order[micro].map((i) => data.train[i]), tokenizer, spec, args, new Rng((args.seed * 1000003 + epoch * 8191 + micro * ranks + rank) >>> 0));
      return { items, indices: items.map((_, k) => k) };
    };
    /** A micro-batch's feeds; `step` (optimizer steps before it) and `micro` (its index in the epoch) seed its Dropout. */
    const feedsFor = (batch: Batch, examples: readonly number[], step: number, micro: number): Feeds => ({
      ...(cache ? cache.feeds(examples) : inputFeeds(batch, inputNames)), labels: labelFeed(task.loss, batch.labels, task.labels.length, batch.seqLen),
      // Each rank's masks are its own (one rank: the seeds a lone run always drew).
      ...dropoutSeedFeed(args.seed, step, micro * ranks + rank),
    });
    /** One micro-batch through trainStep (an optimizer step when its accumulation window is full). */
    const runOne = async (epoch: number, micro: number, order: number[][]): Promise<StepOutcome> => {
      const t0 = performance.now();
      const { items, indices } = microItems(epoch, micro, order);
      const batch = collate(items, indices, { padId });
      const lr = learningRate(state.step, schedule);
      const result = await session!.trainStep(feedsFor(batch, order[micro], state.step, micro), lr);
      if (!result.stepped && micro === order.length - 1) {
        // The epoch ends inside an accumulation window: step on what it holds, as the HF Trainer does (and as
        // stepsPerEpoch = ceil(micro-batches / accumulation) counts), instead of dropping those gradients.
        result.gradNorm = await session!.flushAccumulated(lr);
        result.stepped = result.gradNorm !== undefined;
      }
      return { batch, lr, loss: result.loss, gradNorm: result.gradNorm, stepped: result.stepped, step: session!.step, seconds: (performance.now() - t0) / 1000 };
    };
    /** Several micro-batches, one optimizer step each, in one run (stepGroups.ts); ends where single steps would check. */
    const runGroup = async (epoch: number, micro: number, order: number[][]): Promise<StepOutcome[]> => {
      const t0 = performance.now();
      const n = groupLength({ micro, microsInEpoch: order.length, step: state.step, totalSteps, evalEvery: args.evalEvery, stepsPerRun });
      const parts = Array.from({ length: n }, (_, g) => microItems(epoch, micro + g, order));
      const batches = collateGroup(parts.map((p) => p.items), parts.map((p) => p.indices), padId);
      const lrs = batches.map((_, g) => learningRate(state.step + g, schedule));
      const results = await session!.trainSteps(batches.map((b, g) => feedsFor(b, order[micro + g], state.step + g, micro + g)), lrs);
      const seconds = (performance.now() - t0) / 1000 / batches.length;
      return results.map((r, g) => ({ batch: batches[g], lr: lrs[g], loss: r.loss, gradNorm: r.gradNorm, stepped: true, step: state.step + g + 1, seconds }));
    };

    // ---- the loop -----------------------------------------------------------------------------------------------------
    let lastEval: EvalResult | undefined;
    let stopReason: StopReason = 'completed';
    // Throughput windows count step time only (not evaluation, checkpoints or a pause).
    let windowSeconds = 0;
    let windowSamples = 0;
    let windowTokens = 0;
    let lossSum = 0;
    let lossCount = 0;
    /** Steps a group already ran (they are in the weights), waiting for their bookkeeping one micro-batch at a time. */
    const pending: StepOutcome[] = [];
    /** Whether micro-batches are accumulated towards a step not taken yet (their gradients live only in the session). */
    let midWindow = false;
    training: for (let epoch = state.epoch; epoch < numEpochs; epoch++) {
      if (epoch !== state.epoch) {
        state.epoch = epoch;
        state.microInEpoch = 0;
        await openPhase(epoch);
      }
      // The order of an epoch depends only on (seed, epoch): a resumed run replays it and skips what it already did.
      // Data-parallel: the same global batches on every rank, each rank its strided share (distributedSampler.ts).
      const globalOrder = planBatches(data.train.map((e) => e.ids.length), { batchSize: args.batchSize * ranks, bucket: true, seed: args.seed + epoch * 7919 });
      const order = shardBatches(globalOrder, rank, ranks);
      const padded = dp ? paddedExamples(globalOrder, ranks) : 0;
      if (padded) log(`epoch ${epoch}: ${padded} example(s) repeated to give every rank batches of one size (DistributedSampler's padding)`);
      for (let micro = state.microInEpoch; micro < order.length; micro++) {
        if (!pending.length) {
          // Pause and cancel act between runs: the steps of a group are already in the weights. Cancel waits for the end
          // of an accumulation window: its checkpoint could not hold the gradients gathered so far.
          await waitWhilePaused(hooks, state.step);
          // Rank 0 hears the cancel (its window or the CLI's Ctrl-C); every rank must stop at the same step.
          const cancelled = hooks.isCancelled() && !midWindow;
          if (dp ? (await fromRankZero(dp.group, [cancelled ? 1 : 0]))[0] === 1 : cancelled) {
            stopReason = 'cancelled';
            break training;
          }
          pending.push(...(stepsPerRun > 1 ? await runGroup(epoch, micro, order) : [await runOne(epoch, micro, order)]));
        }
        const { batch, lr, loss, gradNorm, stepped, step, seconds } = pending.shift()!;
        state.microInEpoch = micro + 1;
        state.trainSeconds += seconds;
        state.samplesSeen += batch.size * ranks;
        windowSeconds += seconds;
        windowSamples += batch.size;
        windowTokens += batch.realTokens;
        lossSum += loss;
        lossCount++;
        assertFiniteLoss(loss, { step: state.step + 1, lr, updatesSoFar: state.step, hint: ' or check the labels' });
        midWindow = !stepped;
        if (!stepped && micro < order.length - 1) continue;
        state.step = step;
        const epochFloat = epoch + state.microInEpoch / order.length;

        if (state.step % args.loggingSteps === 0 || state.step === totalSteps || micro === order.length - 1) {
          if (dp) {
            // The logged loss and throughput are the global batch's: every rank's mean loss and examples summed
            // (equal shard sizes make the mean of the ranks' means the mean over the global batch).
            [lossSum, windowSamples, windowTokens] = await sumOverRanks(dp.group, [lossSum, windowSamples, windowTokens]);
            lossSum /= ranks;
          }
          const sps = windowSamples / Math.max(windowSeconds, 1e-9);
          const entry = {
            step: state.step, totalSteps, epoch: epochFloat, loss: lossSum / Math.max(1, lossCount), lr, gradNorm,
            samplesPerSecond: sps, tokensPerSecond: windowTokens / Math.max(windowSeconds, 1e-9),
            etaSeconds: ((totalSteps - state.step) * args.batchSize * args.gradientAccumulationSteps) / Math.max(sps, 1e-9),
          };
          appendMetrics(runDir, { type: 'train', ...entry });
          hooks.emit({ type: 'progress', ...entry });
          windowSeconds = windowSamples = windowTokens = lossSum = lossCount = 0;
        }

        const endOfEpoch = micro === order.length - 1;
        const evalNow = args.evalEvery === 'epoch' ? endOfEpoch : state.step % args.evalEvery === 0;
        if (evalNow || state.step === totalSteps) {
          // Rank 0 evaluates and checkpoints (the others wait at the next collective); its early-stopping decision is
          // sent to every rank below.
          lastEval = writer && data.validation.length ? await runEval(epochFloat) : undefined;
          let isBest = false;
          const value = lastEval?.metrics[metric.name];
          if (value !== undefined) {
            const threshold = args.earlyStopping?.threshold ?? 0;
            const better = !state.best || (metric.mode === 'max' ? value > state.best.value + threshold : value < state.best.value - threshold);
            if (better) {
              state.best = { name: metric.name, value, step: state.step, checkpoint: '' };
              state.badEvals = 0;
              isBest = true;
            } else {
              state.badEvals++;
            }
            record.bestMetric = { name: state.best!.name, value: state.best!.value, step: state.best!.step };
          }
          if (endOfEpoch) {
            state.epoch = epoch + 1;
            state.microInEpoch = 0;
          }
          if (writer) await checkpoint(isBest);
          // The next epoch's phase (its trainable set may change); state.epoch already names it, so the loop will not.
          if (endOfEpoch && epoch + 1 < numEpochs) await openPhase(state.epoch);
          const stopEarly = args.earlyStopping !== undefined && state.badEvals >= args.earlyStopping.patience;
          if (dp ? (await fromRankZero(dp.group, [stopEarly ? 1 : 0]))[0] === 1 : stopEarly) {
            if (writer) log(`early stopping: ${metric.name} did not improve by more than ${args.earlyStopping!.threshold} for ${state.badEvals} evaluation(s)`);
            stopReason = 'early-stopped';
            break training;
          }
        }
        if (state.step >= totalSteps) break training;
      }
    }

    /**
     * The test split, once, on the weights being exported: a session of its own built from `master`, so nothing of it
     * reaches the trainer's state, the best-checkpoint choice or early stopping (all settled before this runs).
     */
    const evaluateTest = (step: number) => evaluateTestSplit({
      ort, model: modelToBytes(forwardOf({ head: task.head })), sessionOptions, task: task.kind, labels: task.labels, evaluator: task.evaluators?.test, runDir, record, step,
      batches: makeBatches(task.kind === 'masked-lm' ? maskedItems(data.test, tokenizer, spec, args, new Rng((args.seed ^ 0x7e57) >>> 0)) : data.test, { batchSize: args.evalBatchSize, bucket: true, padId }),
      source: data.splits.test.source, log,
    });

    // ---- finish: checkpoint on cancel, export, summary -------------------------------------------------------------
    if (stopReason === 'cancelled') {
      if (!writer) {
        await session!.release();
        hooks.emit({ type: 'done', runDir, status: 'cancelled' });
        return;
      }
      await checkpoint(false);
      record.status = 'cancelled';
      writeRun(runDir, record);
      await session!.release();
      hooks.emit({ type: 'done', runDir, status: 'cancelled', bestMetric: record.bestMetric });
      return;
    }
    await syncFromSession();
    if (dp) {
      // Every rank stepped on the same averaged gradients: their weights must agree bit for bit. Checked, not
      // assumed (a kernel that sums in another order on one machine would make rank 0's export a different model).
      const cmp = await compareWithRankZero(dp.group, session!.weights());
      if (cmp.differing) log(`data-parallel: the ranks' final weights differ from rank 0's in ${cmp.differing} tensor(s) (largest difference ${cmp.maxAbsDifference.toExponential(2)}): rank 0's weights are exported`, 'warn');
      else log(`data-parallel: final weights identical on all ${ranks} ranks (${cmp.tensors} trained tensors compared element by element)`);
      const st = averager!.stats;
      const ms = (x: number) => (1000 * x) / st.steps;
      if (st.steps) {
        log(`data-parallel: gradient all-reduce ${ms(st.seconds).toFixed(1)} ms per step on average over ${st.steps} step(s) (${(st.bytes / 1e6).toFixed(1)} MB in ${st.buckets} bucket(s) per step), ` +
          `after ${ms(st.waitSeconds).toFixed(1)} ms waiting for the slowest rank's backward pass`);
      }
      if (!writer) {
        await session!.release();
        hooks.emit({ type: 'done', runDir, status: 'completed' });
        return;
      }
      record.distributed = {
        ...record.distributed!, perRankBatch: args.batchSize, globalBatch: args.batchSize * ranks, finalWeights: cmp,
        ...(st.steps ? { allReduce: { msPerStep: ms(st.seconds), waitMsPerStep: ms(st.waitSeconds), bytesPerStep: st.bytes, buckets: st.buckets, steps: st.steps } } : {}),
      };
    }
    if (args.earlyStopping && state.best?.checkpoint) {
      // Early stopping keeps the best model (HF's load_best_model_at_end).
      for (const [k, v] of readRunCheckpoint(state.best.checkpoint).weights) master.set(k, v);
      log(`exporting the best checkpoint (step ${state.best.step}, ${state.best.name} ${state.best.value.toFixed(4)})`);
    }
    const evaluatedStep = args.earlyStopping && state.best?.checkpoint ? state.best.step : state.step;
    const exportDir = path.join(runDir, 'model');
    const labels = task.head === 'sequence-classification' || task.head === 'token-classification' ? task.labels : undefined;
    // A LoRA run exports the merged model (W + s·B·A: a plain HF folder and onnx/ for transformers.js) and the adapter.
    exportModel({ sourceDir: modelDir, outDir: exportDir, spec, head: task.head, weights: loraConfig ? mergedWeights(master, loraConfig) : master, labels, problemType: task.problemType });
    const modelBytes = fs.statSync(path.join(exportDir, 'model.safetensors')).size;
    let adapterBytes: number | undefined;
    if (loraConfig) {
      const adapterDir = path.join(runDir, 'adapter');
      exportAdapter({
        outDir: adapterDir, spec, head: task.head, lora: loraConfig, sourceDir: modelDir, weights: master, paramNames, labels, problemType: task.problemType,
        isSaved: (n) => isSavedParam(n, loraConfig.modulesToSave), baseModel: adapterIn?.baseModel ?? cacheRepoId(modelDir) ?? record.model.hubId ?? path.resolve(modelDir),
      }, paramShapes);
      adapterBytes = fs.statSync(path.join(adapterDir, 'adapter_model.safetensors')).size;
      log(`LoRA: adapter folder ${adapterDir} (${(adapterBytes / 1e6).toFixed(2)} MB), merged model ${exportDir}`);
    }
    const trainable = session!.manifest.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    const total = [...paramShapes.values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
    const testMetrics = data.test.length ? await evaluateTest(evaluatedStep) : undefined;
    // The card reports the evaluations and run.json's test split, and is part of what the summary's disk figure counts.
    writeRun(runDir, record);
    writeModelCardOrWarn(runDir, log);
    const disk = runDiskUsage(runDir);
    log(`${describeDiskUsage(disk)}; checkpoints kept: the last and the best${args.saveTotalLimit > 1 ? ` (last ${args.saveTotalLimit})` : ''}`);
    appendMetrics(runDir, {
      type: 'summary', trainSeconds: state.trainSeconds, samplesPerSecond: state.samplesSeen / Math.max(state.trainSeconds, 1e-9),
      inferenceMsPerExample: lastEval && lastEval.examples ? (1000 * lastEval.seconds) / lastEval.examples : undefined,
      modelBytes, ...(adapterBytes !== undefined ? { adapterBytes } : {}), diskBytes: disk.total, trainableParams: trainable, totalParams: total, finalMetrics: lastEval?.metrics, stopReason,
    });
    record.status = 'completed';
    record.step = state.step;
    writeRun(runDir, record);
    await session!.release();
    await evalSession?.release();
    hooks.emit({ type: 'done', runDir, status: 'completed', bestMetric: record.bestMetric, ...(testMetrics ? { testMetrics } : {}) });
  }
};

function maskedItems(items: readonly TokenizedExample[], tokenizer: { maskTokenId: number | undefined; vocab: Map<string, number> }, spec: ModelSpec, args: TrainingArgs, rng: Rng): TokenizedExample[] {
  const vocab = tokenizer.vocab;
  // The tokenizer files' own mask_token (resolved with the family's default), not a guess at its spelling.
  const maskId = tokenizer.maskTokenId;
  if (maskId === undefined) throw new Error('masked-LM training needs a mask token: the tokenizer names none (mask_token in tokenizer_config.json or special_tokens_map.json) that its vocabulary has.');
  const specials = new Set<number>([...vocab].filter(([k]) => /^\[.*\]$|^<.*>$/.test(k)).map(([, v]) => v));
  const { inputIds, labels } = maskTokens(items.map((e) => e.ids), { probability: args.mlmProbability, maskTokenId: maskId, vocabSize: spec.vocabSize, specialIds: specials }, rng);
  return items.map((e, k) => ({ ...e, ids: inputIds[k], label: labels[k], index: k }));
}
