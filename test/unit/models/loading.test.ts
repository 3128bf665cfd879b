import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelParameters } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { parseModelSpec, readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { SafetensorsFile, TensorToWrite, writeSafetensors } from '../../../src/models/safetensors';
import { loadWeights } from '../../../src/models/weights';
import { fixtureModel, tempDir } from './support';

function copyModel(name: string): string {
  const src = fixtureModel(name);
  const dst = tempDir(name);
  for (const f of fs.readdirSync(src)) if (fs.statSync(path.join(src, f)).isFile()) fs.copyFileSync(path.join(src, f), path.join(dst, f));
  return dst;
}

test('config.json of each family becomes one ModelSpec', () => {
  const bert = readModelSpec(fixtureModel('tiny-bert'));
  assert.equal(bert.family, 'bert');
  assert.deepEqual([bert.hiddenSize, bert.numLayers, bert.numHeads, bert.intermediateSize, bert.typeVocabSize, bert.maxPositions], [32, 2, 4, 64, 2, 128]);
  assert.deepEqual(bert.id2label, { 0: 'negative', 1: 'positive' });
  const distil = readModelSpec(fixtureModel('tiny-distilbert'));
  assert.deepEqual([distil.family, distil.hiddenSize, distil.numHeads, distil.intermediateSize, distil.typeVocabSize, distil.classifierDropout], ['distilbert', 32, 2, 64, 0, 0.2]);
  const electra = readModelSpec(fixtureModel('tiny-electra'));
  assert.deepEqual([electra.embeddingSize, electra.hiddenSize], [16, 32]);
  const xlmr = parseModelSpec({ model_type: 'xlm-roberta', vocab_size: 250002, num_labels: 3 });
  assert.deepEqual([xlmr.family, xlmr.padTokenId, xlmr.numLabels, xlmr.id2label[2]], ['roberta', 1, 3, 'LABEL_2']);
  // MiniLM checkpoints are model_type bert with 384 hidden / 12 heads.
  const minilm = parseModelSpec({ model_type: 'bert', vocab_size: 30522, hidden_size: 384, num_attention_heads: 12, intermediate_size: 1536, num_hidden_layers: 6 });
  assert.equal(minilm.hiddenSize / minilm.numHeads, 32);
  const relabelled = withLabels(bert, ['x', 'y', 'z'], 'multi_label_classification');
  assert.deepEqual([relabelled.numLabels, relabelled.label2id.z, relabelled.problemType], [3, 2, 'multi_label_classification']);
});

test('config errors say which key is wrong', () => {
  assert.throws(() => parseModelSpec({ model_type: 'gpt2', vocab_size: 10 }), /model_type "gpt2" is not supported/);
  assert.throws(() => parseModelSpec({ model_type: 'bert' }), /"vocab_size" must be a non-negative integer/);
  assert.throws(() => parseModelSpec({ model_type: 'bert', vocab_size: 10, hidden_size: 30, num_attention_heads: 4 }), /hidden size 30 is not divisible by 4/);
  assert.throws(() => parseModelSpec({ model_type: 'bert', vocab_size: 10, hidden_act: 'swish' }), /"hidden_act" = "swish" is not supported/);
  assert.throws(() => parseModelSpec({ model_type: 'bert', vocab_size: 10, id2label: { 0: 'a', 2: 'c' } }), /id 1 is missing/);
  assert.throws(() => readModelSpec(tempDir('cfg')), /config\.json: cannot read/);
});

test('a folder with only pytorch_model.bin is refused, saying why and how to get safetensors', () => {
  const dir = tempDir('pickle');
  fs.copyFileSync(path.join(fixtureModel('tiny-bert'), 'config.json'), path.join(dir, 'config.json'));
  fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), Buffer.from('PK\x03\x04 not really a zip'));
  assert.throws(() => Checkpoint.open(dir), (e: Error) =>
    e.message.includes(path.join(dir, 'pytorch_model.bin')) && /pickle/.test(e.message) && /runs arbitrary code/.test(e.message)
    && /safe_serialization=True/.test(e.message) && /Convert to Safetensors/.test(e.message));
});

test('weights are checked against config.json: a shape that disagrees names the file, the tensor and both shapes', () => {
  const dir = copyModel('tiny-bert');
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  cfg.vocab_size += 1;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  const spec = readModelSpec(dir);
  assert.throws(() => loadWeights(Checkpoint.open(dir), spec, 'sequence-classification'), (e: Error) =>
    e.message.includes(path.join(dir, 'model.safetensors')) && e.message.includes('"bert.embeddings.word_embeddings.weight"')
    && e.message.includes(`[${cfg.vocab_size - 1}, 32]`) && e.message.includes(`[${cfg.vocab_size}, 32]`));
});

test('an integer tensor where a weight belongs, or a missing encoder weight, is an error naming it', () => {
  const dir = copyModel('tiny-bert');
  const spec = readModelSpec(dir);
  const file = path.join(dir, 'model.safetensors');
  const st = SafetensorsFile.open(file);
  const tensors = new Map<string, TensorToWrite>();
  for (const name of st.names()) tensors.set(name, { dtype: 'F32', shape: st.entry(name).shape, data: st.readFloat32(name) });
  const bad = 'bert.encoder.layer.1.output.dense.bias';
  tensors.set(bad, { dtype: 'I32', shape: [32], data: new Int32Array(32) });
  writeSafetensors(file, tensors);
  assert.throws(() => loadWeights(Checkpoint.open(dir), spec, 'sequence-classification'), new RegExp(`"${bad.replace(/\./g, '\\.')}" has dtype I32`));
  tensors.delete(bad);
  writeSafetensors(file, tensors);
  assert.throws(() => loadWeights(Checkpoint.open(dir), spec, 'sequence-classification'), /lacks 1 encoder weight.*layer\.1\.output\.dense\.bias/);
});

test('a base checkpoint loads into any head: missing head weights are initialised, unused ones reported', () => {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  const mlm = loadWeights(Checkpoint.open(dir), spec, 'masked-lm');
  assert.deepEqual(mlm.initialised.sort(), ['cls.predictions.bias', 'cls.predictions.transform.LayerNorm.bias', 'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.dense.bias', 'cls.predictions.transform.dense.weight']);
  assert.deepEqual(mlm.unused.sort(), ['bert.pooler.dense.bias', 'bert.pooler.dense.weight', 'classifier.bias', 'classifier.weight']);
  assert.ok(mlm.tensors.get('cls.predictions.transform.LayerNorm.weight')?.every((v) => v === 1));
  // A bare (sentence-transformers) model has no "bert." prefix: names map both ways.
  const emb = loadWeights(Checkpoint.open(dir), spec, 'sentence-embedding');
  assert.deepEqual([...emb.tensors.keys()], modelParameters(spec, 'sentence-embedding').map((p) => p.name));
  assert.deepEqual(emb.tensors.get('embeddings.word_embeddings.weight'), Checkpoint.open(dir).readFloat32('bert.embeddings.word_embeddings.weight'));
  // Three labels on a two-label checkpoint: rejected unless the head is declared new.
  const three = withLabels(spec, ['a', 'b', 'c']);
  assert.throws(() => loadWeights(Checkpoint.open(dir), three, 'sequence-classification'), /"classifier\.weight" has shape \[2, 32\] but .* implies \[3, 32\]/);
  const fresh = loadWeights(Checkpoint.open(dir), three, 'sequence-classification', { ignoreMismatchedHead: true });
  assert.deepEqual(fresh.initialised, ['classifier.weight', 'classifier.bias']);
});

test('bf16 and fp16 checkpoints, and old TF-converted LayerNorm gamma/beta names, load into the same model', async () => {
  const { buildForwardModel } = await import('../../../src/models/arch/forward');
  const { maxAbsDiff, ortSession, runSession } = await import('./support');
  const src = fixtureModel('tiny-bert');
  const spec = readModelSpec(src);
  const reference = loadWeights(Checkpoint.open(src), spec, 'sequence-classification');
  const inputs = { input_ids: [[2, 134, 150, 136, 3]], attention_mask: [[1, 1, 1, 1, 1]], token_type_ids: [[0, 0, 0, 0, 0]] };
  const logitsOf = async (w: Map<string, Float32Array>) =>
    (await runSession(await ortSession(buildForwardModel(spec, w, { head: 'sequence-classification' })), inputs)).logits.data as Float32Array;
  const want = await logitsOf(reference.tensors);
  for (const [dtype, tol] of [['BF16', 2e-2], ['F16', 2e-3]] as const) {
    const dir = copyModel('tiny-bert');
    const tensors = new Map<string, TensorToWrite>();
    for (const [name, data] of reference.tensors) {
      const legacy = name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
      tensors.set(dtype === 'BF16' ? legacy : name, { dtype, shape: reference.shapes.get(name) as number[], data });
    }
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    const loaded = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification');
    assert.deepEqual(loaded.initialised, [], dtype);
    const w = loaded.tensors.get('bert.embeddings.LayerNorm.weight') as Float32Array;
    const r = reference.tensors.get('bert.embeddings.LayerNorm.weight') as Float32Array;
    assert.ok(maxAbsDiff(w, r) <= (dtype === 'BF16' ? 2 ** -8 : 2 ** -11) * 2, `${dtype} rounding of LayerNorm weights`);
    assert.ok(maxAbsDiff(await logitsOf(loaded.tensors), want) < tol, `${dtype} logits`);
  }
});
