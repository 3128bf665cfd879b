// The comparison panel: one table over several runs (what the tutorial's model-comparison table lists, measured on
// the user's data) with overlaid loss curves, exportable as CSV or Markdown. Running runs keep updating.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SortSpec, sortRows } from './comparisonColumns';
import { ComparisonSource } from './comparisonData';
import { toCsv, toMarkdown } from './comparisonTable';
import type { FromComparison } from './messages';
import { setPanelPage, webviewOptions } from './panelPage';
import { Disposable, watchRunFolder } from './runFolderWatch';
import { Throttle } from './throttle';

/** How often rows shown as running or paused are checked for an owner that went away. */
const OWNER_CHECK_MS = 5000;

export class ComparisonPanel {
  static readonly viewType = 'finetuneStudio.comparison';
  private static current: ComparisonPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private watchers: Disposable[] = [];
  private readonly throttle = new Throttle(() => this.postData(), 1000);
  private readonly source: ComparisonSource;
  private ready = false;
  private disposed = false;

  static createOrShow(context: vscode.ExtensionContext, runDirs: string[]): ComparisonPanel {
    const dirs = [...new Set(runDirs.map((d) => path.resolve(d)))];
    if (ComparisonPanel.current) {
      ComparisonPanel.current.setRuns(dirs);
      ComparisonPanel.current.panel.reveal();
      return ComparisonPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(ComparisonPanel.viewType, 'Compare runs', vscode.ViewColumn.Active, webviewOptions(context.extensionUri));
    return new ComparisonPanel(panel, context.extensionUri, dirs);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, runDirs: string[]): ComparisonPanel {
    ComparisonPanel.current?.dispose();
    return new ComparisonPanel(panel, extensionUri, runDirs.map((d) => path.resolve(d)));
  }

  static get currentPanel(): ComparisonPanel | undefined {
    return ComparisonPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    runDirs: string[],
  ) {
    ComparisonPanel.current = this;
    this.source = new ComparisonSource(runDirs);
    setPanelPage(panel.webview, extensionUri, 'comparison', 'Compare runs');
    panel.onDidDispose(() => this.dispose(), null, this.disposables);
    panel.webview.onDidReceiveMessage((m: FromComparison) => this.onMessage(m), null, this.disposables);
    // A trainer that dies changes no file: its row would say "running" until something else changed.
    const ownerCheck = setInterval(() => this.source.statesChanged() && this.throttle.request(), OWNER_CHECK_MS);
    this.disposables.push({ dispose: () => clearInterval(ownerCheck) });
    this.setRuns(runDirs);
  }

  setRuns(dirs: string[]): void {
    this.source.setRuns(dirs);
    for (const w of this.watchers) w.dispose();
    // Completed runs do not change; polling them slowly costs one stat per run and keeps running ones live.
    this.watchers = dirs.map((d) => watchRunFolder(d, () => this.throttle.request(), 2000));
    this.postData();
  }

  private postData(): void {
    const data = this.source.read();
    if (this.ready) void this.panel.webview.postMessage(data);
  }

  private onMessage(m: FromComparison): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.postData();
        break;
      case 'refresh':
        this.postData();
        break;
      case 'openDashboard':
        void vscode.commands.executeCommand('finetuneStudio.openDashboard', m.runDir);
        break;
      case 'export':
        void this.export(m.format, m.runIds, m.sort);
        break;
    }
  }

  private async export(format: 'csv' | 'markdown', runIds: string[], sort?: SortSpec): Promise<void> {
    const data = this.source.read();
    let rows = runIds.length ? data.rows.filter((r) => runIds.includes(r.runId)) : data.rows;
    if (sort) rows = sortRows(rows, sort);
    const text = format === 'csv' ? toCsv(rows) : toMarkdown(rows);
    const ext = format === 'csv' ? 'csv' : 'md';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(path.dirname(this.source.runDirs[0] ?? '.')));
    const target = await vscode.window.showSaveDialog({
      title: `Export comparison of ${rows.length} runs`,
      defaultUri: vscode.Uri.joinPath(folder, `run-comparison.${ext}`),
      filters: format === 'csv' ? { CSV: ['csv'] } : { Markdown: ['md'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    const open = await vscode.window.showInformationMessage(`Exported ${rows.length} runs to ${target.fsPath}`, 'Open');
    if (open) await vscode.window.showTextDocument(target);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ComparisonPanel.current === this) ComparisonPanel.current = undefined;
    this.panel.dispose();
    this.throttle.dispose();
    for (const w of this.watchers) w.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
