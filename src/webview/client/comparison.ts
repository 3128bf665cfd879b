// Comparison webview client: the sortable table of runs (toolkit data grid), checkboxes choosing which runs' loss
// curves overlay in the chart and which rows are exported, and export buttons. Sort and selection survive reloads.
import { columnsFor, COLUMNS, ComparisonRow, formatCell, SortSpec, sortRows } from '../comparisonColumns';
import type { ComparisonCurve, ComparisonState, FromComparison, ToComparison } from '../messages';
import { overlayCurves } from '../overlay';
import { clear, h } from './dom';
import { LineChart } from './lineChart';
import { button, checkbox, dataGrid, registerToolkit } from './toolkit';
import { channel } from './vscodeApi';

registerToolkit();
const host = channel<FromComparison, ComparisonState>();
const saved = host.getState();

let rows: ComparisonRow[] = [];
let curves: ComparisonCurve[] = [];
let runDirs: string[] = saved?.runDirs ?? [];
// A sort saved before a column was renamed falls back to the default rather than sorting on nothing.
let sort: SortSpec = saved?.sort && COLUMNS.some((c) => c.key === saved.sort?.key) ? saved.sort : { key: 'bestAccuracy', descending: true };
let selected = new Set<string>(saved?.selected ?? []);
let knownRuns = new Set<string>(saved?.known ?? []);

const chart = new LineChart({ id: 'chart-overlay', title: 'Training loss of the selected runs', xLabel: 'step', height: 260 });
const tableHost = h('div', { id: 'comparison-table' });
const problems = h('div', { id: 'problems', class: 'problems', hidden: true });
const count = h('span', { id: 'selection-count', class: 'muted' });

const exportSelected = (format: 'csv' | 'markdown') => () => host.post({ type: 'export', format, runIds: rows.filter((r) => selected.has(r.runId)).map((r) => r.runId), sort });

const app = document.getElementById('app') as HTMLElement;
clear(app);
app.append(
  h('header', { class: 'run-header' }, h('h1', {}, 'Compare runs')),
  h(
    'div',
    { class: 'toolbar' },
    button('Export CSV', exportSelected('csv'), { id: 'btn-export-csv', title: 'Export the selected runs (all when none) in the current order' }),
    button('Export Markdown', exportSelected('markdown'), { id: 'btn-export-md', secondary: true }),
    button('Refresh', () => host.post({ type: 'refresh' }), { id: 'btn-refresh', secondary: true }),
    h('span', { class: 'spacer' }),
    count,
  ),
  problems,
  h('section', { class: 'card' }, tableHost),
  h('div', { class: 'charts single' }, chart.element),
);

function save(): void {
  host.setState({ runDirs, sort, selected: [...selected], known: [...knownRuns] });
}

function render(): void {
  const sorted = sortRows(rows, sort);
  const columns = columnsFor(rows);
  const mark = (key: string) => (sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : '');
  const onSort = (key: SortSpec['key']) => () => {
    sort = { key, descending: sort.key === key ? !sort.descending : true };
    save();
    render();
  };
  clear(tableHost);
  tableHost.append(
    dataGrid<ComparisonRow>(
      'comparison-grid',
      [
        {
          title: '',
          cell: (r) =>
            checkbox('', selected.has(r.runId), (on) => {
              if (on) selected.add(r.runId);
              else selected.delete(r.runId);
              save();
              renderChart();
            }, { 'aria-label': `Select ${r.runId}`, 'data-run': r.runId }),
        },
        ...columns.map((c) => ({
          title: c.title,
          numeric: c.kind !== 'text',
          sortMark: mark(c.key),
          onHeaderClick: onSort(c.key),
          cell: (r: ComparisonRow) => (c.key === 'runId' ? runLink(r) : formatCell(r, c)),
        })),
      ],
      sorted,
      { rowAttrs: (r) => ({ 'data-run': r.runId }), template: `2.5em 14em repeat(${columns.length - 1}, 6.5em)`, label: 'Run comparison' },
    ),
  );
  renderChart();
}

function runLink(r: ComparisonRow): Node {
  const a = h('a', { href: '#', title: `Open the dashboard of ${r.runDir}` }, r.runId);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    host.post({ type: 'openDashboard', runDir: r.runDir });
  });
  return a;
}

function renderChart(): void {
  const shown = curves.filter((c) => selected.has(c.runId));
  count.textContent = `${shown.length} of ${rows.length} runs selected`;
  chart.update(overlayCurves(shown));
}

let lastData = '';

window.addEventListener('message', (event: MessageEvent<ToComparison>) => {
  const m = event.data;
  if (m.type !== 'data') return;
  // An identical update (a refresh with nothing new) must not rebuild the table under the user's cursor.
  const text = JSON.stringify(m);
  if (text === lastData) return;
  lastData = text;
  rows = m.rows;
  curves = m.curves;
  runDirs = m.runDirs;
  // Runs seen for the first time start selected; a run the user unticked stays unticked across refreshes.
  for (const r of rows) if (!knownRuns.has(r.runId)) selected.add(r.runId);
  knownRuns = new Set([...knownRuns, ...rows.map((r) => r.runId)]);
  selected = new Set([...selected].filter((id) => knownRuns.has(id)));
  problems.hidden = m.problems.length === 0;
  problems.replaceChildren(...(m.problems.length ? [h('strong', {}, 'Some runs could not be read fully:'), h('ul', {}, ...m.problems.map((p) => h('li', {}, p)))] : []));
  save();
  render();
});

host.post({ type: 'ready' });
