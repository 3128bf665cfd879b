// Decides which repo files a fine-tuning download needs. Repos often hold several copies of the weights (PyTorch
// pickle, TF, Flax, ONNX variants, quantized files): fetching only what the engine reads saves gigabytes, and pickle
// files are never fetched because loading them can run arbitrary code.

export interface FileSelectionOptions {
  /** Also fetch onnx/model.onnx (+ its external data): for transformers.js / ORT inference such as zero-shot. */
  includeOnnx?: boolean;
  /** Extra exact paths the caller wants (still subject to the never-list). */
  extra?: string[];
}

const TOP_LEVEL = new Set([
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'spiece.model',
  'sentencepiece.bpe.model',
  'spm.model',
  'tokenizer.model',
  'preprocessor_config.json',
  'model.safetensors.index.json',
  // sentence-transformers layout, read by SetFit-style training for the pooling it was trained with
  'modules.json',
  'sentence_bert_config.json',
  'config_sentence_transformers.json',
  '1_Pooling/config.json',
  'README.md',
]);

/** Weights formats that are never downloaded: pickles (code execution on load) and frameworks we do not read. */
export function isNeverDownloaded(file: string): boolean {
  return /\.(bin|pt|pth|pkl|pickle|ckpt|h5|msgpack|ot|joblib)$/i.test(file);
}

function isTopLevelSafetensors(file: string): boolean {
  return !file.includes('/') && /\.safetensors$/i.test(file);
}

function isWantedOnnx(file: string): boolean {
  // onnx/model.onnx and its external-data companions (model.onnx_data, model.onnx.data); not the quantized variants
  return /^onnx\/model\.onnx(_data|\.data)?$/.test(file) || /^onnx\/model\.onnx_data_\d+$/.test(file);
}

export function selectFilesForFineTuning(repoFiles: readonly string[], options: FileSelectionOptions = {}): string[] {
  const extra = new Set(options.extra ?? []);
  return repoFiles
    .filter((f) => !isNeverDownloaded(f))
    .filter((f) => TOP_LEVEL.has(f) || isTopLevelSafetensors(f) || (options.includeOnnx === true && isWantedOnnx(f)) || extra.has(f))
    .sort();
}
