// The shape every NER reader yields before tags are checked and normalized: tokens, tags as written, and a way to
// say where a tag sits in the file so a message can point at it.
import type { Location } from '../errors';

export interface RawSentence {
  tokens: string[];
  /** Tags as written: strings, or ids already mapped to names by the reader. */
  tags: string[];
  /** Line (Parquet: row) the sentence starts at. */
  line: number;
  /** Line of token k, for warnings that list lines (CoNLL: one token per line; rows: the row's line). */
  lineOf(k: number): number;
  /** Where tag k is written (file:line:column where the reader can tell), for error messages. */
  where(k: number): Promise<Location>;
}

export type NerFormat = 'conll' | 'tokens-tags' | 'spans';
