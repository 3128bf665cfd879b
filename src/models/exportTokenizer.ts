// The tokenizer files of an export, complete for both ecosystems: tokenizer.json (copied, or built from vocab files),
// tokenizer_config.json with tokenizer_class, model_max_length and every special token (transformers.js pads with
// the pad_token it names: bert-base-uncased's own {"do_lower_case": true} leaves it undefined and batched inference
// fails), special_tokens_map.json, and the slow-tokenizer files the source had, for Python's slow classes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomicWrite';
import type { ModelSpec } from './modelSpec';
import { maxSequenceLength } from './tokenizer';
import { resolveTokenizerFiles } from './tokenizerFiles';

/** Vocabulary files of the slow tokenizers, carried over as they are when the source has them. */
const SLOW_TOKENIZER_FILES = ['vocab.txt', 'vocab.json', 'merges.txt', 'added_tokens.json', 'sentencepiece.bpe.model', 'spm.model', 'spiece.model'];

/** Writes the tokenizer files of `sourceDir` (completed) into `outDir`; returns the paths written. */
export function writeTokenizerFiles(sourceDir: string, outDir: string, spec: ModelSpec): string[] {
  const files = resolveTokenizerFiles(sourceDir, { modelType: spec.modelType, padTokenId: spec.padTokenId, maxLength: maxSequenceLength(sourceDir, spec) });
  const written: string[] = [];
  const out = (f: string) => {
    const p = path.join(outDir, f);
    written.push(p);
    return p;
  };
  const same = (f: string) => path.resolve(sourceDir, f) === path.resolve(outDir, f);
  if (files.builtTokenizerJson) writeFileAtomic(out('tokenizer.json'), JSON.stringify(files.tokenizerJson));
  else if (!same('tokenizer.json')) fs.copyFileSync(path.join(sourceDir, 'tokenizer.json'), out('tokenizer.json'));
  writeJsonAtomic(out('tokenizer_config.json'), files.tokenizerConfig);
  writeJsonAtomic(out('special_tokens_map.json'), files.specialTokensMap);
  for (const f of SLOW_TOKENIZER_FILES) {
    if (fs.existsSync(path.join(sourceDir, f)) && !same(f)) fs.copyFileSync(path.join(sourceDir, f), out(f));
  }
  return written;
}
