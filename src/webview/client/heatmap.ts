// Confusion-matrix heatmap as a table: rows are true labels, columns predicted labels; cell shade is the share of the
// row (recall view), so classes of different sizes read alike. Colours come from the theme via CSS color-mix.
import { h } from './dom';

export function confusionHeatmap(labels: string[], matrix: number[][]): HTMLElement {
  const n = matrix.length;
  const name = (i: number) => labels[i] ?? `class ${i}`;
  const head = h('tr', {}, h('th', { class: 'corner', scope: 'col' }, 'true ↓ / predicted →'), ...Array.from({ length: n }, (_, j) => h('th', { scope: 'col' }, name(j))));
  const body = matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, name(i)),
      ...row.map((count, j) => {
        const share = total > 0 ? count / total : 0;
        const td = h('td', { class: i === j ? 'diag' : 'off', title: `true ${name(i)}, predicted ${name(j)}: ${count} (${(share * 100).toFixed(1)}% of row)` }, String(count));
        // CSSOM custom property (allowed by the CSP, unlike a style attribute) drives the colour-mix in webview.css.
        td.style.setProperty('--share', `${Math.round(share * 100)}%`);
        return td;
      }),
    );
  });
  return h('table', { class: 'heatmap', id: 'confusion' }, h('thead', {}, head), h('tbody', {}, ...body));
}
