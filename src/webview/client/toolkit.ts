// The one place that knows the UI component library (@vscode/webview-ui-toolkit, deprecated upstream). Panels build
// their UI only through these functions, so a successor library replaces this file and nothing else.
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { h } from './dom';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeBadge(),
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDataGrid(),
    vsCodeDataGridCell(),
    vsCodeDataGridRow(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeProgressRing(),
    vsCodeTextField(),
  );
}

export interface ButtonOptions {
  id?: string;
  secondary?: boolean;
  title?: string;
  disabled?: boolean;
}

export function button(label: string, onClick: () => void, opts: ButtonOptions = {}): HTMLElement {
  const b = h('vscode-button', { id: opts.id, appearance: opts.secondary ? 'secondary' : 'primary', title: opts.title }, label);
  setDisabled(b, opts.disabled ?? false);
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  el.toggleAttribute('disabled', disabled);
}

export function progressRing(): HTMLElement {
  return h('vscode-progress-ring', { 'aria-label': 'Running' });
}

/**
 * A status tag. Not the toolkit's vscode-tag: its template carries a bound style attribute, which a strict CSP
 * (no 'unsafe-inline' styles) blocks on every page load; a span styled in webview.css looks the same.
 */
export function tag(text: string, id?: string): HTMLElement {
  return h('span', { id, class: 'tag' }, text);
}

export function badge(text: string): HTMLElement {
  return h('vscode-badge', {}, text);
}

export function divider(): HTMLElement {
  return h('vscode-divider', { role: 'separator' });
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, attrs: Record<string, string> = {}): HTMLElement {
  const c = h('vscode-checkbox', { ...attrs, checked }, label);
  c.addEventListener('change', () => onChange((c as HTMLElement & { checked: boolean }).checked));
  return c;
}

export interface DropdownOption {
  value: string;
  label: string;
  /** Listed but not selectable (e.g. a model that cannot be fine-tuned); the title says why. */
  disabled?: boolean;
  title?: string;
}

export function dropdown(id: string, options: DropdownOption[], value: string, onChange: (value: string) => void, attrs: Record<string, string> = {}): HTMLElement {
  const d = h('vscode-dropdown', { ...attrs, id, value }, ...options.map((o) => h('vscode-option', { value: o.value, selected: o.value === value, disabled: o.disabled, title: o.title }, o.label)));
  const el = d as HTMLElement & { value: string };
  let settingUp = true;
  d.addEventListener('change', () => {
    if (!settingUp) onChange(el.value);
  });
  // FAST starts a dropdown at the option whose value equals its own initial value ('' unless set), which is a
  // "Choose…" entry whose value is '': set the chosen value once the element is connected, without a change event.
  requestAnimationFrame(() => {
    if (el.value !== value) el.value = value;
    settingUp = false;
  });
  return d;
}

/** A one-line text input; `onInput` gets the text on every keystroke. The label is the field's accessible name. */
export function textField(id: string, label: string, value: string, placeholder: string, onInput: (value: string) => void): HTMLElement {
  // No slotted label: the form row shows the label (a second one inside the field would repeat it).
  const f = h('vscode-text-field', { id, value, placeholder, 'aria-label': label });
  const read = () => onInput((f as HTMLElement & { value: string }).value ?? '');
  f.addEventListener('input', read);
  f.addEventListener('change', read);
  return f;
}

/** Marks a field invalid (its border turns the theme's error colour) and points screen readers at the message. */
export function setInvalid(el: HTMLElement, messageId: string | undefined): void {
  el.toggleAttribute('aria-invalid', messageId !== undefined);
  el.classList.toggle('invalid', messageId !== undefined);
  if (messageId) el.setAttribute('aria-describedby', messageId);
  else el.removeAttribute('aria-describedby');
}

export interface GridColumn<Row> {
  title: string;
  cell: (row: Row) => string | Node;
  /** Right-aligned (numbers). */
  numeric?: boolean;
  /** Header click handler (sorting); the header shows `sortMark` after its title. */
  onHeaderClick?: () => void;
  sortMark?: string;
}

/** A data grid built row by row, so cells may hold components (checkboxes, links) and headers may sort. */
export function dataGrid<Row>(
  id: string,
  columns: GridColumn<Row>[],
  rows: Row[],
  opts: { rowAttrs?: (row: Row) => Record<string, string>; template?: string; label?: string } = {},
): HTMLElement {
  const grid = h('vscode-data-grid', { id, 'generate-header': 'none', 'aria-label': opts.label ?? id, 'grid-template-columns': opts.template });
  const header = h('vscode-data-grid-row', { 'row-type': 'sticky-header' });
  columns.forEach((c, i) => {
    const cell = h('vscode-data-grid-cell', { 'cell-type': 'columnheader', 'grid-column': i + 1, class: c.numeric ? 'num' : undefined }, c.title + (c.sortMark ?? ''));
    if (c.onHeaderClick) {
      cell.classList.add('sortable');
      cell.setAttribute('title', `Sort by ${c.title}`);
      cell.addEventListener('click', c.onHeaderClick);
      cell.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') c.onHeaderClick?.();
      });
    }
    header.append(cell);
  });
  grid.append(header);
  for (const r of rows) {
    // data-row marks body rows (FAST sets row-type on every row itself).
    const row = h('vscode-data-grid-row', { ...(opts.rowAttrs?.(r) ?? {}), 'data-row': true });
    columns.forEach((c, i) => row.append(h('vscode-data-grid-cell', { 'grid-column': i + 1, class: c.numeric ? 'num' : undefined }, c.cell(r))));
    grid.append(row);
  }
  return grid;
}
