// A dataset summary in words, for the Datasets view (description, child rows, tooltip) and the CLI. Pure functions.
import type { DatasetSummary } from './summary';

export interface SummaryFact {
  label: string;
  value: string;
}

const count = (n: number) => n.toLocaleString('en-US');
const rowCount = (s: DatasetSummary) => (s.complete ? count(s.rows) : `over ${count(s.rows)}`);

function mappingText(s: DatasetSummary): string {
  const text = s.mapping.textPair ? `${s.mapping.text} + ${s.mapping.textPair}` : s.mapping.text;
  return s.mapping.label ? `${text} → ${s.mapping.label}` : `${text} (unlabeled)`;
}

function labelText(s: DatasetSummary): string | undefined {
  if (!s.mapping.label) return undefined;
  if (s.labelKind === 'float') return 'regression';
  const classes = s.labelDistribution.length;
  return `${classes} ${s.labelKind === 'multi' ? 'labels, multi-label' : classes === 1 ? 'class' : 'classes'}`;
}

/** One line: "csv · 1,204 rows · review → sentiment · 3 classes". */
export function summaryDescription(s: DatasetSummary): string {
  return [s.format === 'text' ? 'text (MLM)' : s.format, `${rowCount(s)} rows`, mappingText(s), labelText(s)]
    .filter((p): p is string => !!p)
    .join(' · ');
}

export function summaryFacts(s: DatasetSummary): SummaryFact[] {
  const facts: SummaryFact[] = [
    { label: 'Rows', value: rowCount(s) },
    { label: 'Columns', value: s.columns.join(', ') },
    { label: s.mapping.textPair ? 'Text pair' : 'Text', value: s.mapping.textPair ? `${s.mapping.text}, ${s.mapping.textPair}` : s.mapping.text },
  ];
  if (s.mapping.label) facts.push({ label: 'Label', value: `${s.mapping.label} (${labelText(s)})` });
  if (s.labelDistribution.length) {
    facts.push({ label: 'Label distribution', value: s.labelDistribution.map((l) => `${l.label}: ${count(l.count)}`).join(' · ') });
  }
  if (s.targetRange) {
    const r = s.targetRange;
    facts.push({ label: 'Target range', value: `${r.min} to ${r.max} (mean ${r.mean.toFixed(3)})` });
  }
  if (s.tokens) {
    const sampled = s.tokens.counted < s.rows ? ` (first ${count(s.tokens.counted)} rows)` : '';
    facts.push({ label: 'Tokens', value: `average ${s.tokens.average.toFixed(1)}, max ${s.tokens.max}${sampled}` });
  }
  facts.push({ label: 'Duplicate rows', value: count(s.duplicateRows) });
  facts.push({ label: 'Empty rows', value: count(s.emptyRows) });
  facts.push({ label: 'Empty text', value: count(s.emptyText) });
  if (s.mapping.label) facts.push({ label: 'Unlabeled rows', value: count(s.unlabeledRows) });
  for (const p of s.problems) facts.push({ label: 'Problem', value: p });
  return facts;
}

/** Markdown for a tree item's tooltip. */
export function summaryTooltip(s: DatasetSummary): string {
  return summaryFacts(s).map((f) => `**${f.label}:** ${f.value}`).join('  \n');
}

/**
 * Why a file cannot be fine-tuned, in one line, or undefined when it can: the read error the Datasets view shows in
 * place of a summary, or the summary's problems that the trainer would refuse.
 */
export function datasetRefusal(entry: { summary?: DatasetSummary; problem?: string }): string | undefined {
  if (entry.problem) return entry.problem;
  const blocking = entry.summary?.blocking ?? [];
  return blocking.length ? blocking.join(' ') : undefined;
}
