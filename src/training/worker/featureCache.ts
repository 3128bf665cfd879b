// Feature extraction's encode-once cache: the frozen prefix's outputs per example, computed in one pass and kept on
// disk, so every later epoch runs only the trainable head. Only frontier values shaped [batch, d] are cacheable per
// example (a [batch, sequence, d] value depends on the batch's padding).
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { ValueInfo } from '../../onnx/ir';
import { collate, planBatches, type TokenizedExample } from '../../data/batching';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomicWrite';
import type { TrainingSession } from '../artifacts/session';
import { inputFeeds, type Feeds } from './feeds';

export function perExampleFrontier(outputs: readonly ValueInfo[]): boolean {
  return outputs.length > 0 && outputs.every((o) => o.dtype === 'float32' && o.shape.length === 2 && typeof o.shape[1] === 'number');
}

export class FeatureCache {
  private constructor(private readonly outputs: { name: string; width: number; data: Float32Array }[], readonly count: number) {}

  /** Runs the prefix over every example once (batched by length to waste no compute on padding). */
  static async build(session: TrainingSession, items: readonly TokenizedExample[], inputNames: readonly string[], padId: number, batchSize = 64): Promise<FeatureCache> {
    const fp = session.manifest.frozenPrefix!;
    const outputs = fp.outputs.map((o) => ({ name: o.name, width: o.shape[1] as number, data: new Float32Array(items.length * (o.shape[1] as number)) }));
    for (const indices of planBatches(items.map((i) => i.ids.length), { batchSize, bucket: true })) {
      const batch = collate(items, indices, { padId });
      const feats = await session.features(inputFeeds(batch, inputNames));
      for (const o of outputs) {
        const src = feats[o.name].data as Float32Array;
        indices.forEach((item, row) => o.data.set(src.subarray(row * o.width, (row + 1) * o.width), item * o.width));
      }
    }
    return new FeatureCache(outputs, items.length);
  }

  /** The cached frontier values for a batch of example positions. */
  feeds(indices: readonly number[]): Feeds {
    const out: Feeds = {};
    for (const o of this.outputs) {
      const data = new Float32Array(indices.length * o.width);
      indices.forEach((item, row) => data.set(o.data.subarray(item * o.width, (item + 1) * o.width), row * o.width));
      out[o.name] = new ort.Tensor('float32', data, [indices.length, o.width]);
    }
    return out;
  }

  save(file: string): void {
    const header = { count: this.count, outputs: this.outputs.map((o) => ({ name: o.name, width: o.width })) };
    writeFileAtomic(file, this.outputs.map((o) => new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength)));
    writeJsonAtomic(`${file}.json`, header);
  }

  /** The cache written by save(), if it matches `count` examples and the frontier `outputs`; else undefined. */
  static load(file: string, count: number, outputs: readonly ValueInfo[]): FeatureCache | undefined {
    try {
      const header = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as { count: number; outputs: { name: string; width: number }[] };
      if (header.count !== count || header.outputs.map((o) => `${o.name}:${o.width}`).join() !== outputs.map((o) => `${o.name}:${o.shape[1]}`).join()) return undefined;
      const bytes = fs.readFileSync(file);
      let offset = 0;
      const parts = header.outputs.map((o) => {
        const n = count * o.width;
        const data = new Float32Array(n);
        new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + n * 4));
        offset += n * 4;
        return { ...o, data };
      });
      return offset === bytes.length ? new FeatureCache(parts, count) : undefined;
    } catch {
      return undefined;
    }
  }
}
