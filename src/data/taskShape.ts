// Which task a dataset file is shaped for, from a small sample: CoNLL columns, token/tag lists or entity spans are
// token classification; SQuAD articles or question + context rows are extractive question answering; anything else
// is (sequence) classification, which its own loader then validates. A run without an explicit `task` uses this.
import * as path from 'node:path';
import { datasetFormatOf } from './datasetFile';
import { asDatasetError } from './errors';
import { sniffNerFormat } from './ner/nerFormat';
import { readRows } from './readers';
import { textFromLine } from './readers/source';

export type DataTask = 'classification' | 'token-classification' | 'question-answering';

/** Characters of a .json file read to recognise SQuAD's {"data": [{"paragraphs": [{"qas": ...}]}]}. */
const SQUAD_HEAD_CHARS = 1 << 16;
const SAMPLE_ROWS = 20;

/**
 * SQuAD files are one object, which the row readers refuse; its keys show in the first characters. "paragraphs"
 * and "qas" as keys (quoted and followed by a colon) after a top-level "data" key are SQuAD's own vocabulary.
 */
function looksLikeSquad(head: string): boolean {
  const t = head.trimStart();
  return t.startsWith('{') && /"data"\s*:\s*\[/.test(t) && /"paragraphs"\s*:\s*\[/.test(t) && /"qas"\s*:\s*\[/.test(t);
}

function hasQuestionAndContext(row: Record<string, unknown>): boolean {
  return typeof row.question === 'string' && typeof row.context === 'string';
}

export async function detectDataTask(file: string): Promise<{ task: DataTask; reason: string }> {
  const name = path.basename(file);
  const format = datasetFormatOf(file);
  try {
    if (format === 'json' && looksLikeSquad(await textFromLine(file, 1, SQUAD_HEAD_CHARS))) {
      return { task: 'question-answering', reason: `${name}: SQuAD layout (data[].paragraphs[].qas)` };
    }
    const ner = await sniffNerFormat(file);
    if (ner.format) return { task: 'token-classification', reason: `${name}: ${ner.reason}` };
    if (format === 'jsonl' || format === 'json' || format === 'parquet') {
      let seen = 0;
      for await (const { row } of readRows(file)) {
        if (hasQuestionAndContext(row)) {
          return { task: 'question-answering', reason: `${name}: rows hold "question" and "context"${'answers' in row ? ' and "answers"' : ''}` };
        }
        if (++seen >= SAMPLE_ROWS) break;
      }
    }
    return { task: 'classification', reason: `${name}: ${ner.reason}, and no question/context fields` };
  } catch (e) {
    // A file that cannot be opened has no shape to detect; a malformed one is left to the classification loader,
    // which reads it again and reports the problem with its full message.
    const err = asDatasetError(file, e);
    if (err.code === 'file-unreadable' || err.code === 'not-a-regular-file') throw err;
    return { task: 'classification', reason: `${name}: could not be sampled (${err.message}); read as classification` };
  }
}
