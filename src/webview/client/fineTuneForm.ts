// "New fine-tune" form client: every choice on one page. It keeps what the user typed (webview state, and the host
// keeps it in the workspace state), sends each change to the host and draws what the host works out from it (dataset
// summary, problems per field in the CLI's words, which layers train, the estimate). Nothing here validates: the host
// does, with the same code the CLI and config files use.
import type { PhaseEstimate, ProbeOutcome } from '../../commands/runEstimate';
import { STRATEGIES, type StrategyId } from '../../training/strategies';
import { NO_LABEL, RUN_TASKS_SHOWN, SETFIT_TOKEN_TASKS, TASKS, type RunTaskChoice, type TaskChoice } from '../formChoices';
import type { RunTask } from '../../training/protocol';
import type { DatasetOption, FormDerived, FormViewState, FromForm, ModelOption, ToForm } from '../formMessages';
import type { FieldSpec, FormState } from '../formModel';
import type { LayerPicture } from '../layerPicture';
import { clear, formatNumber, h } from './dom';
import { button, checkbox, dropdown, progressRing, registerToolkit, setDisabled, setInvalid, textField } from './toolkit';
import { channel } from './vscodeApi';

registerToolkit();
const host = channel<FromForm, FormViewState>();

let state: FormState | undefined = host.getState()?.state;
let models: ModelOption[] = [];
let datasets: DatasetOption[] = [];
let derived: FormDerived | undefined;
let revision = 0;
/** What the column and hyperparameter sections were drawn for: they are redrawn only when it changes (keeps focus). */
let columnsKey = '';
let fieldsKey = '';
let strategyKey = '';

const taskLabel = (t: RunTask | undefined) => RUN_TASKS_SHOWN.find((x) => x.value === t)?.label ?? 'Sequence classification';
/** Token tasks' loaders find their own fields: what the form says in place of the column choices. */
const LOADER_NOTE: Partial<Record<RunTask, string>> = {
  'token-classification': 'Tokens and tags are read by the NER loader (CoNLL columns, "tokens" + "ner_tags" lists, or "text" + character-span "entities"): there are no columns to choose.',
  'question-answering': 'Questions, contexts and answers are read by the QA loader (SQuAD JSON, or JSONL rows with "question", "context" and "answers"): there are no columns to choose.',
};

const app = document.getElementById('app')!;
const sections = {
  model: h('section', { id: 'sec-model', class: 'form-section', 'aria-labelledby': 'h-model' }),
  data: h('section', { id: 'sec-data', class: 'form-section', 'aria-labelledby': 'h-data' }),
  columns: h('section', { id: 'sec-columns', class: 'form-section', 'aria-labelledby': 'h-columns' }),
  strategy: h('section', { id: 'sec-strategy', class: 'form-section', 'aria-labelledby': 'h-strategy' }),
  hyper: h('section', { id: 'sec-hyper', class: 'form-section', 'aria-labelledby': 'h-hyper' }),
  estimate: h('section', { id: 'sec-estimate', class: 'form-section', 'aria-labelledby': 'h-estimate' }),
  actions: h('section', { id: 'sec-actions', class: 'form-section actions' }),
};
const errorEls = new Map<string, HTMLElement>();
const controls = new Map<string, HTMLElement>();
const datasetSummary = h('dl', { id: 'dataset-summary', class: 'summary' });
const datasetProblems = h('ul', { id: 'dataset-problems', class: 'problems-list' });
const strategyDescription = h('p', { id: 'strategy-description', class: 'muted' });
const picture = h('div', { id: 'layer-picture' });
const estimateLinesEl = h('ul', { id: 'estimate-lines', class: 'estimate' });
const probeStatus = h('span', { id: 'probe-status', class: 'muted', role: 'status' });
const notice = h('div', { id: 'form-notice', role: 'status', hidden: true });
const probeButton = button('Measure training speed', () => host.post({ type: 'probe' }), { id: 'btn-probe', secondary: true, title: 'Run a few training steps of this configuration in the worker to time it' });
const saveButton = button('Save configuration', () => host.post({ type: 'save' }), { id: 'btn-save', secondary: true, title: 'Write .finetune/configs/<name>.json (run it later with "Run saved configuration")' });
const startButton = button('Start fine-tuning', () => host.post({ type: 'start' }), { id: 'btn-start', title: 'Start the run; its dashboard opens' });

/** A labelled row: label, the control, and the line its problem appears on. */
function row(key: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  const err = h('div', { id: `err-${key}`, class: 'field-error', role: 'alert' });
  errorEls.set(key, err);
  controls.set(key, control);
  return h('div', { class: 'field', 'data-field': key },
    h('label', { class: 'field-label', id: `label-${key}` }, label),
    control,
    ...(hint ? [h('div', { class: 'field-hint muted' }, hint)] : []),
    err);
}

function change(mutate: (s: FormState) => void): void {
  if (!state) return;
  mutate(state);
  host.setState({ state });
  revision++;
  host.post({ type: 'change', state, revision });
}

function heading(id: string, text: string): HTMLElement {
  return h('h2', { id }, text);
}

function renderStatic(): void {
  if (!state) return;
  const s = state;
  clear(sections.model);
  sections.model.append(heading('h-model', 'Model'), row('model', 'Base model', dropdown('f-model', [
    { value: '', label: models.length ? 'Choose a model…' : 'No local models: search the Hub in the Models view' },
    ...models.map((m) => ({ value: m.dir, label: m.blocked ? `${m.label} (cannot be fine-tuned)` : `${m.label} · ${m.detail}`, disabled: m.blocked !== undefined && m.dir !== s.model, title: m.blocked ?? m.dir })),
  ], s.model ?? '', (v) => change((st) => (st.model = v || undefined)), { 'aria-labelledby': 'label-model' })));

  clear(sections.data);
  sections.data.append(heading('h-data', 'Dataset'), row('data', 'Dataset file', dropdown('f-data', [
    { value: '', label: datasets.length ? 'Choose a dataset…' : 'No dataset files in the workspace' },
    ...datasets.map((d) => ({ value: d.file, label: d.detail, title: d.file })),
  ], s.data ?? '', (v) => change((st) => {
    st.data = v || undefined;
    // Column choices belong to the file they were made for.
    st.columns = { text: '', textPair: '', label: '' };
    st.task = 'auto';
    st.runTask = '';
  }), { 'aria-labelledby': 'label-data' })), datasetSummary, datasetProblems);

  strategyKey = '';
  renderStrategy();

  clear(sections.estimate);
  sections.estimate.append(heading('h-estimate', 'Estimate'), estimateLinesEl, h('div', { class: 'probe-row' }, probeButton, probeStatus));

  clear(sections.actions);
  sections.actions.append(
    row('configName', 'Configuration name', textField('f-configName', 'Configuration name', s.configName, 'model-strategy', (v) => change((st) => (st.configName = v)))),
    h('div', { class: 'buttons' }, saveButton, startButton), notice);
  columnsKey = '';
  fieldsKey = '';
}

/** The strategy list; SetFit is not offered for token tasks (its option says why), unless it is the current choice. */
function renderStrategy(): void {
  if (!state) return;
  const s = state;
  const task = derived?.task ?? 'classification';
  // Redrawn when the task changes (or the page is drawn anew), never on a strategy change: that would rebuild the
  // dropdown under the user's pointer.
  const key = task;
  if (key === strategyKey) return;
  strategyKey = key;
  const tokenTask = task !== 'classification';
  const setfitNote = (id: string) => tokenTask && id === 'setfit';
  clear(sections.strategy);
  sections.strategy.append(heading('h-strategy', 'Strategy'), row('strategy', 'Strategy', dropdown('f-strategy',
    Object.entries(STRATEGIES).map(([id, st]) => ({
      value: id, label: setfitNote(id) ? `${st.title} (sequence classification only)` : st.title,
      disabled: setfitNote(id) && s.strategy !== id, title: setfitNote(id) ? SETFIT_TOKEN_TASKS : st.description,
    })), s.strategy, (v) => change((st) => (st.strategy = v as StrategyId)), { 'aria-labelledby': 'label-strategy' })),
  strategyDescription, h('h3', {}, 'Which layers train'), picture);
  strategyDescription.textContent = STRATEGIES[s.strategy]?.description ?? '';
}

function renderColumns(): void {
  if (!state || !derived) return;
  const ds = derived.dataset;
  const task = derived.task;
  const key = JSON.stringify([state.data, ds?.columns, ds?.detected, task, derived.detectedTask]);
  if (key === columnsKey) return;
  columnsKey = key;
  clear(sections.columns);
  sections.columns.append(heading('h-columns', 'Task and columns'));
  if (!state.data) {
    sections.columns.append(h('p', { class: 'muted' }, 'Choose a dataset to see its task and columns.'));
    return;
  }
  const s = state;
  // The task is preset from the file's shape ("As detected"); choosing one reads the file as that task.
  const detectedText = derived.detectedTask ? `As detected: ${taskLabel(derived.detectedTask)}` : 'As detected';
  sections.columns.append(row('runTask', 'Task', dropdown('f-runTask', [
    { value: '', label: detectedText, title: derived.taskReason ?? '' },
    ...RUN_TASKS_SHOWN.map((t) => ({ value: t.value, label: t.label })),
  ], s.runTask ?? '', (v) => change((st) => {
    st.runTask = v as RunTaskChoice;
    // Column choices are the sequence classifier's; another task starts from what is detected.
    st.columns = { text: '', textPair: '', label: '' };
    st.task = 'auto';
  }), { 'aria-labelledby': 'label-runTask' }), derived.taskReason));
  const note = LOADER_NOTE[task];
  if (note) {
    sections.columns.append(h('p', { class: 'muted', id: 'loader-note' }, note));
    return;
  }
  if (!ds?.detected) {
    sections.columns.append(h('p', { class: 'muted' }, 'Reading the file…'));
    return;
  }
  const detected = ds.detected;
  const cols = (found: string | undefined, none?: string) => [
    { value: '', label: found ? `Detected: ${found}` : 'Detected: none' },
    ...ds.columns.map((c) => ({ value: c, label: c })),
    ...(none ? [{ value: none, label: none === NO_LABEL ? '(none: unlabeled text for masked LM)' : none }] : []),
  ];
  sections.columns.append(
    h('div', { class: 'grid' },
      row('col-text', 'Text column', dropdown('f-col-text', cols(detected.text), s.columns.text, (v) => change((st) => (st.columns.text = v)), { 'aria-labelledby': 'label-col-text' })),
      row('col-textPair', 'Second text (pairs)', dropdown('f-col-textPair', cols(detected.textPair), s.columns.textPair, (v) => change((st) => (st.columns.textPair = v)), { 'aria-labelledby': 'label-col-textPair' })),
      row('col-label', 'Label column', dropdown('f-col-label', cols(detected.label, NO_LABEL), s.columns.label, (v) => change((st) => (st.columns.label = v)), { 'aria-labelledby': 'label-col-label' })),
      row('task', 'Label type', dropdown('f-task', TASKS.map((t) => ({ value: t.value, label: t.value === 'auto' ? `As detected (${detected.labelKind ?? 'unlabeled'})` : t.label })), s.task, (v) => change((st) => (st.task = v as TaskChoice)), { 'aria-labelledby': 'label-task' })),
      row('labelDelimiter', 'Label delimiter (multi-label)', textField('f-labelDelimiter', 'Label delimiter', s.labelDelimiter, ';', (v) => change((st) => (st.labelDelimiter = v)))),
    ),
    h('div', { id: 'err-columns', class: 'field-error', role: 'alert' }),
  );
  errorEls.set('columns', sections.columns.querySelector('#err-columns')!);
}

function renderFields(): void {
  if (!state || !derived) return;
  // The hint too: the learning rate's says why its default differs under LoRA.
  const key = JSON.stringify(derived.fields.map((f) => [f.key, f.defaultText, f.hint]));
  if (key === fieldsKey) return;
  fieldsKey = key;
  clear(sections.hyper);
  const s = state;
  const grid = h('div', { class: 'grid' });
  for (const f of derived.fields) grid.append(fieldRow(f, s));
  sections.hyper.append(heading('h-hyper', 'Hyperparameters'), h('p', { class: 'muted' }, 'Empty fields take the tutorial\'s default (shown greyed).'), grid);
}

function fieldRow(f: FieldSpec, s: FormState): HTMLElement {
  const set = (v: string) => change((st) => (st.values[f.key] = v));
  if (f.kind === 'checkbox') {
    // The box carries its own label; ticked is the setting's value, unticked leaves it unset (the default).
    return row(f.key, '', checkbox(f.label, (s.values[f.key] ?? '') === f.checkedValue, (on) => set(on ? f.checkedValue ?? 'true' : ''), { id: `f-${f.key}`, 'aria-describedby': `err-${f.key}` }), f.hint);
  }
  if ((f.kind === 'choice' || f.kind === 'boolean') && f.choices) {
    return row(f.key, f.label, dropdown(`f-${f.key}`, [{ value: '', label: `${f.defaultText} (default)` }, ...f.choices.filter((c) => c !== f.defaultText).map((c) => ({ value: c, label: c }))], s.values[f.key] ?? '', set, { 'aria-labelledby': `label-${f.key}` }), f.hint);
  }
  return row(f.key, f.label, textField(`f-${f.key}`, f.label, s.values[f.key] ?? '', f.defaultText, set), f.hint);
}

function renderPicture(p: LayerPicture | undefined): void {
  clear(picture);
  if (!p) {
    picture.append(h('p', { class: 'muted' }, 'Choose a model to see its layers.'));
    return;
  }
  const showLr = p.phases.some((ph) => ph.lr.some((v) => v !== null && v !== p.phases[0].lr.find((x) => x !== null)));
  // Under LoRA, a column of the adapters each group gets (modules and r · (in + out) parameters).
  const lora = p.phases.some((ph) => ph.trains);
  const table = h('table', { class: 'layers', 'aria-label': 'Which layers train' });
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Group'), h('th', { scope: 'col', class: 'num' }, 'Parameters'),
    ...(lora ? [h('th', { scope: 'col' }, 'LoRA adapters')] : []), ...p.phases.map((ph) => h('th', { scope: 'col' }, ph.label)));
  table.append(h('thead', {}, head));
  const body = h('tbody', {});
  p.groups.forEach((g, i) => {
    const adapters = g.adapters ? `${g.adapters.modules.join(', ')} · +${g.adapters.params.toLocaleString('en-US')}` : '—';
    body.append(h('tr', {}, h('th', { scope: 'row' }, g.label), h('td', { class: 'num' }, g.params.toLocaleString('en-US')),
      ...(lora ? [h('td', { class: 'adapter-list', 'data-adapters': g.label }, adapters)] : []),
      ...p.phases.map((ph) => {
        const lr = ph.lr[i];
        const what = ph.trains?.[i] === 'adapters' ? 'adapters' : 'trains';
        return h('td', { class: lr === null ? 'frozen' : what, 'data-group': g.label }, lr === null ? 'frozen' : showLr ? `${what === 'adapters' ? 'adapters ' : ''}lr ${formatNumber(lr, 3)}` : what);
      })));
  });
  table.append(body);
  picture.append(table);
}

function renderEstimate(): void {
  clear(estimateLinesEl);
  const est = derived?.estimate;
  if (!est) {
    estimateLinesEl.append(h('li', { class: 'muted' }, 'Choose a model and a dataset to see the estimate.'));
  } else {
    for (const line of est.lines) estimateLinesEl.append(h('li', {}, line));
    if (est.phases.length > 1) estimateLinesEl.append(h('li', {}, phasesTable(est.phases)));
  }
  const probe = derived?.probe ?? 'none';
  clear(probeStatus);
  if (probe === 'running') probeStatus.append(progressRing(), ' Measuring a few training steps…');
  else if (probe === 'stale') probeStatus.textContent = 'The last measurement was for another configuration: measure again.';
  else if (probe !== 'none') probeStatus.textContent = probeText(probe);
  setDisabled(probeButton, probe === 'running' || !derived?.canStart);
}

function probeText(p: ProbeOutcome): string {
  return p.ok ? `Measured on ${p.device}.` : `Measurement failed: ${p.reason}`;
}

function phasesTable(phases: PhaseEstimate[]): HTMLElement {
  const t = h('table', { class: 'phases', id: 'estimate-phases', 'aria-label': 'Estimate per phase' });
  t.append(h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Phase'), h('th', { scope: 'col', class: 'num' }, 'Epochs'), h('th', { scope: 'col', class: 'num' }, 'Trainable'), h('th', { scope: 'col', class: 'num' }, 'Time'))));
  const body = h('tbody', {});
  for (const p of phases) {
    body.append(h('tr', {}, h('td', {}, p.label), h('td', { class: 'num' }, p.epochs ? formatNumber(p.epochs, 2) : '—'), h('td', { class: 'num' }, p.trainable.toLocaleString('en-US')),
      h('td', { class: 'num', title: p.note ?? '' }, p.seconds === undefined ? 'not measured' : `${p.seconds < 90 ? p.seconds.toFixed(1) + ' s' : Math.round(p.seconds / 60) + ' min'}`)));
  }
  t.append(body);
  return t;
}

function applyDerived(): void {
  if (!state || !derived) return;
  renderColumns();
  renderStrategy();
  renderFields();
  strategyDescription.textContent = STRATEGIES[state.strategy]?.description ?? '';
  for (const [key, el] of errorEls) {
    const problem = derived.problems[key];
    el.textContent = problem ?? '';
    const control = controls.get(key);
    if (control) setInvalid(control, problem ? el.id : undefined);
  }
  clear(datasetSummary);
  for (const f of derived.dataset?.facts ?? []) {
    if (f.label === 'Problem') continue;
    datasetSummary.append(h('dt', {}, f.label), h('dd', {}, f.value));
  }
  clear(datasetProblems);
  for (const p of [...(derived.dataset?.blockers ?? []), ...(derived.dataset?.problems ?? [])]) datasetProblems.append(h('li', {}, p));
  datasetProblems.hidden = datasetProblems.childElementCount === 0;
  renderPicture(derived.picture);
  renderEstimate();
  setDisabled(startButton, !derived.canStart);
  setDisabled(saveButton, !derived.canStart);
  app.setAttribute('data-revision', String(derived.revision));
}

window.addEventListener('message', (e: MessageEvent<ToForm>) => {
  const m = e.data;
  if (m.type === 'init') {
    // The host's state wins: it holds the preset of a context menu and what was kept when the panel closed.
    state = m.state;
    revision = Math.max(revision, m.revision);
    models = m.models;
    datasets = m.datasets;
    host.setState({ state });
    if (!app.querySelector('#sec-model')) {
      clear(app);
      app.append(h('h1', {}, 'New fine-tune'), ...Object.values(sections));
    }
    renderStatic();
  } else if (m.type === 'derived') {
    if (m.derived.revision < revision) return; // an answer to a state the user has already changed
    derived = m.derived;
    applyDerived();
  } else if (m.type === 'notice') {
    notice.hidden = false;
    notice.className = `notice ${m.level}`;
    notice.textContent = m.text;
  }
});

host.post({ type: 'ready' });
