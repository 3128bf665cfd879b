// A bench model folder plus real review sentences tokenized by its (real bert-base-uncased) tokenizer.
import * as path from 'node:path';
import type { TokenizedExample } from '../../src/data/batching';
import { buildForwardModel } from '../../src/models/arch/forward';
import { Checkpoint } from '../../src/models/checkpoint';
import type { Model } from '../../src/onnx/ir';
import type { ModelSpec } from '../../src/models/modelSpec';
import { loadTokenizer } from '../../src/models/tokenizer';
import { loadWeights } from '../../src/models/weights';
import { Rng } from '../../src/util/rng';
import { BENCH_CONFIGS, writeBenchModel } from './benchModel';
import { reviewSentences } from './sentences';

export interface BenchData {
  spec: ModelSpec;
  weights: Map<string, Float32Array>;
  forward: Model;
  items: TokenizedExample[];
  padId: number;
}

/** `count` sentences drawn (seeded) from all three review sources, so lengths vary as in a real dataset. */
export async function benchData(work: string, configId: string, count: number, maxLength = 128): Promise<BenchData> {
  const c = BENCH_CONFIGS.find((x) => x.id === configId);
  if (!c) throw new Error(`unknown bench configuration "${configId}"`);
  const dir = path.join(work, configId);
  const spec = writeBenchModel(dir, c);
  const tok = await loadTokenizer(dir, spec);
  const all = reviewSentences();
  new Rng(3).shuffle(all);
  const items = all.slice(0, count).map((s, index) => ({ ids: tok.encodeOne(s.text, undefined, maxLength), label: s.label, index }));
  const weights = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification').tensors;
  return { spec, weights, forward: buildForwardModel(spec, weights, { head: 'sequence-classification' }), items, padId: tok.padTokenId };
}
