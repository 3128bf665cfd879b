// Which model folders the picker offers: trainability() over inspectModelFolder(), for each layout a Hub repo can have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeOptimumExport } from '../../../scripts/fixtures/optimumExport';
import { byTrainability, inspectModelFolder, trainability, type ModelFolderInfo } from '../../../src/models/modelFolder';
import { fixtureModel, fixtureWorkspace, tempDir } from './support';

/** A copy of the tiny BERT fixture holding only `files` (paths relative to the fixture), config.json edited by `edit`. */
function folder(files: string[], edit: (c: Record<string, unknown>) => void = () => {}): ModelFolderInfo {
  const src = fixtureModel('tiny-bert');
  const dir = tempDir('model-folder');
  const config = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  edit(config);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    const from = path.join(src, f);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(dir, f));
    else fs.writeFileSync(path.join(dir, f), 'x');
  }
  const info = inspectModelFolder(dir);
  assert.ok(info, dir);
  return info;
}

const reason = (info: ModelFolderInfo) => {
  const t = trainability(info);
  return t.ok ? 'ok' : t.reason;
};

test('every generated fixture model and an Optimum ONNX-only folder can be fine-tuned', () => {
  for (const name of fs.readdirSync(path.join(fixtureWorkspace(), 'models'))) {
    assert.equal(reason(inspectModelFolder(fixtureModel(name))!), 'ok', name);
  }
  const onnxOnly = writeOptimumExport(fixtureModel('tiny-distilbert'), tempDir('picker-onnx'), 'feature-extraction');
  const info = inspectModelFolder(onnxOnly.dir)!;
  assert.deepEqual([info.hasSafetensors, info.hasOnnx, info.onnxVariants], [false, true, []]);
  assert.equal(reason(info), 'ok');
});

test('folders that will not train are told apart, each with its reason', () => {
  assert.match(reason(folder(['pytorch_model.bin', 'tokenizer.json'])), /^only pytorch_model\.bin \(a pickle checkpoint\), which is never loaded because unpickling can run code/);
  const quantized = folder(['onnx/model_quantized.onnx', 'onnx/model_fp16.onnx', 'tokenizer.json']);
  assert.deepEqual(quantized.onnxVariants, ['onnx/model_fp16.onnx', 'onnx/model_quantized.onnx']);
  assert.equal(reason(quantized), 'only onnx/model_fp16.onnx, onnx/model_quantized.onnx: int8/fp16 weights cannot be trained; download the repo\'s float32 onnx/model.onnx or model.safetensors');
  assert.match(reason(folder(['model.safetensors', 'tokenizer.json'], (c) => (c.model_type = 'funnel'))), /model_type "funnel" is not supported; supported: bert, /);
  assert.match(reason(folder(['model.safetensors', 'tokenizer.json'], (c) => (c.position_embedding_type = 'relative_key'))), /config\.json: position_embedding_type "relative_key" is not supported/);
  assert.equal(reason(folder(['model.safetensors'])), 'no tokenizer files (tokenizer.json, or vocab.txt)');
  // The vocabulary files a tokenizer is built from count where the family's tokenizer is made of them.
  assert.equal(reason(folder(['model.safetensors', 'vocab.txt'])), 'ok');
  assert.equal(reason(folder(['model.safetensors', 'vocab.txt'], (c) => (c.model_type = 'roberta'))), 'no tokenizer files (tokenizer.json, or vocab.json + merges.txt)');
  assert.equal(reason(folder(['model.safetensors', 'vocab.json', 'merges.txt'], (c) => (c.model_type = 'roberta'))), 'ok');
  assert.equal(reason(folder(['tokenizer.json'])), 'no weights: expected model.safetensors (or model.safetensors.index.json) or onnx/model.onnx');
  // Weights win over a variant or a pickle next to them.
  assert.equal(reason(folder(['model.safetensors', 'pytorch_model.bin', 'onnx/model_quantized.onnx', 'tokenizer.json'])), 'ok');
  assert.equal(reason(folder(['onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json'])), 'ok');
});

test('byTrainability keeps the order within each group and pairs every blocked folder with its reason', () => {
  const ok1 = inspectModelFolder(fixtureModel('tiny-roberta'))!;
  const pickle = folder(['pytorch_model.bin', 'tokenizer.json']);
  const ok2 = inspectModelFolder(fixtureModel('tiny-bert'))!;
  const noTokenizer = folder(['model.safetensors']);
  const { usable, blocked } = byTrainability([ok1, pickle, ok2, noTokenizer]);
  assert.deepEqual(usable.map((i) => i.dir), [ok1.dir, ok2.dir]);
  assert.deepEqual(blocked.map((b) => [b.info.dir, b.reason]), [[pickle.dir, reason(pickle)], [noTokenizer.dir, reason(noTokenizer)]]);
});
