// SQuAD v1.1 / v2.0 JSON: {version, data: [{title, paragraphs: [{context, qas: [{id, question, answers, is_impossible?}]}]}]}.
// The whole file is one JSON value (the official files are a single 30 MB line), so it is parsed at once; a syntax
// error is placed by the shared validator (data/jsonSyntax.ts). JSON.parse keeps no positions, so each question's
// line and column come from the offsets of its keys in document order: the k-th `"question":` key of the text
// belongs to the k-th question object that has one. Where that count disagrees with the parsed tree (an unusual file
// that uses the key elsewhere) messages fall back to the JSON path, which every message carries anyway.
import * as fs from 'node:fs';
import { MalformedRowError, type Location } from '../errors';
import { findJsonSyntaxError } from '../jsonSyntax';
import { positionIn } from '../readers/source';
import { checkQa, type QaExample } from './qaRows';

/** Offsets of every `"key":` in the text (a string token followed by ':' is always a key; escaped quotes are skipped). */
function keyOffsets(text: string, key: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`(?<!\\\\)"${key}"\\s*:`, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m.index);
  return out;
}

/** Line/column of increasing offsets in one forward pass (positionIn per offset would be quadratic on big files). */
class Positions {
  private line = 1;
  private lineStart = 0;
  private scanned = 0;
  constructor(private readonly text: string) {}
  at(offset: number): { line: number; column: number } {
    if (offset < this.scanned) return positionIn(this.text, offset, 1);
    for (let k = this.text.indexOf('\n', this.scanned); k !== -1 && k < offset; k = this.text.indexOf('\n', k + 1)) {
      this.line++;
      this.lineStart = k + 1;
    }
    this.scanned = offset;
    return { line: this.line, column: offset - this.lineStart + 1 };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

export function parseSquadText(file: string, text: string): QaExample[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxError(text);
    const at = positionIn(text, problem?.offset ?? 0, 1);
    throw new MalformedRowError('bad-json', { file, ...at }, `invalid JSON: ${problem?.message ?? 'cannot parse'}`);
  }
  const structure = (loc: Location, detail: string) => new MalformedRowError('row-not-object', loc, detail);
  if (!isObject(root) || !Array.isArray(root.data)) {
    throw structure({ file, line: 1, column: 1 },
      `expected a SQuAD file {"version": ..., "data": [{"title": ..., "paragraphs": [...]}]} but found ${isObject(root) ? 'an object without a "data" array' : kind(root)}`);
  }

  const keys = { question: keyOffsets(text, 'question'), id: keyOffsets(text, 'id'), context: keyOffsets(text, 'context') };
  const owners = { question: 0, id: 0, context: 0 };
  for (const article of root.data) {
    for (const p of isObject(article) && Array.isArray(article.paragraphs) ? article.paragraphs : []) {
      if (!isObject(p)) continue;
      if ('context' in p) owners.context++;
      for (const qa of Array.isArray(p.qas) ? p.qas : []) {
        if (isObject(qa) && 'question' in qa) owners.question++;
        if (isObject(qa) && 'id' in qa) owners.id++;
      }
    }
  }
  const trusted = (k: keyof typeof keys) => keys[k].length === owners[k];
  const used = { question: 0, id: 0, context: 0 };
  const positions = new Positions(text);
  const next = (k: keyof typeof keys, has: boolean): number | undefined => (has ? keys[k][used[k]++] : undefined);
  const locate = (offset: number | undefined): Location => (offset === undefined ? { file } : { file, ...positions.at(offset) });

  const out: QaExample[] = [];
  root.data.forEach((article, a) => {
    const where = `data[${a}]`;
    if (!isObject(article) || !Array.isArray(article.paragraphs)) {
      throw structure({ file }, `${where} is ${kind(article)}${isObject(article) ? ' without a "paragraphs" array' : ''}; expected {"title": ..., "paragraphs": [{"context": ..., "qas": [...]}]}`);
    }
    article.paragraphs.forEach((p, j) => {
      const pWhere = `${where}.paragraphs[${j}]`;
      if (!isObject(p)) throw structure({ file }, `${pWhere} is ${kind(p)}; expected {"context": ..., "qas": [...]}`);
      const contextOffset = next('context', 'context' in p);
      const pLoc = trusted('context') ? locate(contextOffset) : { file };
      if (!Array.isArray(p.qas)) throw structure(pLoc, `${pWhere} has ${p.qas === undefined ? 'no "qas"' : `"qas" that is ${kind(p.qas)}`}; expected "qas": [{"id": ..., "question": ..., "answers": [...]}]`);
      p.qas.forEach((qa, q) => {
        const qWhere = `${pWhere}.qas[${q}]`;
        if (!isObject(qa)) throw structure(pLoc, `${qWhere} is ${kind(qa)}; expected {"id": ..., "question": ..., "answers": [...]}`);
        const qOffset = next('question', 'question' in qa);
        const idOffset = next('id', 'id' in qa);
        const offset = trusted('question') && qOffset !== undefined ? qOffset : trusted('id') ? idOffset : undefined;
        const loc = offset === undefined ? pLoc : locate(offset);
        // v2: an impossible question has no answer, whatever "answers" holds; plausible_answers are not targets.
        const impossible = qa.is_impossible === true;
        const answers = impossible ? [] : qa.answers ?? [];
        if (!Array.isArray(answers)) throw structure(loc, `${qWhere} has "answers" that is ${kind(answers)}; expected [{"text": ..., "answer_start": ...}]`);
        const answerTexts: unknown[] = [];
        const answerStarts: unknown[] = [];
        answers.forEach((ans, k) => {
          if (!isObject(ans)) throw structure(loc, `${qWhere}.answers[${k}] is ${kind(ans)}; expected {"text": ..., "answer_start": ...}`);
          answerTexts.push(ans.text);
          answerStarts.push(ans.answer_start);
        });
        out.push(checkQa({
          id: qa.id, question: qa.question, context: p.context, title: article.title, answerTexts, answerStarts,
          loc, where: qWhere, fallbackId: `${a}-${j}-${q}`,
        }));
      });
    });
  });
  return out;
}

export async function readSquadFile(file: string): Promise<QaExample[]> {
  return parseSquadText(file, await fs.promises.readFile(file, 'utf8'));
}
