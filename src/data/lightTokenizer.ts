// Token counting for dataset statistics inside the extension host: @huggingface/tokenizers reads tokenizer.json
// directly (pure JS), without transformers.js and onnxruntime, which must stay out of the extension host.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenizeFn } from './batching';

export function loadTokenCounter(modelDir: string): TokenizeFn {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(modelDir, f), 'utf8')) as object;
  const config = fs.existsSync(path.join(modelDir, 'tokenizer_config.json')) ? read('tokenizer_config.json') : {};
  const tokenizer = new Tokenizer(read('tokenizer.json'), config);
  return (texts) => texts.map((t) => (Array.isArray(t) ? tokenizer.encode(t[0], { text_pair: t[1] }).ids : tokenizer.encode(t).ids));
}
