import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateFixtures } from '../../../scripts/fixtures/generate';
import { loadSentimentCorpus } from '../../../scripts/fixtures/corpus';
import { inspectModelFolder } from '../../../src/models/modelFolder';
import { tempDir } from './support';

function hashes(dir: string, files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));
}

test('the same seed gives byte-identical fixtures; another seed gives other weights but the same tokenizers and data', () => {
  const a = generateFixtures(tempDir('fx'), 1234);
  const b = generateFixtures(tempDir('fx'), 1234);
  const c = generateFixtures(tempDir('fx'), 99);
  assert.deepEqual(a.files, b.files);
  const ha = hashes(a.outDir, a.files);
  assert.deepEqual(hashes(b.outDir, b.files), ha);
  const hc = hashes(c.outDir, c.files);
  assert.notEqual(hc['models/tiny-bert/model.safetensors'], ha['models/tiny-bert/model.safetensors']);
  assert.equal(hc['models/tiny-bert/tokenizer.json'], ha['models/tiny-bert/tokenizer.json']);
  assert.notEqual(hc['data/sentiment_train.csv'], ha['data/sentiment_train.csv'], 'the split is shuffled by the seed');
});

test('each model folder has the real Hugging Face layout', () => {
  const { outDir } = generateFixtures(tempDir('fx'), 1234);
  const common = ['config.json', 'model.safetensors', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
  const layouts: Record<string, string[]> = {
    'tiny-bert': [...common, 'vocab.txt'], 'tiny-nli-bert': [...common, 'vocab.txt'], 'tiny-distilbert': [...common, 'vocab.txt'],
    'tiny-electra': [...common, 'vocab.txt'], 'tiny-roberta': [...common, 'vocab.json', 'merges.txt'],
  };
  for (const [name, files] of Object.entries(layouts)) {
    const dir = path.join(outDir, 'models', name);
    for (const f of files) assert.ok(fs.existsSync(path.join(dir, f)), `${name}/${f}`);
    const info = inspectModelFolder(dir);
    assert.ok(info && info.hasSafetensors && info.hasOnnx && info.hasTokenizer && !info.onlyPickle, name);
  }
  const nli = JSON.parse(fs.readFileSync(path.join(outDir, 'models', 'tiny-nli-bert', 'config.json'), 'utf8'));
  assert.deepEqual(nli.label2id, { entailment: 0, neutral: 1, contradiction: 2 });
  const merges = fs.readFileSync(path.join(outDir, 'models', 'tiny-roberta', 'merges.txt'), 'utf8').split('\n');
  assert.equal(merges[0], '#version: 0.2');
});

test('datasets hold the real labelled sentences, split without overlap, CSV-quoted where needed', () => {
  const { outDir } = generateFixtures(tempDir('fx'), 1234);
  const corpus = loadSentimentCorpus();
  assert.equal(corpus.length, 3000, 'amazon + imdb + yelp, 1,000 each once empty rows are dropped');
  const byText = new Map(corpus.map((r) => [r.text, r.label]));
  const data = path.join(outDir, 'data');
  const train = fs.readFileSync(path.join(data, 'sentiment_train.csv'), 'utf8');
  assert.ok(train.startsWith('text,label\n'));
  const jsonl = fs.readFileSync(path.join(data, 'sentiment.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; label: string });
  assert.equal(jsonl.length, 300);
  for (const r of jsonl) assert.equal(r.label, byText.get(r.text) === 1 ? 'positive' : 'negative', r.text);
  // A quoted CSV field doubles its quotes; find one row that needed it and check the round trip by hand.
  const quoted = train.split('\n').find((l) => l.startsWith('"'));
  assert.ok(quoted, 'some sentence contains a comma or quote');
  const m = /^"((?:[^"]|"")*)",(positive|negative)$/.exec(quoted);
  assert.ok(m, quoted);
  assert.equal(byText.get(m[1].replace(/""/g, '"')), m[2] === 'positive' ? 1 : 0);
  const trainRows = train.trim().split('\n').length - 1;
  const testRows = fs.readFileSync(path.join(data, 'sentiment_test.csv'), 'utf8').trim().split('\n').length - 1;
  const reviews = fs.readFileSync(path.join(data, 'reviews.txt'), 'utf8').trim().split('\n');
  assert.deepEqual([trainRows, testRows, reviews.length], [800, 200, 1700]);
  const testText = fs.readFileSync(path.join(data, 'sentiment_test.csv'), 'utf8');
  assert.ok(!reviews.slice(0, 50).some((r) => testText.includes(r)), 'MLM text is disjoint from the test split');
});

test('the NLI fixture runs in transformers.js zero-shot classification (entailment/contradiction from label2id)', async () => {
  const { loadTransformers } = await import('../../../src/models/tokenizer');
  const { fixtureModel } = await import('./support');
  const { pipeline } = await loadTransformers();
  const zeroShot = await pipeline('zero-shot-classification', fixtureModel('tiny-nli-bert'), { local_files_only: true, dtype: 'fp32' });
  const r = (await zeroShot('The food was cold and the service was slow.', ['food', 'service', 'price'])) as { labels: string[]; scores: number[] };
  assert.deepEqual([...r.labels].sort(), ['food', 'price', 'service']);
  assert.ok(Math.abs(r.scores.reduce((a, b) => a + b, 0) - 1) < 1e-6);
});
