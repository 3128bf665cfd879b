// Runs view: runs stored under the workspace's runs folder (.finetune/runs/<id>/run.json).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRun } from '../training/runStore';

export interface RunSummary {
  id: string;
  dir: string;
  status: string;
  model: string;
  strategy: string;
  bestMetric?: { name: string; value: number };
  /** A failed run's error and the step it stopped at. */
  error?: string;
  errorStep?: number;
}

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: RunSummary) {
    super(run.id, vscode.TreeItemCollapsibleState.None);
    const best = run.bestMetric ? ` · best ${run.bestMetric.name} ${run.bestMetric.value.toFixed(4)}` : '';
    this.description = `${run.status} · ${run.strategy} · ${path.basename(run.model)}${best}`;
    this.tooltip = run.status === 'failed' && run.error ? `${run.dir}\nfailed at step ${run.errorStep ?? '?'}: ${run.error}` : run.dir;
    this.contextValue = `finetuneStudio.run.${run.status}`;
    this.command = { command: 'finetuneStudio.openDashboard', title: 'Open dashboard', arguments: [run.dir] };
    this.iconPath = new vscode.ThemeIcon(
      run.status === 'completed' ? 'pass' : run.status === 'failed' ? 'error' : run.status === 'running' ? 'sync~spin' : 'circle-outline',
    );
  }
}

export function runsRoot(folder: vscode.WorkspaceFolder): string {
  const rel = vscode.workspace.getConfiguration('finetuneStudio').get<string>('runsFolder', '.finetune/runs');
  return path.resolve(folder.uri.fsPath, rel);
}

export function readRunSummaries(root: string): RunSummary[] {
  if (!fs.existsSync(root)) return [];
  const out: RunSummary[] = [];
  for (const id of fs.readdirSync(root)) {
    const dir = path.join(root, id);
    try {
      const run = readRun(dir);
      out.push({ id, dir, status: run.status ?? 'unknown', model: run.config?.model ?? '?', strategy: run.config?.strategy ?? '?', bestMetric: run.bestMetric, error: run.error, errorStep: run.errorStep });
    } catch {
      // A folder without a readable run.json is not a run (or one still being created).
    }
  }
  return out.sort((a, b) => b.id.localeCompare(a.id));
}

export class RunsView implements vscode.TreeDataProvider<RunItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: RunItem): vscode.TreeItem {
    return item;
  }

  getChildren(): RunItem[] {
    return this.listRuns().map((r) => new RunItem(r));
  }

  listRuns(): RunSummary[] {
    return (vscode.workspace.workspaceFolders ?? []).flatMap((f) => readRunSummaries(runsRoot(f)));
  }
}
