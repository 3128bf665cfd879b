// Runs generated artifacts with onnxruntime-node: one call per training step, weights and optimizer state kept as the
// ort.Tensor objects the previous run returned (fed straight back, never copied through JS arrays). On the WebGPU
// provider they stay in GPU buffers between steps (preferredOutputLocation 'gpu-buffer'): only the batch goes up and
// the loss comes down, until toHost() reads them back for a checkpoint or export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { collectGarbage } from '../../util/collectGarbage';
import { DType, TensorData } from '../../onnx/ir';
import { loadModel, modelToBytes } from '../../onnx/serialize';
import { FIRST_STEP, GRAD_NORMS, LEARNING_RATES, LOSSES, STEPS, multiStepModel, stackedName } from './multiStep';
import { hostName, readbackModel } from './readback';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { ArtifactManifest, FILES } from './generateArtifacts';
import { GRAD_NORM, GRAD_SCALE, LEARNING_RATE, STEP } from './optimizers';

export type Feeds = Record<string, ort.Tensor>;

export interface GradientReduction {
  reduce(grads: Map<string, ort.Tensor>): Promise<void>;
  divisor: number;
}

export interface TrainingSessionOptions {
  sessionOptions?: ort.InferenceSession.SessionOptions;
  /** fused: one train_step run per step; separate: training + optimizer models; auto: fused unless accumulating or reducing. */
  mode?: 'auto' | 'fused' | 'separate';
  /** Resume from this checkpoint folder instead of the artifacts' initial one. */
  checkpointDir?: string;
  /**
   * Start from these weights (by parameter name, float32) with zero optimizer state at step 0, instead of a
   * checkpoint folder: for artifacts generated with { checkpoint: false }. The arrays are used, not copied.
   */
  initial?: ReadonlyMap<string, Float32Array>;
  /**
   * Keep weights and optimizer state in device memory between steps. Only the WebGPU provider can (onnxruntime-node
   * returns outputs in GPU buffers for it alone), and there it is the default.
   */
  deviceResident?: boolean;
  /**
   * Data-parallel training: `reduce` is called with each optimizer step's gradients (accumulated over the window)
   * before the optimizer graph reads them, and sums them across ranks in place; the optimizer divides them by
   * `divisor` along with its 1/accumulation. Needs mode "separate" (the fused step never hands its gradients out).
   */
  reduceGradients?: GradientReduction;
}

/** The execution provider a session options object names first ('cpu' when none). */
function firstProvider(so: ort.InferenceSession.SessionOptions): string {
  const ep = so.executionProviders?.[0];
  return typeof ep === 'string' ? ep : ep?.name ?? 'cpu';
}

export interface StepResult {
  loss: number;
  prediction: ort.Tensor;
  /** True when this call applied an optimizer step (always, unless accumulating). */
  stepped: boolean;
  /** Global gradient norm before clipping, when a step was applied. */
  gradNorm?: number;
}

const ORT_TYPE: Record<string, DType> = { float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32' };

function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims);
}

/** A float scalar ([] dims) or vector in the artifacts' float type. */
function floatTensor(dtype: DType, values: number | number[]): ort.Tensor {
  const v = typeof values === 'number' ? [values] : values;
  const dims = typeof values === 'number' ? [] : [v.length];
  return dtype === 'float64' ? new ort.Tensor('float64', Float64Array.from(v), dims) : new ort.Tensor('float32', Float32Array.from(v), dims);
}

/** The int64 step-number input (1-based, as Adam's bias correction counts). */
function stepTensor(step: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.of(BigInt(step)), []);
}

/** Tensors of equal type and shape stacked along a new leading axis. */
function stack(ts: ort.Tensor[], name: string): ort.Tensor {
  const first = ts[0];
  const size = first.size;
  const data = new (first.data.constructor as new (n: number) => Float32Array | BigInt64Array | Float64Array)(size * ts.length);
  ts.forEach((t, i) => {
    if (t.type !== first.type || t.dims.join(',') !== first.dims.join(',')) throw new Error(`trainSteps: "${name}" is ${t.type} [${t.dims.join(', ')}] in batch ${i} but ${first.type} [${first.dims.join(', ')}] in batch 0: group batches of one shape`);
    (data as Float32Array).set(t.data as Float32Array, i * size);
  });
  return new ort.Tensor(first.type as 'float32', data as Float32Array, [ts.length, ...first.dims]);
}

/** Frees a tensor's GPU buffer now (host tensors are left to the collector); says whether it was on the device. */
function disposeIfOnDevice(t: ort.Tensor): boolean {
  if (t.location !== 'gpu-buffer') return false;
  t.dispose();
  return true;
}

export class TrainingSession {
  readonly params = new Map<string, ort.Tensor>();
  readonly state = new Map<string, ort.Tensor>();
  /** Optimizer steps applied so far. */
  step = 0;
  private accumulated: Map<string, ort.Tensor> | undefined;
  private micro = 0;
  /** Host bytes of replaced weights/state not yet collected (see adopt). */
  private garbageBytes = 0;
  /** The multi-step (Loop) session, built on the first trainSteps call. */
  private multi: ort.InferenceSession | undefined;
  private readback: ort.InferenceSession | undefined;

  private constructor(
    readonly dir: string,
    readonly manifest: ArtifactManifest,
    readonly mode: 'fused' | 'separate',
    private readonly sessions: { prefix?: ort.InferenceSession; training?: ort.InferenceSession; eval: ort.InferenceSession; optimizer?: ort.InferenceSession; trainStep?: ort.InferenceSession },
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
    /** Options of the sessions that write new weights/state (device outputs when resident). */
    private readonly stepOptions: ort.InferenceSession.SessionOptions,
    /** Whether optimizer-step outputs stay in device memory (see TrainingSessionOptions.deviceResident). */
    readonly deviceResident: boolean,
    private readonly reduction?: GradientReduction,
  ) {}

  static async open(dir: string, opts: TrainingSessionOptions = {}): Promise<TrainingSession> {
    const manifestPath = path.join(dir, FILES.manifest);
    if (!fs.existsSync(manifestPath)) throw new Error(`${dir} holds no training artifacts (${FILES.manifest} is missing): run generateArtifacts first`);
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as ArtifactManifest;
    const mode = opts.mode === 'fused' || opts.mode === 'separate' ? opts.mode : manifest.accumulation > 1 || opts.reduceGradients ? 'separate' : 'fused';
    if (mode === 'fused' && opts.reduceGradients) throw new Error('reduceGradients needs mode "separate": the fused train step applies its gradients inside one run');
    if (mode === 'fused' && manifest.accumulation > 1) throw new Error(`the fused train step cannot accumulate gradients (plan accumulates ${manifest.accumulation} micro-batches): use mode "separate"`);
    const so: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3, ...opts.sessionOptions };
    const resident = opts.deviceResident ?? firstProvider(so) === 'webgpu';
    if (resident && firstProvider(so) !== 'webgpu') throw new Error(`deviceResident needs the webgpu execution provider (onnxruntime-node keeps outputs on the device for it only); got ${firstProvider(so)}`);
    // The sessions that write new weights and state return them as GPU buffers when resident.
    const stepOutputs = [...manifest.params.map((p) => p.name), ...manifest.state.map((x) => x.name)].map((k) => `${k}_new`);
    const stepOptions: ort.InferenceSession.SessionOptions = resident ? { ...so, preferredOutputLocation: Object.fromEntries(stepOutputs.map((o) => [o, 'gpu-buffer' as const])) } : so;
    const open = (f: string, o = so) => ort.InferenceSession.create(path.join(dir, f), o);
    const sessions = {
      prefix: manifest.frozenPrefix ? await open(manifest.frozenPrefix.file) : undefined,
      eval: await open(FILES.eval),
      training: mode === 'separate' ? await open(FILES.training) : undefined,
      optimizer: mode === 'separate' ? await open(FILES.optimizer, stepOptions) : undefined,
      trainStep: mode === 'fused' ? await open(FILES.trainStep, stepOptions) : undefined,
    };
    const s = new TrainingSession(dir, manifest, mode, sessions, so, stepOptions, resident, opts.reduceGradients);
    if (opts.initial && !opts.checkpointDir) s.start(opts.initial);
    else s.restore(opts.checkpointDir ?? path.join(dir, FILES.checkpoint));
    return s;
  }

  /** Step 0 from host weights: every trainable parameter from `weights`, optimizer state zeros of its shape. */
  start(weights: ReadonlyMap<string, Float32Array>): void {
    for (const t of [...this.params.values(), ...this.state.values()]) disposeIfOnDevice(t);
    const shapes = new Map(this.manifest.params.map((p) => [p.name, p.shape]));
    for (const p of this.manifest.params) {
      const w = weights.get(p.name);
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (!w || w.length !== n) throw new Error(`${this.dir}: no starting value of ${n} floats for parameter "${p.name}"${w ? ` (got ${w.length})` : ''}`);
      this.params.set(p.name, new ort.Tensor('float32', w, p.shape));
    }
    for (const st of this.manifest.state) {
      const shape = shapes.get(st.param) as number[];
      this.state.set(st.name, new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape));
    }
    this.step = 0;
    this.accumulated = undefined;
    this.micro = 0;
  }

  /** Loads weights, optimizer state and step from a checkpoint folder. */
  restore(checkpointDir: string): void {
    const { info, tensors } = loadCheckpoint(checkpointDir);
    for (const t of [...this.params.values(), ...this.state.values()]) disposeIfOnDevice(t);
    for (const p of this.manifest.params) {
      const t = tensors.get(p.name);
      if (!t) throw new Error(`checkpoint ${checkpointDir} lacks parameter "${p.name}"`);
      if (t.dims.join(',') !== p.shape.join(',')) throw new Error(`checkpoint ${checkpointDir}: "${p.name}" is [${t.dims.join(', ')}], the artifacts expect [${p.shape.join(', ')}]`);
      this.params.set(p.name, toOrt(t));
    }
    for (const s of this.manifest.state) {
      const t = tensors.get(s.name);
      if (!t) throw new Error(`checkpoint ${checkpointDir} lacks optimizer state "${s.name}"`);
      this.state.set(s.name, toOrt(t));
    }
    this.step = info.step;
    this.accumulated = undefined;
    this.micro = 0;
  }

  saveCheckpoint(dir: string, extra?: Record<string, unknown>): void {
    this.assertOnHost('saveCheckpoint');
    const tensors = new Map<string, TensorData>();
    for (const [k, t] of [...this.params, ...this.state]) {
      const dtype = ORT_TYPE[t.type];
      if (!dtype) throw new Error(`checkpoint: tensor "${k}" has ORT type ${t.type}`);
      tensors.set(k, { dtype, dims: [...t.dims], data: t.data as Float32Array });
    }
    saveCheckpoint(dir, tensors, { step: this.step, params: [...this.params.keys()], state: [...this.state.keys()], plan: this.manifest.plan, extra });
  }

  /** Frozen-prefix outputs for a batch (cache them when manifest.frozenPrefix.cacheable). */
  async features(batch: Feeds): Promise<Feeds> {
    const prefix = this.sessions.prefix;
    if (!prefix) return {};
    return (await prefix.run(this.pick(prefix.inputNames, batch, 'frozen_prefix.onnx'))) as Feeds;
  }

  private pick(names: readonly string[], sources: Feeds, model: string): Feeds {
    const out: Feeds = {};
    for (const n of names) {
      const t = sources[n] ?? this.params.get(n) ?? this.state.get(n);
      if (!t) {
        const want = [...this.manifest.batchInputs, ...this.manifest.modelInputs].find((v) => v.name === n);
        throw new Error(`${model} needs input "${n}"${want ? ` (${want.dtype} [${want.shape.join(', ')}])` : ''}, which the batch does not provide; batch has: ${Object.keys(sources).join(', ') || 'nothing'}`);
      }
      out[n] = t;
    }
    return out;
  }

  /** The batch with frontier values filled in (from the cache if the caller passed them, else by running the prefix). */
  private async withFeatures(batch: Feeds): Promise<Feeds> {
    const fp = this.manifest.frozenPrefix;
    if (!fp || fp.outputs.every((o) => batch[o.name])) return batch;
    return { ...batch, ...(await this.features(batch)) };
  }

  async evalStep(batch: Feeds): Promise<{ loss: number; prediction: ort.Tensor }> {
    const full = await this.withFeatures(batch);
    const out = await this.sessions.eval.run(this.pick(this.sessions.eval.inputNames, full, FILES.eval));
    return { loss: Number(out[this.manifest.loss].data[0]), prediction: out[this.manifest.prediction] };
  }

  /** One micro-batch: forward + backward, and an optimizer step when the accumulation window is full. */
  async trainStep(batch: Feeds, learningRate: number): Promise<StepResult> {
    const full = await this.withFeatures(batch);
    const dt = this.manifest.params[0].dtype;
    const lr = floatTensor(dt, learningRate);
    const stepT = stepTensor(this.step + 1);
    if (this.mode === 'fused') {
      const s = this.sessions.trainStep!;
      const out = await s.run(this.pick(s.inputNames, { ...full, [LEARNING_RATE]: lr, [STEP]: stepT }, FILES.trainStep));
      this.adopt(out);
      this.step++;
      return { loss: Number(out[this.manifest.loss].data[0]), prediction: out[this.manifest.prediction], stepped: true, gradNorm: Number(out[GRAD_NORM].data[0]) };
    }
    const training = this.sessions.training!;
    const extra: Feeds = {};
    if (this.manifest.accumulation > 1) {
      for (const p of this.manifest.params) {
        extra[`${p.name}_grad_in`] = this.accumulated?.get(p.name) ?? new ort.Tensor(p.dtype as 'float32', new Float32Array(p.shape.reduce((a, b) => a * b, 1)), p.shape);
      }
    }
    const out = await training.run(this.pick(training.inputNames, { ...full, ...extra }, FILES.training));
    this.accumulated = new Map(this.manifest.params.map((p) => [p.name, out[`${p.name}_grad`]]));
    this.micro++;
    const result: StepResult = { loss: Number(out[this.manifest.loss].data[0]), prediction: out[this.manifest.prediction], stepped: false };
    if (this.micro >= this.manifest.accumulation) {
      result.gradNorm = await this.applyAccumulated(lr, stepT, dt);
      result.stepped = true;
    }
    return result;
  }

  /** One optimizer step from the accumulated gradients; returns the gradient norm. */
  private async applyAccumulated(lr: ort.Tensor, stepT: ort.Tensor, dt: DType): Promise<number> {
    const opt = this.sessions.optimizer!;
    if (this.reduction) await this.reduction.reduce(this.accumulated!);
    const grads: Feeds = {};
    for (const [k, t] of this.accumulated!) grads[`${k}_grad`] = t;
    // 1/accumulation even for a partial window: the HF Trainer divides each micro-batch's loss by
    // gradient_accumulation_steps whatever the window holds. Gradients summed over ranks are divided by their count.
    const scale = 1 / (this.manifest.accumulation * (this.reduction?.divisor ?? 1));
    const o = await opt.run(this.pick(opt.inputNames, { ...grads, [LEARNING_RATE]: lr, [STEP]: stepT, [GRAD_SCALE]: floatTensor(dt, scale) }, FILES.optimizer));
    this.adopt(o);
    this.step++;
    this.accumulated = undefined;
    this.micro = 0;
    return Number(o[GRAD_NORM].data[0]);
  }

  /**
   * Applies the optimizer to a partly filled accumulation window, as the HF Trainer does at the end of an epoch whose
   * micro-batches do not divide by the accumulation steps. Returns the gradient norm, or undefined when no
   * micro-batch is pending.
   */
  async flushAccumulated(learningRate: number): Promise<number | undefined> {
    if (this.mode !== 'separate' || this.micro === 0 || !this.accumulated) return undefined;
    const dt = this.manifest.params[0].dtype;
    return this.applyAccumulated(floatTensor(dt, learningRate), stepTensor(this.step + 1), dt);
  }

  /** Loss, prediction and every trainable parameter's gradient for one batch, without changing any weight. */
  async gradients(batch: Feeds): Promise<{ loss: number; prediction: ort.Tensor; grads: Map<string, ort.Tensor> }> {
    this.sessions.training ??= await ort.InferenceSession.create(path.join(this.dir, FILES.training), this.sessionOptions);
    const training = this.sessions.training;
    const extra: Feeds = {};
    if (this.manifest.accumulation > 1) {
      for (const p of this.manifest.params) extra[`${p.name}_grad_in`] = new ort.Tensor(p.dtype as 'float32', new Float32Array(p.shape.reduce((a, b) => a * b, 1)), p.shape);
    }
    const out = await training.run(this.pick(training.inputNames, { ...(await this.withFeatures(batch)), ...extra }, FILES.training));
    return { loss: Number(out[this.manifest.loss].data[0]), prediction: out[this.manifest.prediction], grads: new Map(this.manifest.params.map((p) => [p.name, out[`${p.name}_grad`]])) };
  }

  /**
   * `batches.length` optimizer steps in one onnxruntime run (an ONNX Loop around the fused step, multiStep.ts): the
   * weights and optimizer state cross between host and device once per group instead of once per step, which is
   * what the CUDA provider needs (onnxruntime-node cannot leave its outputs on the device). Same results as calling
   * trainStep for each batch (Dropout included: each batch's masks come from the DROPOUT_SEED it carries). The
   * batches must share their shapes; fused mode only.
   */
  async trainSteps(batches: Feeds[], learningRates: number[]): Promise<Array<{ loss: number; gradNorm: number }>> {
    if (this.mode !== 'fused') throw new Error('trainSteps needs the fused train step (no gradient accumulation)');
    if (batches.length === 0 || batches.length !== learningRates.length) throw new Error(`trainSteps: ${batches.length} batch(es) for ${learningRates.length} learning rate(s)`);
    const carried = [...this.params.keys(), ...this.state.keys()];
    const fixed = new Set([...carried, LEARNING_RATE, STEP]);
    const batchInputs = this.sessions.trainStep!.inputNames.filter((n) => !fixed.has(n));
    if (!this.multi) {
      const step = loadModel(path.join(this.dir, FILES.trainStep));
      this.multi = await ort.InferenceSession.create(modelToBytes(multiStepModel(step, { batchInputs, carried, loss: this.manifest.loss })), this.stepOptions);
    }
    const full: Feeds[] = [];
    for (const b of batches) full.push(await this.withFeatures(b));
    const feeds: Feeds = {
      [STEPS]: new ort.Tensor('int64', BigInt64Array.of(BigInt(batches.length)), []),
      [LEARNING_RATES]: floatTensor(this.manifest.params[0].dtype, learningRates),
      [FIRST_STEP]: stepTensor(this.step + 1),
    };
    for (const x of batchInputs) feeds[stackedName(x)] = stack(full.map((f, i) => {
      const t = f[x];
      if (!t) throw new Error(`trainSteps: batch ${i} lacks input "${x}"`);
      return t;
    }), x);
    const out = await this.multi.run(this.pick(this.multi.inputNames, feeds, 'train_steps'));
    this.adopt(out);
    this.step += batches.length;
    const losses = out[LOSSES].data as Float32Array;
    const norms = out[GRAD_NORMS].data as Float32Array;
    return batches.map((_, i) => ({ loss: Number(losses[i]), gradNorm: Number(norms[i]) }));
  }

  /**
   * Takes the "<name>_new" outputs as the current weights/state (the tensors themselves, no copy). The replaced host
   * tensors are collected once 64 MiB of them have piled up: for a full fine-tune that is every step (a full GC costs
   * ~1 % of such a step), for a small head it is rarely (a GC per 1-ms head step made feature extraction 15× slower).
   */
  private adopt(out: ort.InferenceSession.OnnxValueMapType): void {
    this.garbageBytes += this.replaceAll(out, (k) => `${k}_new`);
    if (this.garbageBytes >= 64 * 2 ** 20) {
      collectGarbage();
      this.garbageBytes = 0;
    }
  }

  /** Whether any weight or state tensor lives in device memory right now. */
  get onDevice(): boolean {
    return [...this.params.values(), ...this.state.values()].some((t) => t.location !== 'cpu');
  }

  private assertOnHost(what: string): void {
    if (this.onDevice) throw new Error(`TrainingSession.${what}: weights are in device memory; await toHost() first`);
  }

  /**
   * Reads device-resident weights and optimizer state back into host tensors (a no-op on the CPU). The next step
   * uploads them again, so call it where they are needed on the host: checkpoints, export, the end of a run.
   */
  async toHost(): Promise<void> {
    if (!this.onDevice) return;
    this.readback ??= await ort.InferenceSession.create(modelToBytes(readbackModel(this.manifest)), this.sessionOptions);
    const feeds: Feeds = Object.fromEntries([...this.params, ...this.state]);
    this.replaceAll(await this.readback.run(feeds), hostName);
  }

  /**
   * Makes `out[outputName(k)]` the current value of every weight and state tensor. Replaced GPU buffers are freed at
   * once (they go when disposed, not when collected); returns the host bytes the replaced tensors held.
   */
  private replaceAll(out: ort.InferenceSession.OnnxValueMapType, outputName: (k: string) => string): number {
    let hostBytes = 0;
    for (const map of [this.params, this.state]) {
      for (const [k, old] of map) {
        map.set(k, out[outputName(k)] as ort.Tensor);
        if (!disposeIfOnDevice(old)) hostBytes += (old.data as Float32Array).byteLength;
      }
    }
    return hostBytes;
  }

  /** Current trainable weights by HF name (views of the tensors' data; on a device-resident session, after toHost()). */
  weights(): Map<string, Float32Array> {
    this.assertOnHost('weights');
    return new Map([...this.params].map(([k, t]) => [k, t.data as Float32Array]));
  }

  async release(): Promise<void> {
    for (const s of Object.values(this.sessions)) if (s) await s.release();
    await this.readback?.release();
    await this.multi?.release();
  }
}
