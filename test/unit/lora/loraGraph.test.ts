// The LoRA graph transform on real forward graphs of the tiny fixtures, run by onnxruntime-node: which weights are
// Linear modules, B = 0 is the base model bit for bit, non-zero adapters equal the merged model (PEFT
// merge_and_unload: W + s·B·A), the adapter dropout is hashed from the fed seed, DeBERTa's shared key projection
// carries its one adapter at both of its reads, and a module that is no Linear is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../../src/onnx/serialize';
import { generateArtifacts } from '../../../src/training/artifacts/generateArtifacts';
import { DROPOUT_SEED } from '../../../src/training/artifacts/hashedDropout';
import { TrainingSession } from '../../../src/training/artifacts/session';
import { loraScaling, mergedWeights } from '../../../src/training/lora/loraConfig';
import { addLoraAdapters, loraAName, loraBName } from '../../../src/training/lora/loraGraph';
import { type LinearModule, linearModules, matchesTarget } from '../../../src/training/lora/loraTargets';
import { tempDir } from '../models/support';
import { type Tiny, batchFeeds, difference, encode, forward, loadTiny, logits, randomAdapters, withAdapterWeights } from './loraFixture';

const names = (ms: readonly LinearModule[]) => ms.map((m) => m.module);
const pick = (ms: readonly LinearModule[], targets: string[]) => ms.filter((m) => matchesTarget(m.module, targets));

test('linearModules: BERT attention, output and FFN projections (with their shapes), no embedding tables, no tied decoder', () => {
  const cls = loadTiny('tiny-bert', 'sequence-classification');
  const modules = linearModules(forward(cls).graph);
  const byName = new Map(modules.map((m) => [m.module, m]));
  const { hiddenSize: h, intermediateSize: ff, numLayers } = cls.spec;
  for (let i = 0; i < numLayers; i++) {
    const l = `bert.encoder.layer.${i}`;
    for (const leaf of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) {
      assert.deepEqual(byName.get(`${l}.${leaf}`), { module: `${l}.${leaf}`, outFeatures: h, inFeatures: h }, `${l}.${leaf}`);
    }
    assert.deepEqual(byName.get(`${l}.intermediate.dense`), { module: `${l}.intermediate.dense`, outFeatures: ff, inFeatures: h });
    assert.deepEqual(byName.get(`${l}.output.dense`), { module: `${l}.output.dense`, outFeatures: h, inFeatures: ff });
  }
  assert.deepEqual(byName.get('classifier'), { module: 'classifier', outFeatures: cls.spec.numLabels, inFeatures: h });
  assert.ok(byName.has('bert.pooler.dense'));
  for (const m of modules) assert.doesNotMatch(m.module, /embeddings/, `${m.module} is an embedding table, read by Gather`);
  assert.equal(modules.length, numLayers * 6 + 2, names(modules).join(', '));

  // The MLM decoder multiplies by the word embeddings (tied): the table is gathered too, so it is no Linear module.
  const mlm = loadTiny('tiny-bert', 'masked-lm');
  const g = forward(mlm).graph;
  const words = 'bert.embeddings.word_embeddings.weight';
  const readers = g.nodes.filter((n) => n.inputs.includes(words)).map((n) => n.opType).sort();
  assert.ok(readers.includes('Gather') && readers.length > 1, `the tied table has a decoder read besides Gather: ${readers.join(', ')}`);
  const mlmModules = names(linearModules(g));
  assert.ok(mlmModules.includes('cls.predictions.transform.dense'));
  assert.ok(!mlmModules.some((m) => /embeddings/.test(m)), mlmModules.join(', '));
});

test('addLoraAdapters: B = 0 (PEFT init) leaves the logits bit-identical to the base graph', async () => {
  for (const model of ['tiny-bert', 'tiny-distilbert']) {
    const t = loadTiny(model, 'sequence-classification');
    const base = forward(t);
    const modules = linearModules(base.graph).filter((m) => m.module !== 'classifier');
    const adapters = randomAdapters(modules, 4, 3).map((ad) => ({ ...ad, b: new Float32Array(ad.b.length) }));
    const adapted = addLoraAdapters(base, adapters, { scaling: 2, dropout: 0.1, training: false });
    assert.equal(adapted.graph.nodes.filter((n) => n.name.endsWith('.lora.add')).length, modules.length, `${model}: one adapter path per module`);
    const batch = await encode(t);
    const ours = await logits(t, adapted, batch);
    const ref = await logits(t, base, batch);
    assert.deepEqual(Array.from(ours), Array.from(ref), `${model}: B = 0 changed the logits`);
  }
});

/** The adapted graph against the base graph with merged weights; returns the difference and how far the adapters moved the logits. */
async function mergedParity(t: Tiny, modules: readonly LinearModule[], rank: number, alpha: number, useRslora: boolean) {
  const adapters = randomAdapters(modules, rank, 7);
  const scaling = loraScaling({ alpha, rank, useRslora });
  const base = forward(t);
  const adapted = addLoraAdapters(base, adapters, { scaling, dropout: 0.1, training: false });
  const merged = mergedWeights(withAdapterWeights(t.loaded.tensors, adapters), { modules: [...modules], rank, alpha, useRslora });
  const batch = await encode(t);
  const ours = await logits(t, adapted, batch);
  const ref = await logits(t, forward(t, merged), batch);
  const untouched = await logits(t, base, batch);
  return { diff: difference(ours, ref), moved: difference(ours, untouched).maxAbs };
}

test('addLoraAdapters with random non-zero A, B: logits equal the base model with W + s·B·A merged (max abs ≤ 1e-6)', async () => {
  const report: string[] = [];
  const cases: Array<{ model: string; targets: string[]; rank: number; alpha: number; useRslora: boolean }> = [
    { model: 'tiny-bert', targets: ['query', 'key', 'value', 'dense'], rank: 4, alpha: 8, useRslora: false },
    { model: 'tiny-bert', targets: ['query', 'value'], rank: 8, alpha: 16, useRslora: true },
    { model: 'tiny-roberta', targets: ['query', 'value', 'output.dense'], rank: 2, alpha: 4, useRslora: false },
    { model: 'tiny-distilbert', targets: ['q_lin', 'k_lin', 'v_lin', 'out_lin', 'lin1', 'lin2'], rank: 4, alpha: 8, useRslora: false },
    { model: 'tiny-modernbert', targets: ['Wqkv', 'Wo', 'Wi'], rank: 4, alpha: 8, useRslora: false },
  ];
  for (const c of cases) {
    const t = loadTiny(c.model, 'sequence-classification');
    const modules = pick(linearModules(forward(t).graph), c.targets);
    assert.ok(modules.length >= t.spec.numLayers * c.targets.length - t.spec.numLayers, `${c.model}: targets ${c.targets.join(', ')} matched ${modules.length}`);
    const { diff, moved } = await mergedParity(t, modules, c.rank, c.alpha, c.useRslora);
    // The adapters must change the output for the comparison to say anything.
    assert.ok(moved > 1e-3, `${c.model}: the adapters moved the logits by only ${moved}`);
    assert.ok(diff.maxAbs <= 1e-6, `${c.model}: adapted vs merged logits differ by ${diff.maxAbs} (rel ${diff.maxRel})`);
    report.push(`${c.model} [${c.targets.join(',')}] r=${c.rank}${c.useRslora ? ' rsLoRA' : ''}: ${modules.length} adapters, logits moved ${moved.toExponential(2)}, adapted vs merged max abs ${diff.maxAbs.toExponential(2)}, max rel ${diff.maxRel.toExponential(2)}`);
  }
  console.log(report.join('\n'));
});

test('DeBERTa (share_att_key): key_proj, read by the content and the relative-position attention, gets one adapter at both reads', async () => {
  const t = loadTiny('tiny-deberta', 'sequence-classification');
  assert.equal(t.spec.deberta?.shareAttKey, true, 'the fixture is DeBERTa-v3 style');
  const base = forward(t);
  const key = 'deberta.encoder.layer.0.attention.self.key_proj';
  const readsOfKey = base.graph.nodes.filter((n) => n.opType === 'Transpose' && n.inputs[0] === `${key}.weight`).length;
  assert.equal(readsOfKey, 2, 'share_att_key: key_proj projects the hidden states and the relative embeddings');
  const modules = pick(linearModules(base.graph), ['query_proj', 'key_proj', 'value_proj']);
  assert.equal(modules.length, 3 * t.spec.numLayers);
  const adapted = addLoraAdapters(base, randomAdapters(modules, 4, 5), { scaling: 2, dropout: 0, training: false });
  const g = adapted.graph;
  // One pair of factors per module, two low-rank paths into it (.lora.0 on the hidden states, .lora.1 on rel_embeddings).
  assert.equal([...g.initializers.keys()].filter((k) => k.startsWith(`${key}.lora_`)).length, 2);
  assert.deepEqual(g.nodes.filter((n) => n.name.startsWith(`${key}.lora.`) && n.name.endsWith('.add')).map((n) => n.name), [`${key}.lora.0.add`, `${key}.lora.1.add`]);
  assert.equal(g.nodes.filter((n) => n.opType === 'Transpose' && n.inputs[0] === loraAName(key)).length, 1, 'the factors are transposed once');
  // If the second read missed its adapter, the merged model (whose key_proj is W + s·B·A at both reads) would differ.
  const { diff, moved } = await mergedParity(t, modules, 4, 8, false);
  assert.ok(moved > 1e-3, `the adapters moved the logits by only ${moved}`);
  assert.ok(diff.maxAbs <= 1e-6, `adapted vs merged DeBERTa logits differ by ${diff.maxAbs} (rel ${diff.maxRel})`);
  console.log(`tiny-deberta q/k/v_proj: adapted vs merged max abs ${diff.maxAbs.toExponential(2)}, max rel ${diff.maxRel.toExponential(2)} (logits moved ${moved.toExponential(2)})`);
});

test('addLoraAdapters refuses a module that is not a Linear of the graph, and factors of the wrong size', () => {
  const t = loadTiny('tiny-bert', 'sequence-classification');
  const base = forward(t);
  const [query] = pick(linearModules(base.graph), ['query']);
  const [good] = randomAdapters([query], 2, 1);
  const opts = { scaling: 1, dropout: 0, training: false };
  assert.throws(() => addLoraAdapters(base, [{ ...good, module: 'bert.encoder.layer.0.attention.self.queryx' }], opts), /"bert\.encoder\.layer\.0\.attention\.self\.queryx" is not a Linear module/);
  assert.throws(() => addLoraAdapters(base, [{ ...good, module: 'bert.embeddings.word_embeddings' }], opts), /is not a Linear module/);
  assert.throws(() => addLoraAdapters(base, [{ ...good, a: good.a.subarray(1) }], opts), /rank 2 on \[\d+, \d+\] needs/);
  // The input graph is left as it was.
  assert.equal(base.graph.initializers.has(loraBName(query.module)), false);
});

test('training graph with lora_dropout > 0: hashed by generateArtifacts, same seed same loss, another seed another loss, none without dropout', async () => {
  const t = loadTiny('tiny-bert', 'sequence-classification');
  // The base model without its own Dropout: any randomness in the loss comes from the adapters' dropout.
  const base = forward(t);
  const modules = pick(linearModules(base.graph), ['query', 'value']);
  const adapters = randomAdapters(modules, 4, 9, 0.5);
  const adapted = addLoraAdapters(base, adapters, { scaling: 2, dropout: 0.3, training: true });
  const loraDropouts = adapted.graph.nodes.filter((n) => n.opType === 'Dropout');
  assert.equal(loraDropouts.length, modules.length, 'one Dropout on each adapter input');
  const dir = tempDir('lora-dropout');
  const manifest = generateArtifacts(adapted, { trainable: [...modules.flatMap((m) => [loraAName(m.module), loraBName(m.module)]), 'classifier.weight', 'classifier.bias'], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' } }, dir);
  assert.equal(manifest.dropoutSeed, DROPOUT_SEED);
  // Layer 0's adapters drop the embeddings' output, which no trainable weight precedes: those land in the frozen
  // prefix, which then must not be cached (its outputs change with the seed).
  assert.equal(manifest.frozenPrefix?.cacheable, false, 'a prefix with adapter dropout is not cacheable');
  const graphs = ['frozen_prefix.onnx', 'training_model.onnx'].map((f) => loadModel(path.join(dir, f)).graph);
  const count = (op: string) => graphs.reduce((k, g) => k + g.nodes.filter((n) => n.opType === op).length, 0);
  assert.equal(count('Dropout'), 0, 'ORT Dropout (session-seeded) is gone');
  assert.equal(count('MurmurHash3'), modules.length, 'each adapter dropout is a hashed mask');
  assert.ok(graphs.every((g) => g.inputs.some((v) => v.name === DROPOUT_SEED)));

  const batch = await encode(t);
  const labels = new ort.Tensor('int64', BigInt64Array.from([1n, 0n, 1n, 0n]), [4]);
  const seed = (s: number) => new ort.Tensor('int64', BigInt64Array.of(BigInt(s)), []);
  const lossWith = async (s: number) => {
    // A fresh session each time: the masks must follow from the fed seed, not from a session's generator.
    const session = await TrainingSession.open(dir, { mode: 'separate' });
    try {
      return (await session.gradients({ ...batchFeeds(t, batch), labels, [DROPOUT_SEED]: seed(s) })).loss;
    } finally {
      await session.release();
    }
  };
  const a = await lossWith(1234);
  const again = await lossWith(1234);
  const other = await lossWith(99);
  assert.equal(again, a, 'same dropout seed, same loss');
  assert.ok(Math.abs(other - a) > 1e-6, `another seed should drop other units: ${a} vs ${other}`);
  // Without dropout (training: false, what eval and export graphs get) the loss is the deterministic one, and the
  // dropout did change the training loss.
  const noDropout = addLoraAdapters(base, adapters, { scaling: 2, dropout: 0.3, training: false });
  assert.equal(noDropout.graph.nodes.filter((n) => n.opType === 'Dropout').length, 0);
  const dir2 = tempDir('lora-nodropout');
  generateArtifacts(noDropout, { trainable: ['classifier.weight', 'classifier.bias'], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' } }, dir2);
  const s2 = await TrainingSession.open(dir2, { mode: 'separate' });
  const plain = (await s2.gradients({ ...batchFeeds(t, batch), labels })).loss;
  const evalLoss = (await s2.evalStep({ ...batchFeeds(t, batch), labels })).loss;
  await s2.release();
  assert.ok(Math.abs(evalLoss - plain) <= 1e-6, `eval loss ${evalLoss} vs training loss ${plain} of the dropout-free graph`);
  assert.ok(Math.abs(a - plain) > 1e-6 && Math.abs(other - plain) > 1e-6, 'dropout changed the training loss');
  // PEFT drops the adapter's input only (lora_B(lora_A(dropout(x)))): the base path sees x whole, so with B = 0 the
  // training loss under dropout is the base model's whatever the seed.
  const zeroB = adapters.map((ad) => ({ ...ad, b: new Float32Array(ad.b.length) }));
  const dir3 = tempDir('lora-dropout-zero-b');
  generateArtifacts(addLoraAdapters(base, zeroB, { scaling: 2, dropout: 0.3, training: true }), { trainable: ['classifier.weight', 'classifier.bias', ...modules.map((m) => loraBName(m.module))], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' } }, dir3);
  const dir4 = tempDir('lora-base');
  generateArtifacts(base, { trainable: ['classifier.weight', 'classifier.bias'], loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' } }, dir4);
  const s3 = await TrainingSession.open(dir3, { mode: 'separate' });
  const s4 = await TrainingSession.open(dir4, { mode: 'separate' });
  const baseLoss = (await s4.gradients({ ...batchFeeds(t, batch), labels })).loss;
  for (const s of [1234, 99]) {
    const r = await s3.gradients({ ...batchFeeds(t, batch), labels, [DROPOUT_SEED]: seed(s) });
    assert.ok(Math.abs(r.loss - baseLoss) <= 1e-7, `B = 0 under dropout (seed ${s}): loss ${r.loss} vs the base model ${baseLoss}`);
    // …while B's gradient, which reads the dropped input, is not zero.
    assert.ok((r.grads.get(loraBName(modules[0].module))!.data as Float32Array).some((v) => v !== 0));
  }
  await s3.release();
  await s4.release();
  console.log(`lora_dropout 0.3: loss seed 1234 ${a} (twice), seed 99 ${other}, without dropout ${plain}`);
});
