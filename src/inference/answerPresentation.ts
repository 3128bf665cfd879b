// How an answer reads: the hover over the highlighted span and the notification, including "no answer". Plain strings
// (no vscode import) so the wording is unit-tested.
import { formatScore, preview } from './presentation';
import type { AnswerResult } from './protocol';

function code(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\s+/g, ' ')}\``;
}

export function answerHoverMarkdown(r: AnswerResult, modelName: string): string {
  if (!r.answer) return '';
  const others = r.nBest.slice(1, 4).map((s) => `- ${code(s.text)} ${formatScore(s.probability)}`);
  return [
    `**Fine-Tune Studio** — answer to ${code(r.question)}`,
    '',
    `${code(r.answer.text)} · probability ${formatScore(r.answer.probability)} (span score ${formatScore(r.answer.score)}; no answer: ${formatScore(r.nullProbability)}, score ${formatScore(r.nullScore)})`,
    ...(others.length ? ['', 'Next best:', ...others] : []),
    '',
    `Model: ${code(modelName)}`,
  ].join('\n');
}

/** The notification after the question ran. */
export function answerMessage(r: AnswerResult, modelName: string): string {
  if (!r.answer) {
    const best = r.nBest[0];
    return `No answer in the selection to "${preview(r.question, 60)}" (${modelName}: no-answer score ${formatScore(r.nullScore)}` +
      `${best ? ` beats the best span "${preview(best.text, 30)}" at ${formatScore(best.score)}` : ''}).`;
  }
  return `Answer: "${preview(r.answer.text, 80)}" (probability ${formatScore(r.answer.probability)}, ${modelName}).`;
}
