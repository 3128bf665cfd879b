// A dataset summary in words, for the Datasets view (description, child rows, tooltip) and the CLI. Pure functions.
import type { DatasetSummary } from './summary';
import { isTaskSummary, type AnyDatasetSummary, type TaskDataSummary } from './taskSummary';

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

const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

const NER_FORMATS: Record<NonNullable<TaskDataSummary['ner']>['format'], string> = {
  'conll': 'CoNLL columns',
  'tokens-tags': 'token and tag lists',
  'spans': 'text with character-span entities',
};

/** The QA file's kind in SQuAD's terms: v2.0 is the one with unanswerable questions. */
function qaKind(qa: NonNullable<TaskDataSummary['qa']>): string {
  if (qa.format === 'squad') return qa.version2 ? 'SQuAD v2' : 'SQuAD v1.1';
  return qa.version2 ? 'question/context rows, some unanswerable' : 'question/context rows';
}

/** "NER: 750 sentences, 3 entity types" / "Extractive QA: 620 questions, SQuAD v2". */
export function taskDescription(s: TaskDataSummary): string {
  if (s.ner) return `NER: ${plural(s.rows, 'sentence')}, ${plural(s.ner.entityTypes.length, 'entity type')}`;
  if (s.qa) return `Extractive QA: ${plural(s.rows, 'question')}, ${qaKind(s.qa)}`;
  return s.task === 'token-classification' ? 'NER' : 'Extractive QA';
}

function taskFacts(s: TaskDataSummary): SummaryFact[] {
  const facts: SummaryFact[] = [{ label: 'Task', value: s.task === 'token-classification' ? 'token classification (NER)' : 'extractive question answering' }];
  if (s.reason) facts.push({ label: 'Recognised by', value: s.reason });
  if (s.ner) {
    const n = s.ner;
    facts.push({ label: 'Format', value: NER_FORMATS[n.format] });
    facts.push({ label: 'Sentences', value: count(s.rows) });
    facts.push({ label: 'Words', value: count(n.words) });
    facts.push({ label: 'Tag scheme', value: n.scheme === 'IOB2' ? 'IOB2' : `${n.scheme} (read as IOB2)` });
    facts.push({ label: 'Entity types', value: n.entityTypes.length ? n.entityTypes.map((t) => `${t.label}: ${count(t.count)}`).join(' · ') : 'none' });
  }
  if (s.qa) {
    facts.push({ label: 'Format', value: qaKind(s.qa) });
    facts.push({ label: 'Questions', value: count(s.rows) });
    facts.push({ label: 'Contexts', value: count(s.qa.contexts) });
    facts.push({ label: 'Unanswerable', value: count(s.qa.unanswerable) });
  }
  for (const p of s.problems) facts.push({ label: 'Problem', value: p });
  return facts;
}

/** One line: "csv · 1,204 rows · review → sentiment · 3 classes", or the token task's "NER: 750 sentences, 3 entity types". */
export function summaryDescription(s: AnyDatasetSummary): string {
  if (isTaskSummary(s)) return taskDescription(s);
  return [s.format === 'text' ? 'text (MLM)' : s.format, `${rowCount(s)} rows`, mappingText(s), labelText(s)]
    .filter((p): p is string => !!p)
    .join(' · ');
}

export function summaryFacts(s: AnyDatasetSummary): SummaryFact[] {
  if (isTaskSummary(s)) return taskFacts(s);
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
export function summaryTooltip(s: AnyDatasetSummary): string {
  return summaryFacts(s).map((f) => `**${f.label}:** ${f.value}`).join('  \n');
}

/**
 * Why a file cannot be fine-tuned, in one line, or undefined when it can: the read error the Datasets view shows in
 * place of a summary, or the summary's problems that the trainer would refuse.
 */
export function datasetRefusal(entry: { summary?: AnyDatasetSummary; problem?: string }): string | undefined {
  if (entry.problem) return entry.problem;
  const blocking = entry.summary?.blocking ?? [];
  return blocking.length ? blocking.join(' ') : undefined;
}
