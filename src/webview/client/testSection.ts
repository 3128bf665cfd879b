// The dashboard's Test section: the test split's one evaluation, kept apart from the per-epoch validation table so
// nobody reads it as something the run selected on.
import type { TestEntry } from '../../training/protocol';
import type { SplitRoles } from '../../training/splitRoles';
import { clear, formatNumber, h } from './dom';
import { dataGrid } from './toolkit';

/** `labelTitle`: the per-class table's first header ("Entity type" for NER); no per-class table when undefined (QA). */
export function renderTestSection(host: HTMLElement, test: TestEntry | undefined, splits: SplitRoles | undefined, labelTitle: string | undefined = 'Label'): void {
  clear(host);
  if (!test) {
    host.append(h('p', { class: 'muted' }, splits?.test.rows
      ? `The test split (${splits.test.rows} rows, ${splits.test.source}) is evaluated once, after training.`
      : 'No test split: put a test file beside the training file (test.csv) or rows whose split column says test.'));
    return;
  }
  const source = splits?.test.source ? `${splits.test.source}, ` : '';
  host.append(h('p', { class: 'muted', id: 'test-note' }, `${source}${test.examples} examples, weights of step ${test.step}; evaluated once, never used for selection.`));
  const names = Object.keys(test.metrics);
  host.append(dataGrid('test-grid', names.map((n) => ({ title: n, cell: (t: TestEntry) => formatNumber(t.metrics[n]), numeric: true })), [test], { label: 'Test metrics' }));
  if (test.perClass?.length && labelTitle) {
    host.append(dataGrid('test-per-class-grid', [
      { title: labelTitle, cell: (r) => r.label },
      { title: 'Precision', cell: (r) => formatNumber(r.precision), numeric: true },
      { title: 'Recall', cell: (r) => formatNumber(r.recall), numeric: true },
      { title: 'F1', cell: (r) => formatNumber(r.f1), numeric: true },
      { title: 'Support', cell: (r) => String(r.support), numeric: true },
    ], test.perClass, { label: 'Test metrics per class' }));
  }
}
