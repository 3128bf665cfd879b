// Export: the folder must load in HF transformers (config + safetensors names/shapes exactly as HF's modeling code
// registers them) and run in transformers.js' text-classification pipeline with the same predictions as our eval graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildForwardModel } from '../../../src/models/arch/forward';
import { Checkpoint } from '../../../src/models/checkpoint';
import { exportModel } from '../../../src/models/export';
import { readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { SafetensorsFile } from '../../../src/models/safetensors';
import { loadTokenizer, loadTransformers } from '../../../src/models/tokenizer';
import { loadWeights } from '../../../src/models/weights';
import { Rng } from '../../../src/util/rng';
import { fixtureModel, ortSession, runSession, tempDir, toRows } from './support';

// Per-layer parameters as registered by HF's BertLayer / RobertaLayer / ElectraLayer (modeling_bert.py etc.).
const BERT_LAYER = (p: string, H: number, I: number): [string, number[]][] => [
  [`${p}.attention.self.query.weight`, [H, H]], [`${p}.attention.self.query.bias`, [H]],
  [`${p}.attention.self.key.weight`, [H, H]], [`${p}.attention.self.key.bias`, [H]],
  [`${p}.attention.self.value.weight`, [H, H]], [`${p}.attention.self.value.bias`, [H]],
  [`${p}.attention.output.dense.weight`, [H, H]], [`${p}.attention.output.dense.bias`, [H]],
  [`${p}.attention.output.LayerNorm.weight`, [H]], [`${p}.attention.output.LayerNorm.bias`, [H]],
  [`${p}.intermediate.dense.weight`, [I, H]], [`${p}.intermediate.dense.bias`, [I]],
  [`${p}.output.dense.weight`, [H, I]], [`${p}.output.dense.bias`, [H]],
  [`${p}.output.LayerNorm.weight`, [H]], [`${p}.output.LayerNorm.bias`, [H]],
];
// DistilBERT's TransformerBlock (modeling_distilbert.py).
const DISTIL_LAYER = (p: string, H: number, I: number): [string, number[]][] => [
  [`${p}.attention.q_lin.weight`, [H, H]], [`${p}.attention.q_lin.bias`, [H]],
  [`${p}.attention.k_lin.weight`, [H, H]], [`${p}.attention.k_lin.bias`, [H]],
  [`${p}.attention.v_lin.weight`, [H, H]], [`${p}.attention.v_lin.bias`, [H]],
  [`${p}.attention.out_lin.weight`, [H, H]], [`${p}.attention.out_lin.bias`, [H]],
  [`${p}.sa_layer_norm.weight`, [H]], [`${p}.sa_layer_norm.bias`, [H]],
  [`${p}.ffn.lin1.weight`, [I, H]], [`${p}.ffn.lin1.bias`, [I]],
  [`${p}.ffn.lin2.weight`, [H, I]], [`${p}.ffn.lin2.bias`, [H]],
  [`${p}.output_layer_norm.weight`, [H]], [`${p}.output_layer_norm.bias`, [H]],
];

/** HF state_dict of XxxForSequenceClassification for the tiny configs (hidden 32, intermediate 64, 2 layers, 2 labels). */
function expectedSequenceClassification(model: string, V: number): [string, number[]][] {
  const H = 32;
  const I = 64;
  switch (model) {
    case 'tiny-bert': return [
      ['bert.embeddings.word_embeddings.weight', [V, H]], ['bert.embeddings.position_embeddings.weight', [128, H]],
      ['bert.embeddings.token_type_embeddings.weight', [2, H]], ['bert.embeddings.LayerNorm.weight', [H]], ['bert.embeddings.LayerNorm.bias', [H]],
      ...BERT_LAYER('bert.encoder.layer.0', H, I), ...BERT_LAYER('bert.encoder.layer.1', H, I),
      ['bert.pooler.dense.weight', [H, H]], ['bert.pooler.dense.bias', [H]], ['classifier.weight', [2, H]], ['classifier.bias', [2]],
    ];
    case 'tiny-roberta': return [
      ['roberta.embeddings.word_embeddings.weight', [V, H]], ['roberta.embeddings.position_embeddings.weight', [130, H]],
      ['roberta.embeddings.token_type_embeddings.weight', [1, H]], ['roberta.embeddings.LayerNorm.weight', [H]], ['roberta.embeddings.LayerNorm.bias', [H]],
      ...BERT_LAYER('roberta.encoder.layer.0', H, I), ...BERT_LAYER('roberta.encoder.layer.1', H, I),
      ['classifier.dense.weight', [H, H]], ['classifier.dense.bias', [H]], ['classifier.out_proj.weight', [2, H]], ['classifier.out_proj.bias', [2]],
    ];
    case 'tiny-distilbert': return [
      ['distilbert.embeddings.word_embeddings.weight', [V, H]], ['distilbert.embeddings.position_embeddings.weight', [128, H]],
      ['distilbert.embeddings.LayerNorm.weight', [H]], ['distilbert.embeddings.LayerNorm.bias', [H]],
      ...DISTIL_LAYER('distilbert.transformer.layer.0', H, I), ...DISTIL_LAYER('distilbert.transformer.layer.1', H, I),
      ['pre_classifier.weight', [H, H]], ['pre_classifier.bias', [H]], ['classifier.weight', [2, H]], ['classifier.bias', [2]],
    ];
    case 'tiny-electra': return [
      ['electra.embeddings.word_embeddings.weight', [V, 16]], ['electra.embeddings.position_embeddings.weight', [128, 16]],
      ['electra.embeddings.token_type_embeddings.weight', [2, 16]], ['electra.embeddings.LayerNorm.weight', [16]], ['electra.embeddings.LayerNorm.bias', [16]],
      ['electra.embeddings_project.weight', [H, 16]], ['electra.embeddings_project.bias', [H]],
      ...BERT_LAYER('electra.encoder.layer.0', H, I), ...BERT_LAYER('electra.encoder.layer.1', H, I),
      ['classifier.dense.weight', [H, H]], ['classifier.dense.bias', [H]], ['classifier.out_proj.weight', [2, H]], ['classifier.out_proj.bias', [2]],
    ];
  }
  throw new Error(model);
}

const ARCH: Record<string, string> = {
  'tiny-bert': 'BertForSequenceClassification', 'tiny-roberta': 'RobertaForSequenceClassification',
  'tiny-distilbert': 'DistilBertForSequenceClassification', 'tiny-electra': 'ElectraForSequenceClassification',
};
const SENTENCES = ['This movie was great, I loved it!', 'Worst service ever.', 'The plot was ok but the acting was poor.', 'I would buy this again.', 'meh'];

/** A fixture's weights moved as training would, so export cannot pass by copying the input folder. */
function trainedWeights(model: string, labels: string[]) {
  const dir = fixtureModel(model);
  const spec = withLabels(readModelSpec(dir), labels, 'single_label_classification');
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sequence-classification', { ignoreMismatchedHead: true });
  const rng = new Rng(11);
  for (const w of tensors.values()) for (let i = 0; i < w.length; i++) w[i] += rng.normal() * 0.3;
  return { dir, spec, tensors };
}

for (const model of Object.keys(ARCH)) {
  test(`${model}: exported safetensors hold exactly HF's parameter names and shapes, and config.json is HF's`, () => {
    const labels = ['bad', 'good'];
    const { dir, spec, tensors } = trainedWeights(model, labels);
    const out = tempDir('export');
    exportModel({ sourceDir: dir, outDir: out, spec, head: 'sequence-classification', weights: tensors, labels });
    const st = SafetensorsFile.open(path.join(out, 'model.safetensors'));
    const got = st.names().map((n) => `${n} ${JSON.stringify(st.entry(n).shape)}`).sort();
    const want = expectedSequenceClassification(model, spec.vocabSize).map(([n, s]) => `${n} ${JSON.stringify(s)}`).sort();
    assert.deepEqual(got, want);
    assert.deepEqual(st.metadata, { format: 'pt' });
    for (const [name, w] of tensors) assert.deepEqual(st.readFloat32(name), w, name);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, [ARCH[model]]);
    assert.deepEqual(config.id2label, { 0: 'bad', 1: 'good' });
    assert.deepEqual(config.label2id, { bad: 0, good: 1 });
    assert.equal(config.problem_type, 'single_label_classification');
    assert.equal(config.model_type, spec.modelType);
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
      assert.ok(fs.existsSync(path.join(out, f)), f);
    }
    // And it loads back through our own loader as the same model.
    const again = loadWeights(Checkpoint.open(out), readModelSpec(out), 'sequence-classification');
    assert.deepEqual(again.initialised, []);
  });

  test(`${model}: transformers.js pipeline on the exported folder predicts what our eval graph predicts (≤ 1e-4)`, async () => {
    const labels = ['bad', 'good'];
    const { dir, spec, tensors } = trainedWeights(model, labels);
    const out = tempDir('export');
    exportModel({ sourceDir: dir, outDir: out, spec, head: 'sequence-classification', weights: tensors, labels });

    const tok = await loadTokenizer(dir, spec);
    const session = await ortSession(buildForwardModel(spec, tensors, { head: 'sequence-classification' }));
    const ours: number[][] = [];
    for (const s of SENTENCES) {
      const enc = tok.encode([s]);
      const r = await runSession(session, {
        input_ids: toRows(enc.inputIds, 1, enc.seq), attention_mask: toRows(enc.attentionMask, 1, enc.seq), token_type_ids: toRows(enc.tokenTypeIds, 1, enc.seq),
      });
      const logits = Array.from(r.logits.data as Float32Array);
      const m = Math.max(...logits);
      const e = logits.map((x) => Math.exp(x - m));
      ours.push(e.map((x) => x / e.reduce((a, b) => a + b, 0)));
    }

    const { pipeline } = await loadTransformers();
    const classify = await pipeline('text-classification', out, { local_files_only: true, dtype: 'fp32' });
    let worst = 0;
    for (const [i, s] of SENTENCES.entries()) {
      const preds = (await classify(s, { top_k: null })) as { label: string; score: number }[];
      const argmax = ours[i].indexOf(Math.max(...ours[i]));
      assert.equal(preds[0].label, labels[argmax], s);
      for (const p of preds) worst = Math.max(worst, Math.abs(p.score - ours[i][labels.indexOf(p.label)]));
    }
    assert.ok(worst <= 1e-4, `max probability difference ${worst}`);
    assert.ok(ours.some((p) => Math.abs(p[0] - p[1]) > 0.05), 'predictions must not all be coin flips');

    // The 8-bit model runs in the same pipeline, stays close to the float one and agrees on every clear decision.
    const q8 = await pipeline('text-classification', out, { local_files_only: true, dtype: 'q8' });
    let qWorst = 0;
    for (const [i, s] of SENTENCES.entries()) {
      const preds = (await q8(s, { top_k: null })) as { label: string; score: number }[];
      for (const p of preds) qWorst = Math.max(qWorst, Math.abs(p.score - ours[i][labels.indexOf(p.label)]));
      if (Math.abs(ours[i][0] - ours[i][1]) > 0.2) assert.equal(preds[0].label, labels[ours[i].indexOf(Math.max(...ours[i]))], `int8: ${s}`);
    }
    console.log(`${model}: fp32 pipeline max |Δp| ${worst.toExponential(2)}, int8 max |Δp| ${qWorst.toFixed(4)}`);
    assert.ok(qWorst < 0.1, `int8 model drifts ${qWorst} from the float model`);
  });
}

test('quantized export is smaller and swaps every Linear MatMul for MatMulInteger', async () => {
  const { dir, spec, tensors } = trainedWeights('tiny-bert', ['bad', 'good']);
  const out = tempDir('export');
  const { quantization } = exportModel({ sourceDir: dir, outDir: out, spec, head: 'sequence-classification', weights: tensors });
  // 2 layers × 6 Linear + pooler + classifier.
  assert.equal(quantization?.quantized.length, 14);
  assert.ok((quantization?.int8Bytes ?? Infinity) < (quantization?.floatBytes ?? 0) / 3);
  const session = await ortSession(path.join(out, 'onnx', 'model_quantized.onnx'));
  assert.deepEqual([...session.inputNames].sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
});

test('a sentence-embedding export runs in transformers.js feature-extraction with mean pooling equal to our graph', async () => {
  const dir = fixtureModel('tiny-distilbert');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'sentence-embedding');
  const out = tempDir('export');
  exportModel({ sourceDir: dir, outDir: out, spec, head: 'sentence-embedding', weights: tensors, quantize: false });
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['DistilBertModel']);
  assert.ok(!('problem_type' in config));
  assert.ok(SafetensorsFile.open(path.join(out, 'model.safetensors')).names().includes('embeddings.word_embeddings.weight'), 'bare-model names, no prefix');
  const tok = await loadTokenizer(dir, spec);
  const enc = tok.encode(['I would buy this again.']);
  const session = await ortSession(buildForwardModel(spec, tensors, { head: 'sentence-embedding' }));
  const ours = (await runSession(session, { input_ids: toRows(enc.inputIds, 1, enc.seq), attention_mask: toRows(enc.attentionMask, 1, enc.seq) })).sentence_embedding.data as Float32Array;
  const { pipeline } = await loadTransformers();
  const extract = await pipeline('feature-extraction', out, { local_files_only: true, dtype: 'fp32' });
  const theirs = await extract('I would buy this again.', { pooling: 'mean' });
  const d = Array.from(theirs.data as Float32Array).reduce((m, v, i) => Math.max(m, Math.abs(v - ours[i])), 0);
  assert.equal(theirs.data.length, 32);
  assert.ok(d <= 1e-5, `max diff ${d}`);
});

// Head parameters HF saves for …ForMaskedLM (tied decoder weights/biases are dropped by save_pretrained) and
// …ForTokenClassification, from modeling_bert/roberta/distilbert/electra.py, for the tiny configs.
const HEADS: Record<string, { mlm: [string, number[]][]; token: [string, number[]][] }> = {
  'tiny-bert': {
    mlm: [['cls.predictions.bias', [-1]], ['cls.predictions.transform.dense.weight', [32, 32]], ['cls.predictions.transform.dense.bias', [32]],
      ['cls.predictions.transform.LayerNorm.weight', [32]], ['cls.predictions.transform.LayerNorm.bias', [32]]],
    token: [['classifier.weight', [5, 32]], ['classifier.bias', [5]]],
  },
  'tiny-roberta': {
    mlm: [['lm_head.bias', [-1]], ['lm_head.dense.weight', [32, 32]], ['lm_head.dense.bias', [32]], ['lm_head.layer_norm.weight', [32]], ['lm_head.layer_norm.bias', [32]]],
    token: [['classifier.weight', [5, 32]], ['classifier.bias', [5]]],
  },
  'tiny-distilbert': {
    mlm: [['vocab_transform.weight', [32, 32]], ['vocab_transform.bias', [32]], ['vocab_layer_norm.weight', [32]], ['vocab_layer_norm.bias', [32]], ['vocab_projector.bias', [-1]]],
    token: [['classifier.weight', [5, 32]], ['classifier.bias', [5]]],
  },
  'tiny-electra': {
    mlm: [['generator_predictions.dense.weight', [16, 32]], ['generator_predictions.dense.bias', [16]], ['generator_predictions.LayerNorm.weight', [16]],
      ['generator_predictions.LayerNorm.bias', [16]], ['generator_lm_head.bias', [-1]]],
    token: [['classifier.weight', [5, 32]], ['classifier.bias', [5]]],
  },
};

for (const [model, heads] of Object.entries(HEADS)) {
  test(`${model}: masked-LM and token-classification exports carry HF's head names and shapes and no pooler`, () => {
    const dir = fixtureModel(model);
    for (const [head, want, labels] of [['masked-lm', heads.mlm, undefined], ['token-classification', heads.token, ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']]] as const) {
      const spec = labels ? withLabels(readModelSpec(dir), [...labels]) : readModelSpec(dir);
      const { tensors } = loadWeights(Checkpoint.open(dir), spec, head, { ignoreMismatchedHead: true });
      const out = tempDir('export');
      exportModel({ sourceDir: dir, outDir: out, spec, head, weights: tensors, quantize: false });
      const st = SafetensorsFile.open(path.join(out, 'model.safetensors'));
      const base = `${spec.family}.`;
      const got = st.names().filter((n) => !n.startsWith(base)).map((n) => `${n} ${JSON.stringify(st.entry(n).shape)}`).sort();
      const expected = want.map(([n, s]) => `${n} ${JSON.stringify(s.map((d) => (d === -1 ? spec.vocabSize : d)))}`).sort();
      assert.deepEqual(got, expected, `${model} ${head}`);
      assert.ok(!st.names().some((n) => n.includes('pooler')), `${head} models have no pooler in HF`);
      const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
      assert.equal(config.architectures[0], `${ARCH[model].replace('ForSequenceClassification', '')}${head === 'masked-lm' ? 'ForMaskedLM' : 'ForTokenClassification'}`);
    }
  });
}

test('an export is all or nothing: a failure while writing leaves the previous folder as it was and no staging folder', () => {
  const { dir, spec, tensors } = trainedWeights('tiny-bert', ['bad', 'good']);
  const parent = tempDir('export-atomic');
  const out = path.join(parent, 'model');
  exportModel({ sourceDir: dir, outDir: out, spec, head: 'sequence-classification', weights: tensors, quantize: false });
  const before = fs.readFileSync(path.join(out, 'model.safetensors'));
  // A source folder without tokenizer files fails half way through the export (after config and weights are written).
  const noTokenizer = tempDir('export-no-tokenizer');
  fs.copyFileSync(path.join(dir, 'config.json'), path.join(noTokenizer, 'config.json'));
  const changed = new Map([...tensors].map(([k, v]) => [k, v.map((x) => x + 1)]));
  assert.throws(() => exportModel({ sourceDir: noTokenizer, outDir: out, spec, head: 'sequence-classification', weights: changed, quantize: false }), /no tokenizer\.json/);
  assert.deepEqual(fs.readdirSync(parent), ['model'], 'no staging folder left behind');
  assert.ok(fs.readFileSync(path.join(out, 'model.safetensors')).equals(before), 'the previous export is intact');
  assert.ok(fs.existsSync(path.join(out, 'onnx', 'model.onnx')));
});
