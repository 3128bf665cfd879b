// What the editor shows for a result (inline text, hover Markdown), how typed labels are read, and which run folders
// count as exported models for "Classify selection with fine-tuned model".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLabels } from '../../../src/inference/candidateLabels';
import { listExportedModels } from '../../../src/inference/exportedModels';
import { hoverMarkdown, inlineText, preview } from '../../../src/inference/presentation';
import { tempDir } from '../models/support';

const result = { text: 'The striker scored.', scores: [{ label: 'sports', score: 0.81234 }, { label: 'a|b_c*', score: 0.18766 }] };

test('inline text: best label and its score to 3 decimals', () => {
  assert.equal(inlineText(result), 'sports 0.812');
  assert.equal(inlineText({ text: 'x', scores: [] }), 'no labels');
});

test('hover: one table row per label, user labels escaped so they cannot break the table', () => {
  const md = hoverMarkdown(result, { task: 'zero-shot', modelName: 'models/nli', multiLabel: false, hypothesisTemplate: 'This is {}.' });
  const rows = md.split('\n').filter((l) => /^\| (?!Label|---)/.test(l));
  assert.deepEqual(rows, ['| sports | 0.812 | ████████░░ |', '| a\\|b\\_c\\* | 0.188 | ██░░░░░░░░ |']);
  assert.match(md, /single-label \(scores sum to 1\)/);
  assert.match(md, /Model: `models\/nli`/);
  assert.match(md, /Hypothesis: `This is \{\}\.`/);
  const tc = hoverMarkdown(result, { task: 'text-classification', modelName: 'run 1' });
  assert.match(tc, /fine-tuned classifier/);
  assert.doesNotMatch(tc, /Hypothesis/);
  assert.match(hoverMarkdown(result, { task: 'zero-shot', modelName: 'm', multiLabel: true }), /multi-label \(each label scored on its own\)/);
  assert.doesNotMatch(md, /Long selection/);
  assert.match(hoverMarkdown({ ...result, truncated: { kept: 120, total: 900 } }, { task: 'text-classification', modelName: 'm' }), /only its first 120 of 900 tokens fit the model/);
});

test('labels typed in the input box: comma-separated, trimmed, no empties or repeats', () => {
  assert.deepEqual(parseLabels(' positive, negative ,, neutral,positive , '), ['positive', 'negative', 'neutral']);
  assert.deepEqual(parseLabels(' , '), []);
  assert.equal(preview('a  long\n\ttext that goes on and on and on and on and on', 20), 'a long text that go…');
});

test('exported models: run folders with config, tokenizer and ONNX, newest first, with their labels and best metric', () => {
  const root = tempDir('inference-runs');
  const writeRun = (id: string, opts: { onnx?: string; updatedAt?: string; best?: number; tokenizer?: boolean }) => {
    const model = path.join(root, id, 'model');
    fs.mkdirSync(path.join(model, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ id2label: { 1: 'positive', 0: 'negative' } }));
    if (opts.tokenizer !== false) fs.writeFileSync(path.join(model, 'tokenizer.json'), '{}');
    if (opts.onnx) fs.writeFileSync(path.join(model, 'onnx', opts.onnx), 'x');
    fs.writeFileSync(path.join(root, id, 'run.json'), JSON.stringify({ status: 'completed', updatedAt: opts.updatedAt, bestMetric: opts.best === undefined ? undefined : { name: 'accuracy', value: opts.best } }));
  };
  writeRun('old', { onnx: 'model.onnx', updatedAt: '2026-01-01T00:00:00Z', best: 0.7 });
  writeRun('new', { onnx: 'model_quantized.onnx', updatedAt: '2026-03-01T00:00:00Z' });
  writeRun('no-onnx', { updatedAt: '2026-04-01T00:00:00Z' });
  writeRun('no-tokenizer', { onnx: 'model.onnx', updatedAt: '2026-04-01T00:00:00Z', tokenizer: false });
  fs.mkdirSync(path.join(root, 'running-no-model'));
  const found = listExportedModels(root);
  assert.deepEqual(found.map((m) => m.runId), ['new', 'old']);
  assert.deepEqual(found[1], { runId: 'old', folder: path.join(root, 'old', 'model'), task: 'other', labels: ['negative', 'positive'], status: 'completed', bestMetric: { name: 'accuracy', value: 0.7 }, updatedAt: Date.parse('2026-01-01T00:00:00Z') });
  assert.equal(found[0].bestMetric, undefined);
  assert.deepEqual(listExportedModels(path.join(root, 'missing')), []);
});
