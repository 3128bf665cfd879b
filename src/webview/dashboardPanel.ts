// One dashboard panel per run. It follows the run folder itself (run.json + metrics.jsonl), so it shows the same thing
// for a run of this window, of a CLI, or after a window reload; worker messages forwarded by the extension only add
// the live progress between metrics writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FromWorker } from '../training/protocol';
import { readLease } from '../training/runLease';
import { describeRunState, runStateOf, type RunStateInfo } from '../training/runStatus';
import { metricsPath, readRun, runJsonPath, type RunRecord } from '../training/runStore';
import type { DashboardCommand, FromDashboard, ToDashboard } from './messages';
import { MetricsTail } from './metricsTail';
import { setPanelPage, webviewOptions } from './panelPage';
import { watchRunFolder } from './runFolderWatch';
import { RunMetrics } from './runMetrics';
import { Throttle } from './throttle';

const COMMANDS: readonly DashboardCommand[] = ['pauseRun', 'continueRun', 'cancelRun', 'resumeRun', 'exportRun', 'pushToHub', 'exportRunReport', 'openRunFolder'];

/**
 * How often the panel checks that a run's owner is still there. A trainer that dies (window reload, kill -9) changes
 * no file, so without this its dashboard would say "running" with a frozen ETA for good.
 */
const OWNER_CHECK_MS = 2000;

/** What of a state the page shows: a new heartbeat of the same owner is no change. */
const stateKey = (s: RunStateInfo) => JSON.stringify({ ...s, owner: s.owner && { pid: s.owner.pid, host: s.owner.host, startedAt: s.owner.startedAt } });

export class DashboardPanel {
  static readonly viewType = 'finetuneStudio.dashboard';
  private static readonly panels = new Map<string, DashboardPanel>();
  /** Runs of this window whose worker is paused now (nothing on disk says so), for a dashboard opened meanwhile. */
  private static readonly paused = new Map<string, FromWorker>();

  private readonly disposables: vscode.Disposable[] = [];
  private metrics = new RunMetrics();
  private readonly tail: MetricsTail;
  private readonly metricsThrottle: Throttle;
  private readonly liveThrottle: Throttle;
  private latestProgress: FromWorker | undefined;
  private runStamp = '';
  private record: RunRecord | undefined;
  private shownState = '';
  private runReadFailures = 0;
  private ready = false;

  /** Shows the run's dashboard, creating it if needed. */
  static createOrShow(context: vscode.ExtensionContext, runDir: string): DashboardPanel {
    const dir = path.resolve(runDir);
    const existing = DashboardPanel.panels.get(dir);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DashboardPanel.viewType, titleFor(dir), vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
    return new DashboardPanel(panel, context.extensionUri, dir);
  }

  /** Called by the serializer after a window reload. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, runDir: string): DashboardPanel {
    return new DashboardPanel(panel, extensionUri, path.resolve(runDir));
  }

  /** The extension forwards its worker's messages here; a run without an open dashboard ignores them. */
  static forward(runDir: string, message: FromWorker): void {
    const dir = path.resolve(runDir);
    if (message.type === 'paused' && message.paused) DashboardPanel.paused.set(dir, message);
    else if (message.type === 'paused' || message.type === 'done' || message.type === 'error') DashboardPanel.paused.delete(dir);
    DashboardPanel.panels.get(dir)?.onWorkerMessage(message);
  }

  static get(runDir: string): DashboardPanel | undefined {
    return DashboardPanel.panels.get(path.resolve(runDir));
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    readonly runDir: string,
  ) {
    DashboardPanel.panels.set(runDir, this);
    this.tail = new MetricsTail(metricsPath(runDir));
    this.metricsThrottle = new Throttle(() => this.post({ type: 'metrics', metrics: this.snapshot() }));
    this.liveThrottle = new Throttle(() => this.latestProgress && this.post({ type: 'live', message: this.latestProgress }));
    panel.title = titleFor(runDir);
    setPanelPage(panel.webview, extensionUri, 'dashboard', panel.title);
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m: FromDashboard) => this.onMessage(m), null, this.disposables);
    const ownerCheck = setInterval(() => this.postRunIfChanged(), OWNER_CHECK_MS);
    this.disposables.push(watchRunFolder(runDir, () => this.refresh()), this.metricsThrottle, this.liveThrottle, { dispose: () => clearInterval(ownerCheck) });
    this.refresh();
  }

  private onMessage(m: FromDashboard): void {
    if (m.type === 'ready') {
      // A (re)loaded webview starts empty: send it everything.
      this.ready = true;
      this.runStamp = '';
      this.shownState = '';
      this.refresh();
      this.post({ type: 'metrics', metrics: this.snapshot() });
      const paused = DashboardPanel.paused.get(this.runDir);
      if (paused) this.post({ type: 'live', message: paused });
    } else if (m.type === 'command' && COMMANDS.includes(m.command)) {
      const id = `finetuneStudio.${m.command}`;
      vscode.commands.executeCommand(id, this.runDir).then(undefined, (e: Error) => {
        void vscode.window.showErrorMessage(`${id} failed for ${this.runDir}: ${e.message}`);
      });
    }
  }

  private onWorkerMessage(message: FromWorker): void {
    if (message.type === 'progress') {
      this.latestProgress = message;
      this.liveThrottle.request();
      return;
    }
    this.post({ type: 'live', message });
    this.refresh();
  }

  /** Reads what changed in the run folder and schedules an update of the webview. */
  refresh(): void {
    const update = this.tail.read();
    if (update.reset) this.metrics = new RunMetrics();
    this.metrics.add(update.entries);
    this.metrics.addProblems(update.problems);
    if (update.reset || update.entries.length || update.problems.length) this.metricsThrottle.request();
    this.postRunIfChanged();
  }

  private postRunIfChanged(): void {
    let stamp: string;
    try {
      const st = fs.statSync(runJsonPath(this.runDir));
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      stamp = 'missing';
    }
    if (!this.ready) return;
    if (stamp === this.runStamp) {
      // run.json is unchanged, but its owner may have gone (or its lease gone stale) since.
      if (this.record) this.postState(this.record);
      return;
    }
    this.runStamp = stamp;
    if (stamp === 'missing') {
      this.record = undefined;
      this.post({ type: 'run', runDir: this.runDir, error: `${runJsonPath(this.runDir)} does not exist (yet): waiting for the run to start.` });
      return;
    }
    try {
      const run = readRun(this.runDir);
      this.runReadFailures = 0;
      // The metrics are shaped for the task run.json names: reshape them when it is first read (or changes).
      const taskChanged = this.record?.dataset?.task !== run.dataset?.task;
      this.record = run;
      if (taskChanged) this.metricsThrottle.request();
      this.panel.title = titleFor(this.runDir, run.config?.model, run.config?.strategy, run.createdAt);
      const state = runStateOf(run, readLease(this.runDir));
      this.shownState = stateKey(state);
      this.post({ type: 'run', runDir: this.runDir, run, state, stateText: describeRunState(state) });
    } catch (e) {
      // A writer that does not rename atomically can be caught mid-write: retry on the next change or poll, and
      // only report a record that stays unreadable.
      this.runStamp = '';
      if (++this.runReadFailures >= 3) this.post({ type: 'run', runDir: this.runDir, error: (e as Error).message });
    }
  }

  private postState(run: RunRecord): void {
    const state = runStateOf(run, readLease(this.runDir));
    const key = stateKey(state);
    if (key === this.shownState) return;
    this.shownState = key;
    this.post({ type: 'run', runDir: this.runDir, run, state, stateText: describeRunState(state) });
  }

  /** The metrics shaped for the run's task; before run.json is read (or in a run older than tasks) read off the metrics. */
  private snapshot() {
    return this.metrics.snapshot(undefined, this.record?.dataset?.task);
  }

  private post(message: ToDashboard): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    DashboardPanel.panels.delete(this.runDir);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

/** Two runs of the same model and strategy are told apart by their start time (UTC, as in the run id). */
function titleFor(runDir: string, model?: string, strategy?: string, createdAt?: string): string {
  if (!model) return `Run: ${path.basename(runDir)}`;
  const started = createdAt && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(createdAt) ? ` · ${createdAt.slice(5, 10)} ${createdAt.slice(11, 16)}` : '';
  return `Run: ${path.basename(model)} · ${strategy ?? '?'}${started}`;
}
