// Models view: Hub search results, models already in the Hugging Face cache (Python's downloads included), model
// folders in the workspace, and models exported by fine-tuning runs.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { scanHubCache, type CachedRepo, type HubModelSummary } from '../hub';
import { inspectModelFolder, ModelFolderInfo, trainability } from '../models/modelFolder';
import { modelFolderDescription } from '../models/modelFolderName';
import type { HubService } from '../services/hubService';
import { RunsFolderPoll } from './runsFolderPoll';
import { RUN_EXPORT_FILE } from './runsFolderSignature';
import { readRunSummaries, runsRoot } from './runsView';

const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.finetune/**}';

type SectionId = 'hub' | 'cache' | 'workspace' | 'runs';

export class SectionItem extends vscode.TreeItem {
  constructor(readonly section: SectionId, label: string, description?: string) {
    super(label, vscode.TreeItemCollapsibleState.Expanded);
    this.description = description;
    this.contextValue = `finetuneStudio.section.${section}`;
  }
}

/** Tree items cannot be disabled: a folder that will not train is greyed (icon), says so, and has no Fine-tune action. */
function markTrainability(item: vscode.TreeItem, info: ModelFolderInfo, icon: string): void {
  const verdict = trainability(info);
  if (verdict.ok) {
    item.iconPath = new vscode.ThemeIcon(icon);
    item.contextValue = 'finetuneStudio.model';
    return;
  }
  item.description = `${item.description ?? ''} · cannot be fine-tuned`;
  item.tooltip = `${item.tooltip ?? info.dir}\nCannot be fine-tuned: ${verdict.reason}.`;
  item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
  item.contextValue = 'finetuneStudio.untrainableModel';
}

export class ModelItem extends vscode.TreeItem {
  constructor(readonly info: ModelFolderInfo, where?: string) {
    // Named by its run for a run's export (every export folder is called "model"), by its repo for a cache snapshot.
    super(info.label, vscode.TreeItemCollapsibleState.None);
    const formats = [info.hasSafetensors && 'safetensors', info.hasOnnx && 'onnx'].filter(Boolean).join(' + ');
    this.description = `${modelFolderDescription(info)}${formats ? ` · ${formats}` : ''}${where ? ` · ${where}` : ''}`;
    this.tooltip = info.dir;
    markTrainability(this, info, 'symbol-class');
    this.resourceUri = vscode.Uri.file(info.dir);
  }
}

export class HubModelItem extends vscode.TreeItem {
  constructor(readonly model: HubModelSummary) {
    super(model.id, vscode.TreeItemCollapsibleState.None);
    const params = model.parameters ? `${formatCount(model.parameters)} params · ` : '';
    this.description = `${params}↓${formatCount(model.downloads)} · ♥${formatCount(model.likes)}${model.gated ? ' · gated' : ''}`;
    this.tooltip = new vscode.MarkdownString(
      `**${model.id}**\n\n${model.task ?? 'no task tag'} · license ${model.license ?? 'unknown'} · updated ${model.lastModified.toISOString().slice(0, 10)}`,
    );
    this.iconPath = new vscode.ThemeIcon('cloud');
    this.contextValue = 'finetuneStudio.hubModel';
    this.command = { command: 'finetuneStudio.showModelCard', title: 'Model card', arguments: [this] };
  }
}

export class CachedModelItem extends vscode.TreeItem {
  constructor(readonly repo: CachedRepo, readonly info: ModelFolderInfo | null) {
    super(repo.repoId, vscode.TreeItemCollapsibleState.None);
    const rev = repo.revisions[0];
    this.description = `${info?.modelType ?? 'model'} · ${formatBytes(repo.sizeBytes)}${repo.incompleteBytes ? ' · partial download' : ''}`;
    this.tooltip = `${rev?.snapshotDir ?? repo.dir}\nrevisions: ${repo.revisions.map((r) => `${r.commit.slice(0, 8)} (${r.refs.join(', ') || 'no ref'})`).join(', ')}`;
    if (info) markTrainability(this, info, 'database');
    else {
      this.iconPath = new vscode.ThemeIcon('database');
      this.contextValue = 'finetuneStudio.cachedRepo';
    }
    if (rev) this.resourceUri = vscode.Uri.file(rev.snapshotDir);
  }
}

export type ModelsNode = SectionItem | ModelItem | HubModelItem | CachedModelItem | vscode.TreeItem;

export class ModelsView implements vscode.TreeDataProvider<ModelsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private hubResults: HubModelSummary[] | undefined;
  private hubQuery = '';
  /** A run that completes adds its export to "Fine-tuned" without a manual refresh. */
  private readonly exportsWatch: RunsFolderPoll;

  private readonly subscriptions: vscode.Disposable[] = [];

  /** `runs`: its changes (a run created, completed or deleted) are when an export may have come or gone. */
  constructor(
    private readonly hub: HubService,
    runs?: { onDidChangeTreeData: vscode.Event<unknown> },
  ) {
    this.exportsWatch = new RunsFolderPoll(() => (vscode.workspace.workspaceFolders ?? []).map(runsRoot), RUN_EXPORT_FILE, () => this.refresh());
    if (runs) this.subscriptions.push(runs.onDidChangeTreeData(() => this.exportsWatch.check()));
  }

  dispose(): void {
    this.exportsWatch.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  refresh(): void {
    this.changed.fire();
  }

  showHubResults(query: string, results: HubModelSummary[]): void {
    this.hubQuery = query;
    this.hubResults = results;
    this.refresh();
  }

  getTreeItem(item: ModelsNode): vscode.TreeItem {
    return item;
  }

  async getChildren(parent?: ModelsNode): Promise<ModelsNode[]> {
    if (!parent) {
      const sections: SectionItem[] = [];
      if (this.hubResults) sections.push(new SectionItem('hub', 'Hub results', `"${this.hubQuery}" · ${this.hubResults.length}`));
      sections.push(new SectionItem('cache', 'Downloaded', this.hub.offline ? 'offline' : undefined), new SectionItem('workspace', 'Workspace'), new SectionItem('runs', 'Fine-tuned'));
      return sections;
    }
    if (!(parent instanceof SectionItem)) return [];
    switch (parent.section) {
      case 'hub':
        return (this.hubResults ?? []).map((m) => new HubModelItem(m));
      case 'cache':
        return (await this.cachedModels()).map(({ repo, info }) => new CachedModelItem(repo, info));
      case 'workspace':
        return (await this.workspaceModels()).map((info) => new ModelItem(info, path.dirname(vscode.workspace.asRelativePath(info.dir))));
      case 'runs':
        return this.runModels().map((info) => new ModelItem(info));
    }
  }

  async cachedModels(): Promise<{ repo: CachedRepo; info: ModelFolderInfo | null }[]> {
    const scan = await scanHubCache(this.hub.cacheDir);
    return scan.repos.map((repo) => ({ repo, info: repo.revisions[0] ? inspectModelFolder(repo.revisions[0].snapshotDir) : null }));
  }

  /** Model folders in the workspace, without the runs' exports ("Fine-tuned" lists those, also for a runsFolder
   * setting inside the workspace but outside .finetune). */
  async workspaceModels(): Promise<ModelFolderInfo[]> {
    const configs = await vscode.workspace.findFiles('**/config.json', EXCLUDE, 500);
    const runExports = new Set(this.runModels().map((i) => i.dir));
    const infos = configs.map((uri) => inspectModelFolder(path.dirname(uri.fsPath))).filter((i): i is ModelFolderInfo => i !== null && !runExports.has(i.dir));
    return infos.sort((a, b) => a.dir.localeCompare(b.dir));
  }

  /** The exports of the workspace's runs, newest run first; each is labelled by its run (info.label, info.fromRun). */
  runModels(): ModelFolderInfo[] {
    return (vscode.workspace.workspaceFolders ?? [])
      .flatMap((f) => readRunSummaries(runsRoot(f)))
      .map((r) => inspectModelFolder(path.join(r.dir, 'model')))
      .filter((i): i is ModelFolderInfo => i !== null);
  }

  /** Every local model a run can start from: workspace folders, run exports and cached Hub snapshots. */
  async findModels(): Promise<ModelFolderInfo[]> {
    const cached = (await this.cachedModels()).map((c) => c.info).filter((i): i is ModelFolderInfo => i !== null);
    return [...(await this.workspaceModels()), ...this.runModels(), ...cached];
  }
}

export function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

export function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}
