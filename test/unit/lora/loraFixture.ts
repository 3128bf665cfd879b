// Shared set-up of the LoRA tests: a generated tiny model loaded as the trainer loads it, a tokenized batch, random
// non-zero adapters (PEFT's init has B = 0, which would hide every mistake in the low-rank path) and ORT runs.
import * as ort from 'onnxruntime-node';
import { buildForwardModel, graphInputNames } from '../../../src/models/arch/forward';
import type { HeadKind } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { type ModelSpec, readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { loadTokenizer } from '../../../src/models/tokenizer';
import { type LoadedWeights, loadWeights } from '../../../src/models/weights';
import type { WeightSource } from '../../../src/models/weightSourceTypes';
import type { Model } from '../../../src/onnx/ir';
import { modelToBytes } from '../../../src/onnx/serialize';
import type { AdapterValues } from '../../../src/training/lora/loraGraph';
import type { LinearModule } from '../../../src/training/lora/loraTargets';
import { Rng } from '../../../src/util/rng';
import { fixtureModel, toRows } from '../models/support';

export const SENTENCES = ['This movie was great, I loved it!', 'The food was cold and the service was slow.', 'Not bad.', 'I would not recommend this phone to anyone.'];

/** Every fixture model of each family (tiny-deberta is DeBERTa-v3: share_att_key, c2p + p2c). */
export const FAMILY_FIXTURES = ['tiny-bert', 'tiny-roberta', 'tiny-distilbert', 'tiny-electra', 'tiny-deberta', 'tiny-mpnet', 'tiny-modernbert'] as const;

export interface Tiny {
  model: string;
  head: HeadKind;
  spec: ModelSpec;
  loaded: LoadedWeights;
}

export interface TinyOptions {
  labels?: string[];
  /** Checkpoint tensors to hide, as if the checkpoint had been saved without them (a missing pooler). */
  hide?: (name: string) => boolean;
  /** Perturb the freshly initialised parameters (zero biases would have zero gradients worth comparing). */
  perturbNew?: boolean;
}

/** A fixture model loaded for `head` as the trainer loads it (ignoreMismatchedHead: a new task). */
export function loadTiny(model: string, head: HeadKind, o: TinyOptions = {}): Tiny {
  const dir = fixtureModel(model);
  let spec = readModelSpec(dir);
  if (o.labels) spec = withLabels(spec, o.labels);
  const ckpt: WeightSource = o.hide ? hiding(Checkpoint.open(dir), o.hide) : Checkpoint.open(dir);
  const loaded = loadWeights(ckpt, spec, head, { ignoreMismatchedHead: true });
  if (o.perturbNew) {
    const rng = new Rng(17);
    for (const name of loaded.initialised) {
      const w = loaded.tensors.get(name) as Float32Array;
      for (let i = 0; i < w.length; i++) w[i] += rng.normal() * 0.1;
    }
  }
  return { model, head, spec, loaded };
}

function hiding(src: WeightSource, hide: (name: string) => boolean): WeightSource {
  return {
    dir: src.dir,
    format: src.format,
    names: () => src.names().filter((n) => !hide(n)),
    has: (n) => !hide(n) && src.has(n),
    entry: (n) => src.entry(n),
    readFloat32: (n) => src.readFloat32(n),
    missingReason: () => src.missingReason(),
  };
}

export function forward(t: Tiny, weights: ReadonlyMap<string, Float32Array> = t.loaded.tensors): Model {
  return buildForwardModel(t.spec, weights, { head: t.head });
}

export interface Batch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
}

export async function encode(t: Tiny, sentences: readonly string[] = SENTENCES): Promise<Batch> {
  const enc = (await loadTokenizer(fixtureModel(t.model), t.spec)).encode([...sentences]);
  return {
    input_ids: toRows(enc.inputIds, enc.batch, enc.seq),
    attention_mask: toRows(enc.attentionMask, enc.batch, enc.seq),
    token_type_ids: toRows(enc.tokenTypeIds, enc.batch, enc.seq),
  };
}

export const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

/** The batch as graph feeds: only the inputs the family's graph declares. */
export function batchFeeds(t: Tiny, batch: Batch): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of graphInputNames(t.spec)) feeds[name] = i64(batch[name as keyof Batch]);
  return feeds;
}

/** The model's logits for `batch`, by onnxruntime-node on the CPU. */
export async function logits(t: Tiny, model: Model, batch: Batch): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelToBytes(model), { logSeverityLevel: 3 });
  try {
    const out = await session.run(batchFeeds(t, batch));
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * Adapters with both factors non-zero: A ~ U(±1/√in) as PEFT draws it, B ~ N(0, bStd²) where PEFT starts at 0, so
 * the low-rank path moves the output and any error in it shows.
 */
export function randomAdapters(modules: readonly LinearModule[], rank: number, seed: number, bStd = 0.2): AdapterValues[] {
  const rng = new Rng(seed);
  return modules.map((m) => {
    const bound = 1 / Math.sqrt(m.inFeatures);
    const a = Float32Array.from({ length: rank * m.inFeatures }, () => (rng.next() * 2 - 1) * bound);
    const b = Float32Array.from({ length: m.outFeatures * rank }, () => rng.normal() * bStd);
    return { module: m.module, rank, a, b };
  });
}

/** The weights map with each adapter's factors under PEFT's names (what mergedWeights and the trainer hold). */
export function withAdapterWeights(weights: ReadonlyMap<string, Float32Array>, adapters: readonly AdapterValues[]): Map<string, Float32Array> {
  const out = new Map(weights);
  for (const ad of adapters) {
    out.set(`${ad.module}.lora_A.weight`, ad.a);
    out.set(`${ad.module}.lora_B.weight`, ad.b);
  }
  return out;
}

export interface Difference {
  maxAbs: number;
  /** max |a − b| / max |b|: relative to the output's scale (elementwise ratios blow up where values are ~0). */
  maxRel: number;
}

export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Difference {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { maxAbs, maxRel: maxAbs / Math.max(scale, Number.MIN_VALUE) };
}
