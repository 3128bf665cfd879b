// Dashboard webview client: draws what the host sends (run record, shaped metrics, live worker progress) and sends
// back only button presses. State kept by VS Code: the run folder, so the serializer can reopen it after a reload.
import type { FromWorker } from '../../training/protocol';
import type { RunState, RunStateInfo } from '../../training/runStatus';
import type { RunRecord } from '../../training/runStore';
import { formatBytes, formatSeconds } from '../comparisonColumns';
import type { DashboardCommand, DashboardMetrics, DashboardState, FromDashboard, ToDashboard } from '../messages';
import { classFlag, classFlagText, perClassNotice } from '../perClassFlags';
import { clear, formatNumber, h } from './dom';
import { confusionHeatmap } from './heatmap';
import { LineChart } from './lineChart';
import { completedSteps, notePause, remainingSeconds, type EtaReport, type PauseSpan } from '../runProgress';
import { renderTestSection } from './testSection';
import { confusionAxis, headlineMetric, perClassLayout, perClassTitle, qaHeadline, runTaskOf } from '../taskView';
import { badge, button, dataGrid, dropdown, progressRing, registerToolkit, setDisabled, tag } from './toolkit';
import { channel } from './vscodeApi';

registerToolkit();
const host = channel<FromDashboard, DashboardState>();

const charts = {
  loss: new LineChart({ id: 'chart-loss', title: 'Loss', xLabel: 'step', points: [false, true] }),
  lr: new LineChart({ id: 'chart-lr', title: 'Learning rate', xLabel: 'step' }),
  throughput: new LineChart({ id: 'chart-throughput', title: 'Throughput (samples/s)', xLabel: 'step' }),
  evalChart: new LineChart({ id: 'chart-eval', title: 'Eval metrics per epoch', xLabel: 'epoch', points: [true, true, true, true], yRange: [0, 1] }),
};

const command = (c: DashboardCommand) => () => host.post({ type: 'command', command: c });
const buttons = {
  // One button: Pause while training, Continue while paused (the worker holds between steps, nothing is lost).
  pause: button('Pause', () => host.post({ type: 'command', command: status() === 'paused' ? 'continueRun' : 'pauseRun' }), { id: 'btn-pause', secondary: true, title: 'Hold the run between steps; Continue goes on from the same step' }),
  cancel: button('Cancel', command('cancelRun'), { id: 'btn-cancel', secondary: true, title: 'Stop the run after the current step (a checkpoint is kept)' }),
  resume: button('Resume', command('resumeRun'), { id: 'btn-resume', secondary: true, title: 'Continue from the last checkpoint' }),
  export: button('Export model', command('exportRun'), { id: 'btn-export', title: 'Export the best model as a Hugging Face folder + ONNX' }),
  push: button('Push to Hub', command('pushToHub'), { id: 'btn-push', secondary: true, title: 'Upload the model (or a LoRA adapter) to a Hugging Face Hub repo, private by default' }),
  folder: button('Open run folder', command('openRunFolder'), { id: 'btn-folder', secondary: true }),
  // Any state: a report of an unfinished run says so at its top, which is what an issue about it needs.
  report: button('Export report…', command('exportRunReport'), { id: 'btn-report', secondary: true, title: 'Write report.md with PNG charts and a self-contained report.html into the run folder\'s report/' }),
};

const title = h('h1', { id: 'run-title' }, 'Run');
const statusTag = tag('…', 'run-status');
const ring = progressRing();
const progressText = h('span', { id: 'progress-text', class: 'muted' });
const facts = h('div', { id: 'facts', class: 'facts' });
const problems = h('div', { id: 'problems', class: 'problems', hidden: true });
const runError = h('div', { id: 'run-error', class: 'problems', hidden: true });
/** What the run is doing or how it ended, in words, with the action that fits (Resume for a run to pick up again). */
const banner = h('div', { id: 'run-banner', class: 'run-banner', role: 'status', hidden: true });
const evalSection = h('div', { id: 'eval-table' });
const testSection = h('div', { id: 'test-results' });
const perClassSection = h('div', { id: 'per-class' });
const confusionSection = h('div', { id: 'confusion-host' });
const configSection = h('div', { id: 'config' });
/** The per-class and confusion cards; hidden for question answering, whose note takes their place. */
const classCards = h('div', { class: 'two-col', id: 'class-cards' },
  h('section', { class: 'card' }, h('h2', { id: 'per-class-title' }, 'Per class'), perClassSection),
  h('section', { class: 'card' }, h('h2', {}, 'Confusion matrix'), confusionSection));
const noClassNote = h('p', { id: 'no-per-class', class: 'muted', hidden: true });
const logSection = h('ul', { id: 'run-log', class: 'run-log' });
const scale = dropdown(
  'loss-scale',
  [
    { value: 'linear', label: 'Loss axis: linear' },
    { value: 'log', label: 'Loss axis: log' },
  ],
  'linear',
  (v) => charts.loss.setLogScale(v === 'log'),
);

const app = document.getElementById('app') as HTMLElement;
clear(app);
app.append(
  h('header', { class: 'run-header' }, h('div', { class: 'title-row' }, title, statusTag, ring), progressText, facts),
  h('div', { class: 'toolbar' }, buttons.pause, buttons.cancel, buttons.resume, buttons.export, buttons.push, buttons.report, buttons.folder, h('span', { class: 'spacer' }), scale),
  banner,
  runError,
  problems,
  h('div', { class: 'charts' }, charts.loss.element, charts.lr.element, charts.throughput.element, charts.evalChart.element),
  h('section', { class: 'card' }, h('h2', {}, 'Evaluation per epoch'), evalSection),
  h('section', { class: 'card' }, h('h2', {}, 'Test (evaluated once at the end)'), testSection),
  classCards,
  noClassNote,
  h('section', { class: 'card' }, h('h2', {}, 'Trainer log'), logSection),
  h('section', { class: 'card' }, h('h2', {}, 'Run configuration'), configSection),
);

let run: RunRecord | undefined;
/** The run's true state as the host judged it (run.json + whether its trainer is still there). */
let runState: RunStateInfo | undefined;
let runStateText = '';
let metrics: DashboardMetrics | undefined;
let live: Extract<FromWorker, { type: 'progress' }> | undefined;
let liveStatus: RunState | undefined;
/** The step a paused worker holds at, from its live messages (they arrive before run.json's paused mark). */
let pausedAt: number | undefined;
/** Whether the last live message said paused; undefined once run.json has caught up. */
let livePaused: boolean | undefined;
/** The completed-step count of the worker's last pause message (holding or going on): newer than the last log line. */
let pauseStep: number | undefined;
/** The newest ETA the trainer reported (live or in metrics.jsonl), the step it is for, and when this page got it. */
let eta: (EtaReport & { step: number }) | undefined;
/** When the run held paused since that report, so the countdown leaves pauses out. */
let pauses: PauseSpan[] = [];

/** A live progress message is always the newest report; a metrics.jsonl line only when it is past the last one. */
function noteEta(step: number, etaSeconds: number | undefined, isLive: boolean): void {
  if (etaSeconds === undefined || !Number.isFinite(etaSeconds) || (!isLive && eta && step <= eta.step)) return;
  const receivedAt = Date.now();
  eta = { step, etaSeconds, receivedAt };
  // Pauses that ended before this report no longer matter to it.
  pauses = pauses.filter((p) => p.end === undefined || p.end > receivedAt);
}

function status(): RunState | 'unknown' {
  const s = liveStatus ?? runState?.state ?? 'unknown';
  if (livePaused === undefined || (s !== 'running' && s !== 'paused')) return s;
  return livePaused ? 'paused' : 'running';
}

const BANNER_TITLE: Record<RunState, string> = {
  running: 'Running',
  paused: 'Paused',
  interrupted: 'Interrupted',
  cancelled: 'Cancelled',
  failed: 'Failed',
  completed: 'Completed',
};

function renderBanner(s: RunState | 'unknown'): void {
  // A live end (done / error) is shown before run.json is rewritten; the host's words come with that rewrite.
  const text = s === runState?.state ? runStateText : '';
  banner.hidden = s === 'unknown';
  banner.className = `run-banner state-${s}`;
  banner.dataset.state = s;
  if (s === 'unknown') return;
  // The host's words start with the state ("interrupted at step 90/180 (…)"): its first word becomes the title.
  const [first, rest] = text ? [text.split(/[ (]/, 1)[0], text.slice(text.split(/[ (]/, 1)[0].length)] : [BANNER_TITLE[s], ''];
  const parts: (string | HTMLElement)[] = [h('strong', {}, first.charAt(0).toUpperCase() + first.slice(1)), rest];
  if (s === 'interrupted') parts.push(h('div', { class: 'muted' }, 'Its trainer stopped without ending the run (a window reload, a crash or a kill).'));
  banner.replaceChildren(...parts);
}

function renderHeader(): void {
  const s = status();
  statusTag.textContent = s;
  statusTag.className = `tag status-${s}`;
  renderBanner(s);
  ring.hidden = s !== 'running';
  setDisabled(buttons.cancel, s !== 'running' && s !== 'paused');
  setDisabled(buttons.pause, s !== 'running' && s !== 'paused');
  buttons.pause.textContent = s === 'paused' ? 'Continue' : 'Pause';
  setDisabled(buttons.resume, !(s === 'interrupted' || s === 'cancelled' || s === 'failed'));
  setDisabled(buttons.export, s !== 'completed');
  setDisabled(buttons.push, s !== 'completed');
  const total = live?.totalSteps ?? metrics?.lastTrain?.totalSteps ?? run?.totalSteps ?? 0;
  // One completed-step count for the whole line (runProgress.ts): a paused run says the same step twice, not the last
  // logged one and the one it paused at.
  const step = completedSteps(live?.step, metrics?.lastTrain?.step, run?.step, pauseStep, s === 'paused' ? (pausedAt ?? runState?.pausedAt) : undefined);
  const parts = [total ? `step ${step} / ${total} (${((100 * step) / total).toFixed(0)}%)` : `step ${step}`];
  if (metrics?.lastTrain) parts.push(`epoch ${formatNumber(metrics.lastTrain.epoch, 2)}`, `loss ${formatNumber(metrics.lastTrain.loss)}`);
  // The trainer's ETA counted down since it arrived, paused time left out; none for a run nobody trains.
  const left = eta && (s === 'running' || s === 'paused') ? remainingSeconds(eta, pauses, Date.now()) : undefined;
  if (left !== undefined) parts.push(s === 'paused' ? `ETA ${formatSeconds(left)} once continued` : `ETA ${formatSeconds(left)}`);
  if (s === 'paused') parts.push(`paused at step ${step}`);
  if (run) parts.push(`device ${run.device.executionProvider}`);
  progressText.textContent = parts.join(' · ');
}

function renderFacts(): void {
  clear(facts);
  const add = (label: string, value: string) => facts.append(h('span', { class: 'fact' }, h('span', { class: 'muted' }, `${label} `), value));
  if (run?.bestMetric) add(`best ${run.bestMetric.name}`, formatNumber(run.bestMetric.value));
  const task = runTaskOf(run);
  // SQuAD's figures by their official names, from the latest evaluation (the eval table has every step's).
  if (task === 'question-answering') for (const f of qaHeadline(metrics?.evals.at(-1)?.metrics)) add(`validation ${f.label}`, f.value);
  const testName = run?.bestMetric?.name && metrics?.test?.metrics[run.bestMetric.name] !== undefined ? run.bestMetric.name : headlineMetric(task);
  if (metrics?.test?.metrics[testName] !== undefined) add(`test ${testName} (once, not selected on)`, formatNumber(metrics.test.metrics[testName]));
  const s = metrics?.summary;
  if (s?.trainSeconds !== undefined) add('training time', formatSeconds(s.trainSeconds));
  if (s?.samplesPerSecond !== undefined) add('samples/s', s.samplesPerSecond.toFixed(1));
  if (s?.inferenceMsPerExample !== undefined) add('inference', `${s.inferenceMsPerExample.toFixed(2)} ms/example`);
  if (s?.modelBytes !== undefined) add(s.adapterBytes !== undefined ? 'merged model size' : 'model size', formatBytes(s.modelBytes));
  if (s?.adapterBytes !== undefined) add('LoRA adapter size', formatBytes(s.adapterBytes));
  if (s?.diskBytes !== undefined) add('run folder on disk', formatBytes(s.diskBytes));
  if (s?.trainableParams !== undefined) add('trainable params', `${s.trainableParams.toLocaleString('en-US')} / ${s.totalParams?.toLocaleString('en-US') ?? '?'}`);
}

function flatten(value: unknown, prefix: string, out: [string, string][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix, Array.isArray(value) ? value.map(String).join(', ') : String(value)]);
  }
}

function renderRun(): void {
  if (!run) return;
  title.textContent = `${run.model.hubId ?? run.config.model.split(/[\\/]/).filter(Boolean).at(-1) ?? run.id} · ${run.config.strategy}`;
  title.setAttribute('title', run.id);
  const rows: [string, string][] = [];
  flatten({ run: run.id, created: run.createdAt, config: run.config, model: run.model, dataset: run.dataset, device: run.device, versions: run.versions }, '', rows);
  clear(configSection);
  configSection.append(
    dataGrid<[string, string]>('config-grid', [{ title: 'Setting', cell: (r) => r[0] }, { title: 'Value', cell: (r) => r[1] }], rows, { template: 'minmax(12em, 1fr) 3fr', label: 'Run configuration' }),
  );
}

function renderMetrics(): void {
  if (!metrics) return;
  charts.loss.update(metrics.loss);
  // Layer-wise decay and gradual unfreezing runs log each layer group's LR (one curve per group, legend below).
  charts.lr.setTitle(metrics.lr.series.length > 1 ? 'Learning rate per layer group' : 'Learning rate');
  charts.lr.update(metrics.lr);
  charts.throughput.update(metrics.throughput);
  charts.evalChart.setYRange(metrics.evalChart.yRange);
  charts.evalChart.update(metrics.evalChart);

  problems.hidden = metrics.problems.length === 0;
  clear(problems);
  if (metrics.problems.length) problems.append(h('strong', {}, 'Some metrics lines could not be read:'), h('ul', {}, ...metrics.problems.map((p) => h('li', {}, p))));

  clear(logSection);
  if (!metrics.logs.length) logSection.append(h('li', { class: 'muted' }, 'No messages from the trainer.'));
  for (const l of metrics.logs) logSection.append(h('li', { class: `log-${l.level}` }, h('span', { class: 'log-level' }, l.level), ' ', l.message));

  const names = [...new Set(metrics.evals.flatMap((e) => Object.keys(e.metrics)))];
  clear(evalSection);
  evalSection.append(
    metrics.evals.length
      ? dataGrid(
          'eval-grid',
          [
            { title: 'Epoch', cell: (e) => formatNumber(e.epoch, 2), numeric: true },
            { title: 'Step', cell: (e) => String(e.step), numeric: true },
            ...names.map((n) => ({ title: n, cell: (e: DashboardMetrics['evals'][number]) => formatNumber(e.metrics[n]), numeric: true })),
          ],
          [...metrics.evals].reverse(),
          { label: 'Evaluation per epoch' },
        )
      : h('p', { class: 'muted' }, 'No evaluation yet.'),
  );

  const layout = perClassLayout(run ? runTaskOf(run) : metrics.task ?? 'classification');
  renderTestSection(testSection, metrics.test, run?.dataset.splits, layout.kind === 'table' ? layout.labelTitle : undefined);

  const latest = metrics.latestEval;
  clear(perClassSection);
  clear(confusionSection);
  classCards.hidden = layout.kind === 'none';
  noClassNote.hidden = layout.kind !== 'none';
  if (layout.kind === 'none') {
    noClassNote.textContent = layout.reason;
    return;
  }
  const titleEl = document.getElementById('per-class-title');
  if (!latest) {
    titleEl?.replaceChildren(layout.title);
    perClassSection.append(h('p', { class: 'muted' }, layout.waiting));
    return;
  }
  titleEl?.replaceChildren(perClassTitle(layout, { epoch: formatNumber(latest.epoch, 2), step: latest.step }));
  // Classes the model never finds are flagged: the aggregate metrics of an imbalanced set hide them.
  const notice = perClassNotice(latest.perClass, run?.classWeights !== undefined);
  if (notice) perClassSection.append(h('p', { id: 'per-class-notice', class: 'problems', role: 'status' }, notice));
  const counted = latest.perClass.some((r) => r.predicted !== undefined);
  perClassSection.append(
    dataGrid(
      'per-class-grid',
      [
        { title: layout.labelTitle, cell: (r) => r.label },
        { title: 'Precision', cell: (r) => formatNumber(r.precision), numeric: true },
        { title: 'Recall', cell: (r) => formatNumber(r.recall), numeric: true },
        { title: 'F1', cell: (r) => formatNumber(r.f1), numeric: true },
        { title: layout.supportTitle, cell: (r) => String(r.support), numeric: true },
        ...(counted ? [{ title: layout.predictedTitle, cell: (r: (typeof latest.perClass)[number]) => (r.predicted === undefined ? '' : String(r.predicted)), numeric: true }] : []),
      ],
      latest.perClass,
      {
        label: layout.gridLabel,
        rowAttrs: (r): Record<string, string> => {
          const flag = classFlag(r);
          return flag ? { 'data-flag': flag, title: classFlagText(flag, r, layout.unit) } : {};
        },
      },
    ),
  );
  // NER's matrix is over words, 'O' and the entity types (the entry names them), not over the run's IOB2 tags.
  if (latest.confusion) confusionSection.append(confusionHeatmap(confusionAxis(latest, run?.dataset.labels), latest.confusion));
}

function onLive(m: FromWorker): void {
  switch (m.type) {
    case 'progress':
      live = m;
      noteEta(m.step, m.etaSeconds, true);
      break;
    case 'paused':
      pausedAt = m.paused ? m.step : undefined;
      livePaused = m.paused;
      pauseStep = m.step;
      pauses = notePause(pauses, m.paused, Date.now());
      break;
    case 'started':
      // A (re)started worker may go on from an earlier checkpoint: what the previous one reported is not its step.
      liveStatus = 'running';
      live = undefined;
      pauseStep = undefined;
      eta = undefined;
      pauses = [];
      break;
    case 'done':
    case 'error':
      liveStatus = m.type === 'done' ? m.status : 'failed';
      pausedAt = undefined;
      livePaused = undefined;
      break;
  }
  renderHeader();
}

window.addEventListener('message', (event: MessageEvent<ToDashboard>) => {
  const m = event.data;
  switch (m.type) {
    case 'run':
      host.setState({ runDir: m.runDir });
      if (m.run) {
        run = m.run;
        runState = m.state;
        runStateText = m.stateText ?? '';
        // run.json (with its owner's lease) is the record of truth once it is rewritten after a live status.
        liveStatus = undefined;
        livePaused = undefined;
        if (runState?.state !== 'paused') pausedAt = undefined;
        // A pause known only from run.json (a window opened while the run holds): its start is unknown, so it counts
        // from the last report (or the end of the last pause seen) and the ETA stays at what the trainer said rather
        // than running down during the pause.
        const now = Date.now();
        pauses = notePause(pauses, runState?.state === 'paused', runState?.state === 'paused' ? Math.min(now, Math.max(eta?.receivedAt ?? now, pauses.at(-1)?.end ?? -Infinity)) : now);
      }
      runError.hidden = !m.error;
      runError.replaceChildren(...(m.error ? [h('strong', {}, m.error)] : []));
      renderRun();
      renderHeader();
      renderFacts();
      break;
    case 'metrics':
      // Counted where tests (and curious users in devtools) can see how often the host actually updates the page.
      document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
      metrics = m.metrics;
      if (metrics.lastTrain) noteEta(metrics.lastTrain.step, metrics.lastTrain.etaSeconds, false);
      renderMetrics();
      renderHeader();
      renderFacts();
      break;
    case 'live':
      onLive(m.message);
      break;
  }
});

// The ETA counts down between the trainer's reports (they come every loggingSteps steps).
setInterval(() => {
  if (status() === 'running') renderHeader();
}, 1000);

// Checked so a stale bundle against a newer host fails loudly rather than showing an empty page.
void badge;
host.post({ type: 'ready' });
