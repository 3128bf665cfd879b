// How a classification reads in the editor: the inline text after a selection and the hover's Markdown. Plain
// strings (no vscode import) so the wording is unit-tested and the integration test can compare against it.
import type { Classification, InferenceTask } from './protocol';

export interface ResultContext {
  task: InferenceTask;
  /** Folder name or Hub id shown to the user. */
  modelName: string;
  multiLabel?: boolean;
  hypothesisTemplate?: string;
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

/** Decoration text after the selection: the best label and its score. */
export function inlineText(c: Classification): string {
  const top = c.scores[0];
  return top ? `${top.label} ${formatScore(top.score)}` : 'no labels';
}

/** Escapes what Markdown would interpret in labels (they are user input) inside a table cell. */
function cell(s: string): string {
  return s.replace(/[\\`*_[\]|<>]/g, (ch) => `\\${ch}`);
}

function bar(score: number): string {
  const n = Math.round(Math.max(0, Math.min(1, score)) * 10);
  return '█'.repeat(n) + '░'.repeat(10 - n);
}

export function hoverMarkdown(c: Classification, ctx: ResultContext): string {
  const how = ctx.task === 'zero-shot'
    ? `zero-shot · ${ctx.multiLabel ? 'multi-label (each label scored on its own)' : 'single-label (scores sum to 1)'}`
    : 'fine-tuned classifier';
  const lines = [
    `**Fine-Tune Studio** — ${cell(how)}`,
    '',
    '| Label | Score | |',
    '|---|---:|---|',
    ...c.scores.map((s) => `| ${cell(s.label)} | ${formatScore(s.score)} | ${bar(s.score)} |`),
    '',
    `Model: \`${ctx.modelName.replace(/`/g, "'")}\``,
  ];
  if (ctx.task === 'zero-shot' && ctx.hypothesisTemplate) lines.push(`Hypothesis: \`${ctx.hypothesisTemplate.replace(/`/g, "'")}\``);
  if (c.truncated) lines.push('', `_Long selection: only its first ${c.truncated.kept} of ${c.truncated.total} tokens fit the model and were classified._`);
  return lines.join('\n');
}

/** Short preview of a selection for pick lists and headings. */
export function preview(text: string, max = 40): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
