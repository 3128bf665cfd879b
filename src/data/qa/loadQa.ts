// One QA file → validated examples. SQuAD JSON (an object with "data") or flat rows as HF datasets' squad has them:
// {"id", "title", "question", "context", "answers": {"text": [...], "answer_start": [...]}} per JSONL line or in a
// JSON array. A list of {"text", "answer_start"} objects is accepted for "answers" too (SQuAD's own shape).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetError, MalformedRowError } from '../errors';
import { readJsonArray } from '../readers/jsonArrayReader';
import { readJsonl } from '../readers/jsonlReader';
import type { RawRow } from '../readers/types';
import { checkQa, duplicateIdWarning, type QaDataset, type QaExample } from './qaRows';
import { parseSquadText } from './squadReader';

function flatAnswers(file: string, line: number, answers: unknown): { texts: unknown[]; starts: unknown[] } {
  if (answers === undefined || answers === null) return { texts: [], starts: [] };
  if (Array.isArray(answers)) {
    return {
      texts: answers.map((a) => (typeof a === 'object' && a !== null ? (a as Record<string, unknown>).text : a)),
      starts: answers.map((a) => (typeof a === 'object' && a !== null ? (a as Record<string, unknown>).answer_start : undefined)),
    };
  }
  if (typeof answers === 'object') {
    const { text, answer_start } = answers as Record<string, unknown>;
    if (Array.isArray(text) && Array.isArray(answer_start)) return { texts: text, starts: answer_start };
  }
  throw new MalformedRowError('row-not-object', { file, line },
    `"answers" is ${JSON.stringify(answers).slice(0, 80)}; expected {"text": ["..."], "answer_start": [12]} (or [] for no answer)`);
}

async function readFlatRows(file: string, rows: AsyncIterable<RawRow>): Promise<QaExample[]> {
  const out: QaExample[] = [];
  for await (const { row, line } of rows) {
    const { texts, starts } = flatAnswers(file, line, row.answers);
    out.push(checkQa({
      id: row.id, question: row.question, context: row.context, title: row.title, answerTexts: texts, answerStarts: starts,
      loc: { file, line }, where: `line ${line}`, fallbackId: String(line),
    }));
  }
  return out;
}

/** The first character that is not white space (or a BOM): '{' is SQuAD JSON, '[' a JSON array of flat rows. */
async function firstChar(file: string): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, bytesRead).replace(/^[\s\ufeff]+/, '')[0] ?? '';
  } finally {
    await handle.close();
  }
}

export async function loadQaDataset(file: string): Promise<QaDataset> {
  const ext = path.extname(file).toLowerCase();
  let examples: QaExample[];
  let format: QaDataset['format'];
  if (ext === '.jsonl' || ext === '.ndjson') {
    examples = await readFlatRows(file, readJsonl(file));
    format = 'jsonl';
  } else if (ext === '.json') {
    const first = await firstChar(file);
    if (first === '[') {
      examples = await readFlatRows(file, readJsonArray(file));
      format = 'jsonl';
    } else {
      examples = parseSquadText(file, await fs.promises.readFile(file, 'utf8'));
      format = 'squad';
    }
  } else {
    throw new DatasetError('unsupported-format', { file },
      `question answering reads SQuAD JSON (.json) or JSON Lines (.jsonl) with question, context and answers; found a ${ext || 'file without extension'}`);
  }
  if (examples.length === 0) {
    throw new DatasetError('empty-dataset', { file }, 'no questions found; expected SQuAD paragraphs with "qas", or rows with question, context and answers');
  }
  const warnings: string[] = [];
  const duplicates = duplicateIdWarning(file, examples);
  if (duplicates) warnings.push(duplicates);
  return { file, format, version2: examples.some((e) => e.answers.text.length === 0), examples, warnings };
}
