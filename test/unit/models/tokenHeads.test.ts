// Per-token heads (token classification, extractive QA): HF's parameter names and module layout, the graphs' outputs,
// and exports that transformers.js' token-classification and question-answering pipelines load and answer from with
// the numbers our own forward graph gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { END_LOGITS, START_LOGITS, buildForwardModel, spanLogitRow } from '../../../src/models/arch/forward';
import { HeadKind, architectureName, encoderParameters, basePrefix, modelParameters } from '../../../src/models/arch/parameters';
import { Checkpoint } from '../../../src/models/checkpoint';
import { exportModel } from '../../../src/models/export';
import { ModelSpec, readModelSpec, withLabels } from '../../../src/models/modelSpec';
import { SafetensorsFile } from '../../../src/models/safetensors';
import { loadTokenizer, loadTransformers } from '../../../src/models/tokenizer';
import { loadWeights } from '../../../src/models/weights';
import { Rng } from '../../../src/util/rng';
import { fixtureModel, ortSession, tempDir, toRows } from './support';

const TAGS = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
const FAMILIES: Record<string, string> = {
  'tiny-bert': 'Bert', 'tiny-roberta': 'Roberta', 'tiny-distilbert': 'DistilBert', 'tiny-electra': 'Electra',
  'tiny-deberta': 'DebertaV2', 'tiny-mpnet': 'MPNet', 'tiny-modernbert': 'ModernBert',
};

function headOnly(spec: ModelSpec, head: HeadKind): string[] {
  const encoder = new Set(encoderParameters(spec, basePrefix(spec.family), false).map((p) => p.name));
  return modelParameters(spec, head).filter((p) => !encoder.has(p.name)).map((p) => `${p.name} ${JSON.stringify(p.shape)}`);
}

for (const [model, cls] of Object.entries(FAMILIES)) {
  test(`${model}: the QA head has HF's ${cls}ForQuestionAnswering names and shapes, no pooler`, () => {
    const spec = readModelSpec(fixtureModel(model));
    const H = spec.hiddenSize;
    assert.equal(architectureName(spec, 'question-answering'), `${cls}ForQuestionAnswering`);
    assert.equal(architectureName(spec, 'token-classification'), `${cls}ForTokenClassification`);
    const got = headOnly(spec, 'question-answering');
    if (model === 'tiny-modernbert') {
      // ModernBertForQuestionAnswering: head (ModernBertPredictionHead) → drop → classifier = Linear(H, num_labels = 2);
      // the same modules as the token classifier. The fixture has classifier_bias = norm_bias = false.
      assert.deepEqual(got, ['head.dense.weight [32,32]', 'head.norm.weight [32]', 'classifier.weight [2,32]', 'classifier.bias [2]']);
      assert.deepEqual(got, headOnly(withLabels(spec, ['a', 'b']), 'token-classification'));
    } else {
      assert.deepEqual(got, [`qa_outputs.weight [2,${H}]`, 'qa_outputs.bias [2]']);
    }
    assert.ok(!modelParameters(spec, 'question-answering').some((p) => p.name.includes('pooler')), 'HF QA models are built with add_pooling_layer=False');
  });
}

test('dropout before the heads follows HF: token classifiers drop out, QA heads only in DistilBERT (qa_dropout)', () => {
  const dropouts = (model: string, head: HeadKind) => {
    const dir = fixtureModel(model);
    const spec = head === 'token-classification' ? withLabels(readModelSpec(dir), TAGS) : readModelSpec(dir);
    const { tensors } = loadWeights(Checkpoint.open(dir), spec, head, { ignoreMismatchedHead: true });
    return buildForwardModel(spec, tensors, { head, training: true }).graph.nodes.filter((n) => n.opType === 'Dropout').length;
  };
  for (const model of ['tiny-bert', 'tiny-roberta', 'tiny-electra', 'tiny-deberta', 'tiny-mpnet']) {
    assert.equal(dropouts(model, 'question-answering'), dropouts(model, 'token-classification') - 1, `${model}: qa_outputs reads the hidden state directly`);
  }
  assert.equal(dropouts('tiny-distilbert', 'question-answering'), dropouts('tiny-distilbert', 'token-classification'), 'DistilBertForQuestionAnswering has its dropout');
});

test('QA graphs output logits [batch, sequence, 2], or start_logits / end_logits [batch, sequence] when split', async () => {
  const dir = fixtureModel('tiny-bert');
  const spec = readModelSpec(dir);
  const { tensors } = loadWeights(Checkpoint.open(dir), spec, 'question-answering', { ignoreMismatchedHead: true });
  const joint = buildForwardModel(spec, tensors, { head: 'question-answering' });
  assert.deepEqual(joint.graph.outputs.map((o) => [o.name, o.shape]), [['logits', ['batch', 'sequence', 2]]]);
  const split = buildForwardModel(spec, tensors, { head: 'question-answering', splitSpanLogits: true });
  assert.deepEqual(split.graph.outputs.map((o) => [o.name, o.shape]), [[START_LOGITS, ['batch', 'sequence']], [END_LOGITS, ['batch', 'sequence']]]);
  const enc = (await loadTokenizer(dir, spec)).encode(['Where is it?', 'Nowhere at all.']);
  const i64 = (a: BigInt64Array) => new ort.Tensor('int64', a, [enc.batch, enc.seq]);
  const feeds = { input_ids: i64(enc.inputIds), attention_mask: i64(enc.attentionMask), token_type_ids: i64(enc.tokenTypeIds) };
  const l = (await (await ortSession(joint)).run(feeds)).logits.data as Float32Array;
  const s = await (await ortSession(split)).run(feeds);
  const start = s[START_LOGITS].data as Float32Array;
  const end = s[END_LOGITS].data as Float32Array;
  assert.equal(start.length, enc.batch * enc.seq);
  for (let k = 0; k < start.length; k++) {
    assert.equal(start[k], l[2 * k]);
    assert.equal(end[k], l[2 * k + 1]);
  }
  assert.throws(() => buildForwardModel(spec, tensors, { head: 'sequence-classification', splitSpanLogits: true }), /splitSpanLogits applies to the question-answering head/);
  // spanLogitRow reads one row of the joint logits as the split graph gives it.
  const row1 = spanLogitRow(l, 1, enc.seq);
  assert.deepEqual(Array.from(row1.start), Array.from(start.subarray(enc.seq)));
  assert.deepEqual(Array.from(row1.end), Array.from(end.subarray(enc.seq)));
  assert.throws(() => spanLogitRow(l, 2, enc.seq), /row 2 of \d+ tokens is outside logits/);
});

/**
 * A fixture with its head moved well away from where it starts, so predictions vary by token. (The head is usually
 * new; ModernBERT's fixture, a 2-label sequence classifier, already holds a head.* and classifier [2, H] that a QA
 * model loads as HF's from_pretrained would.)
 */
function withRandomHead(model: string, head: HeadKind, labels?: string[]) {
  const dir = fixtureModel(model);
  const spec = labels ? withLabels(readModelSpec(dir), labels) : readModelSpec(dir);
  const loaded = loadWeights(Checkpoint.open(dir), spec, head, { ignoreMismatchedHead: true });
  const rng = new Rng(21);
  const encoder = new Set(encoderParameters(spec, basePrefix(spec.family), false).map((p) => p.name));
  for (const name of [...loaded.tensors.keys()].filter((n) => !encoder.has(n))) {
    const w = loaded.tensors.get(name) as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] += rng.normal();
  }
  return { dir, spec, tensors: loaded.tensors };
}

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

const TEXTS = ['Angela Merkel visited Paris in May.', 'Ada Lovelace lived in London.'];

for (const model of ['tiny-bert', 'tiny-roberta', 'tiny-deberta', 'tiny-modernbert']) {
  test(`${model}: token-classification export: config is HF's and transformers.js tags every token as our logits do`, async () => {
    const { dir, spec, tensors } = withRandomHead(model, 'token-classification', TAGS);
    const out = tempDir('export-token');
    exportModel({ sourceDir: dir, outDir: out, spec, head: 'token-classification', weights: tensors, labels: TAGS, quantize: false });
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, [`${FAMILIES[model]}ForTokenClassification`]);
    assert.deepEqual(config.id2label, Object.fromEntries(TAGS.map((t, i) => [String(i), t])));
    assert.deepEqual(config.label2id, Object.fromEntries(TAGS.map((t, i) => [t, i])));
    assert.ok(!('problem_type' in config), 'token classifiers have no problem_type');
    const st = SafetensorsFile.open(path.join(out, 'model.safetensors'));
    assert.deepEqual(st.entry('classifier.weight').shape, [TAGS.length, spec.hiddenSize]);
    assert.deepEqual((await ortSession(path.join(out, 'onnx', 'model.onnx'))).outputNames, ['logits']);

    const tok = await loadTokenizer(dir, spec);
    const session = await ortSession(buildForwardModel(spec, tensors, { head: 'token-classification' }));
    const { pipeline } = await loadTransformers();
    const tagger = await pipeline('token-classification', out, { local_files_only: true, dtype: 'fp32' });
    const seen = new Set<string>();
    let worst = 0;
    for (const text of TEXTS) {
      const enc = tok.encode([text]);
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', enc.inputIds, [1, enc.seq]), attention_mask: new ort.Tensor('int64', enc.attentionMask, [1, enc.seq]),
      };
      if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', enc.tokenTypeIds, [1, enc.seq]);
      const logits = Array.from((await session.run(feeds)).logits.data as Float32Array);
      const entities = (await tagger(text, { ignore_labels: [] })) as { entity: string; score: number; index: number; word: string }[];
      // Every token is reported but the specials and pieces that decode to nothing (a lone SentencePiece '▁').
      const ids = toRows(enc.inputIds, 1, enc.seq)[0];
      const shown = ids.flatMap((id, j) => (tok.inner.decode([id], { skip_special_tokens: true }) === '' ? [] : [j]));
      assert.ok(shown.length >= enc.seq - 4, `${text}: only ${shown.length} of ${enc.seq} tokens are words`);
      assert.deepEqual(entities.map((e) => e.index), shown, `${text}: ${JSON.stringify(entities.map((e) => e.word))}`);
      for (const e of entities) {
        const p = softmax(logits.slice(e.index * TAGS.length, (e.index + 1) * TAGS.length));
        const best = p.indexOf(Math.max(...p));
        assert.equal(e.entity, TAGS[best], `${text}: token ${e.index} "${e.word}"`);
        worst = Math.max(worst, Math.abs(e.score - p[best]));
        seen.add(e.entity);
      }
    }
    assert.ok(worst <= 1e-4, `${model}: max score difference ${worst}`);
    assert.ok(seen.size >= 2, `${model}: every token got ${[...seen].join()}; the comparison would prove little`);
  });
}

const QUESTION = 'Where did Angela Merkel go?';
const CONTEXT = 'Angela Merkel visited Paris in May and London in June.';

for (const model of ['tiny-bert', 'tiny-roberta', 'tiny-deberta']) {
  test(`${model}: question-answering export: config is HF's and transformers.js answers with our start/end probabilities`, async () => {
    const { dir, spec, tensors } = withRandomHead(model, 'question-answering');
    const out = tempDir('export-qa');
    exportModel({ sourceDir: dir, outDir: out, spec, head: 'question-answering', weights: tensors });
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, [`${FAMILIES[model]}ForQuestionAnswering`]);
    assert.deepEqual(config.id2label, { 0: 'LABEL_0', 1: 'LABEL_1' }, 'num_labels = 2, as save_pretrained writes it');
    assert.ok(!('problem_type' in config));
    assert.deepEqual(SafetensorsFile.open(path.join(out, 'model.safetensors')).entry('qa_outputs.weight').shape, [2, spec.hiddenSize]);
    for (const f of ['model.onnx', 'model_quantized.onnx']) {
      assert.deepEqual((await ortSession(path.join(out, 'onnx', f))).outputNames, [START_LOGITS, END_LOGITS], f);
    }

    // Our forward graph on the pair the pipeline encodes (question, context).
    const tok = await loadTokenizer(dir, spec);
    const enc = tok.encode([QUESTION], { pairs: [CONTEXT] });
    const session = await ortSession(buildForwardModel(spec, tensors, { head: 'question-answering', splitSpanLogits: true }));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', enc.inputIds, [1, enc.seq]), attention_mask: new ort.Tensor('int64', enc.attentionMask, [1, enc.seq]),
    };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', enc.tokenTypeIds, [1, enc.seq]);
    const r = await session.run(feeds);
    const start = Array.from(r[START_LOGITS].data as Float32Array);
    const end = Array.from(r[END_LOGITS].data as Float32Array);
    const ids = toRows(enc.inputIds, 1, enc.seq)[0];

    // The candidates are the context tokens: after the first separator, not special. The pipeline normalises over
    // them plus the first ([CLS]) token, then scores a span s ≤ e by p_start(s)·p_end(e).
    const specials = new Set(tok.inner.all_special_ids);
    const sep = ids.indexOf(tok.inner.sep_token_id as number);
    const context = ids.map((id, i) => i > sep && !specials.has(id));
    const norm = (logits: number[]) => {
      const keep = logits.map((x, i) => (i === 0 || context[i] ? x : -Infinity));
      return softmax(keep);
    };
    const ps = norm(start);
    const pe = norm(end);
    let best = { s: -1, e: -1, score: -1 };
    for (let s = 1; s < ids.length; s++) for (let e = s; e < ids.length; e++) if (context[s] && context[e] && ps[s] * pe[e] > best.score) best = { s, e, score: ps[s] * pe[e] };

    assert.ok(best.s > sep, `${model}: no context span found`);
    const { pipeline } = await loadTransformers();
    const qa = await pipeline('question-answering', out, { local_files_only: true, dtype: 'fp32' });
    const answer = (await qa(QUESTION, CONTEXT)) as { answer: string; score: number };
    assert.equal(answer.answer, tok.inner.decode(ids.slice(best.s, best.e + 1), { skip_special_tokens: true }));
    assert.ok(Math.abs(answer.score - best.score) <= 1e-5 * Math.max(1, best.score) + 1e-7, `${model}: score ${answer.score} vs ours ${best.score}`);
    // Not a trivial case: the best span is not the only candidate with weight.
    assert.ok(best.score < 0.9, `${model}: best span ${best.score}`);
  });
}

test('tiny-modernbert: QA export (ModernBertForQuestionAnswering, classifier [2, H]) runs in ORT with our start/end logits', async () => {
  // transformers.js 4.3 has no ModernBertForQuestionAnswering class, so the pipeline cannot load it; ORT can.
  const { dir, spec, tensors } = withRandomHead('tiny-modernbert', 'question-answering');
  const out = tempDir('export-qa');
  exportModel({ sourceDir: dir, outDir: out, spec, head: 'question-answering', weights: tensors, quantize: false });
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['ModernBertForQuestionAnswering']);
  assert.deepEqual(SafetensorsFile.open(path.join(out, 'model.safetensors')).entry('classifier.weight').shape, [2, spec.hiddenSize]);
  const enc = (await loadTokenizer(dir, spec)).encode([QUESTION], { pairs: [CONTEXT] });
  const feeds = { input_ids: new ort.Tensor('int64', enc.inputIds, [1, enc.seq]), attention_mask: new ort.Tensor('int64', enc.attentionMask, [1, enc.seq]) };
  const exported = await (await ortSession(path.join(out, 'onnx', 'model.onnx'))).run(feeds);
  const joint = (await (await ortSession(buildForwardModel(spec, tensors, { head: 'question-answering' }))).run(feeds)).logits.data as Float32Array;
  const start = exported[START_LOGITS].data as Float32Array;
  const end = exported[END_LOGITS].data as Float32Array;
  for (let k = 0; k < enc.seq; k++) {
    assert.ok(Math.abs(start[k] - joint[2 * k]) < 1e-6 && Math.abs(end[k] - joint[2 * k + 1]) < 1e-6, `token ${k}`);
  }
  assert.ok(new Set(Array.from(start, (v) => v.toFixed(3))).size > 3, 'start logits vary by token');
});

test('export refuses a label list with a repeated tag', () => {
  const { dir, spec, tensors } = withRandomHead('tiny-bert', 'token-classification', ['O', 'B-PER', 'I-PER']);
  assert.throws(() => exportModel({ sourceDir: dir, outDir: tempDir('export-dup'), spec, head: 'token-classification', weights: tensors, labels: ['O', 'B-PER', 'B-PER'], quantize: false }),
    /label "B-PER" appears twice/);
});
