// Bench step 1 (its own process, so its memory never counts in a measured peak): per configuration, the model folder,
// one batch of real text (16 × 128 tokens), the forward graph (eval, for ORT's forward-only rate) and the training
// artifacts of a full fine-tuning run (every parameter, cross-entropy, AdamW with HF's decay groups, clipping at 1).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildForwardModel } from '../src/models/arch/forward';
import { Checkpoint } from '../src/models/checkpoint';
import type { ModelSpec } from '../src/models/modelSpec';
import { loadTokenizer } from '../src/models/tokenizer';
import { loadWeights } from '../src/models/weights';
import { generateArtifacts } from '../src/training/artifacts/generateArtifacts';
import { saveModel } from '../src/onnx/serialize';
import { readBatch } from './lib/batchFeeds';
import { BENCH_CONFIGS, BatchJson, DEFAULT_BENCH_CONFIGS, rows, writeBenchModel } from './lib/benchModel';
import { encoderLayerParams, forwardFlops, trainStepFlops } from './lib/flops';
import { longTexts, reviewSentences } from './lib/sentences';
import { args, emit, need } from './lib/stats';

async function tokenizeBatch(modelDir: string, spec: ModelSpec, texts: { text: string; label: number }[], seq: number): Promise<BatchJson> {
  const tok = await loadTokenizer(modelDir, spec);
  const enc = tok.encode(texts.map((t) => t.text), { maxLength: seq, padTo: seq });
  return {
    batch: enc.batch, seq: enc.seq, input_ids: rows(enc.inputIds, enc.batch, enc.seq), attention_mask: rows(enc.attentionMask, enc.batch, enc.seq),
    token_type_ids: rows(enc.tokenTypeIds, enc.batch, enc.seq), labels: texts.map((t) => t.label), realTokens: enc.attentionMask.reduce((s, v) => s + Number(v), 0),
  };
}

async function main(): Promise<void> {
  const a = args();
  const work = path.resolve(need(a, 'work'));
  const ids = (a.get('configs') ?? DEFAULT_BENCH_CONFIGS.join(',')).split(',');
  const batchSize = Number(a.get('batch') ?? 16);
  const seq = Number(a.get('seq') ?? 128);
  // --batches DIR reuses <DIR>/<config>.json (bench/gpu.sh carries them): no tokenizer, so no transformers.js needed.
  const carried = a.get('batches');
  const texts = carried ? [] : longTexts(reviewSentences(), batchSize);
  const out: Record<string, unknown>[] = [];
  for (const id of ids) {
    const c = BENCH_CONFIGS.find((x) => x.id === id);
    if (!c) throw new Error(`unknown bench configuration "${id}"; known: ${BENCH_CONFIGS.map((x) => x.id).join(', ')}`);
    const dir = path.join(work, id);
    const modelDir = path.join(dir, 'model');
    const t0 = performance.now();
    const spec = writeBenchModel(modelDir, c, 42, !carried);
    const batch = carried ? readBatch(path.join(carried, `${id}.json`)) : await tokenizeBatch(modelDir, spec, texts, seq);
    fs.writeFileSync(path.join(dir, 'batch.json'), JSON.stringify(batch));
    if (a.get('tokenize-only') === 'true') {
      out.push({ id, batchFile: path.join(dir, 'batch.json') });
      continue;
    }
    const loaded = loadWeights(Checkpoint.open(modelDir), spec, 'sequence-classification');
    saveModel(buildForwardModel(spec, loaded.tensors, { head: 'sequence-classification' }), path.join(dir, 'forward.onnx'));
    const training = buildForwardModel(spec, loaded.tensors, { head: 'sequence-classification', training: a.get('dropout') === 'true' });
    const t1 = performance.now();
    generateArtifacts(training, {
      trainable: [...loaded.tensors.keys()], loss: { kind: 'cross-entropy' },
      optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, maxGradNorm: 1,
    }, path.join(dir, 'artifacts'));
    const params = [...loaded.tensors.values()].reduce((s, t) => s + t.length, 0);
    out.push({
      id, family: c.family, big: c.big ?? false, source: c.zoo ?? 'generated', dir, modelDir, batchFile: path.join(dir, 'batch.json'), forward: path.join(dir, 'forward.onnx'), artifacts: path.join(dir, 'artifacts'),
      params, encoderParams: encoderLayerParams(spec), batch: batch.batch, seq: batch.seq, realTokens: batch.realTokens,
      forwardFlops: forwardFlops(spec, batch.batch, batch.seq), trainFlops: trainStepFlops(spec, batch.batch, batch.seq),
      generateSeconds: (performance.now() - t1) / 1000, prepareSeconds: (performance.now() - t0) / 1000,
    });
  }
  emit({ configs: out });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
