import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNeverDownloaded, selectFilesForFineTuning } from '../../../src/hub/fileSelection';

// The file list of a typical BERT repo on the Hub (bert-base-uncased plus a sharded and a sentence-transformers layout).
const repo = [
  '.gitattributes', 'README.md', 'config.json', 'flax_model.msgpack', 'model.safetensors', 'pytorch_model.bin',
  'tf_model.h5', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'rust_model.ot', 'coreml/fill-mask/float32_model.mlpackage/Manifest.json',
  'onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_fp16.onnx', 'onnx/model.onnx_data',
  'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json',
  'modules.json', '1_Pooling/config.json', 'sentence_bert_config.json', 'special_tokens_map.json',
  'adapter/adapter_model.safetensors', 'checkpoint.pt', 'training_args.bin',
];

test('default selection: config, safetensors (+ index and shards), tokenizer files, sentence-transformers pooling', () => {
  assert.deepEqual(selectFilesForFineTuning(repo), [
    '1_Pooling/config.json', 'README.md', 'config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors',
    'model.safetensors', 'model.safetensors.index.json', 'modules.json', 'sentence_bert_config.json', 'special_tokens_map.json',
    'tokenizer.json', 'tokenizer_config.json', 'vocab.txt',
  ]);
});

test('onnx/model.onnx and its external data only when asked, never the quantized variants', () => {
  const withOnnx = selectFilesForFineTuning(repo, { includeOnnx: true }).filter((f) => f.startsWith('onnx/'));
  assert.deepEqual(withOnnx, ['onnx/model.onnx', 'onnx/model.onnx_data']);
});

test('pickles are never selected, even when asked for explicitly', () => {
  const picked = selectFilesForFineTuning(repo, { extra: ['pytorch_model.bin', 'training_args.bin', 'checkpoint.pt', 'rust_model.ot'] });
  assert.ok(!picked.some(isNeverDownloaded));
  for (const f of ['pytorch_model.bin', 'PYTORCH_MODEL.BIN', 'x.pkl', 'x.ckpt', 'tf_model.h5', 'flax_model.msgpack']) assert.equal(isNeverDownloaded(f), true, f);
  for (const f of ['model.safetensors', 'vocab.txt', 'onnx/model.onnx']) assert.equal(isNeverDownloaded(f), false, f);
});
