// Runs view: runs stored under the workspace's runs folder (.finetune/runs/<id>/run.json), each shown in its true
// state (runStatus.ts), so a run whose trainer is gone reads "interrupted — Resume" instead of "running" forever.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRunSummaries, readRunSummary, type RunSummary } from '../training/runSummaries';
import { runItemLook } from './runItemPresentation';
import { RunsFolderPoll } from './runsFolderPoll';
import { RUN_RECORD_FILE } from './runsFolderSignature';

export { readRunSummaries, type RunSummary } from '../training/runSummaries';

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: RunSummary) {
    const look = runItemLook(run);
    super(look.label, vscode.TreeItemCollapsibleState.None);
    this.description = look.description;
    this.tooltip = look.tooltip;
    this.contextValue = look.contextValue;
    this.command = { command: 'finetuneStudio.openDashboard', title: 'Open dashboard', arguments: [run.dir] };
    this.iconPath = new vscode.ThemeIcon(look.icon.id, look.icon.color ? new vscode.ThemeColor(look.icon.color) : undefined);
  }
}

export function runsRoot(folder: vscode.WorkspaceFolder): string {
  const rel = vscode.workspace.getConfiguration('finetuneStudio').get<string>('runsFolder', '.finetune/runs');
  return path.resolve(folder.uri.fsPath, rel);
}

/**
 * How often a run shown as running or paused is checked for a gone owner. A trainer that dies changes no file (its
 * lease stays behind), so no watcher would notice; the check reads one small file per such run.
 */
export const LIVENESS_CHECK_MS = 3000;

const signature = (runs: readonly RunSummary[]) => runs.map((r) => `${r.dir}:${r.state.state}:${r.state.step}:${r.state.pausedAt ?? ''}`).join('|');

export class RunsView implements vscode.TreeDataProvider<RunItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private livenessTimer: NodeJS.Timeout | undefined;
  /**
   * Runs written by the CLI, another window or another host show up by themselves. The workbench's file watcher
   * (extension.ts) makes that immediate where it works; this poll makes it certain where it does not.
   */
  private readonly recordsPoll = new RunsFolderPoll(() => (vscode.workspace.workspaceFolders ?? []).map(runsRoot), RUN_RECORD_FILE, () => this.refresh());

  refresh(): void {
    this.changed.fire();
  }

  /** A file event on some run.json: redraws if a run's record did change (and so only once per change). */
  checkRecords(): void {
    this.recordsPoll.check();
  }

  getTreeItem(item: RunItem): vscode.TreeItem {
    return item;
  }

  getChildren(): RunItem[] {
    const runs = this.listRuns();
    this.watchLiveness(runs);
    return runs.map((r) => new RunItem(r));
  }

  listRuns(): RunSummary[] {
    return (vscode.workspace.workspaceFolders ?? []).flatMap((f) => readRunSummaries(runsRoot(f)));
  }

  /** While some run has an owner, re-reads those runs' states now and then and redraws when one changed. */
  private watchLiveness(runs: readonly RunSummary[]): void {
    clearTimeout(this.livenessTimer);
    this.livenessTimer = undefined;
    const owned = runs.filter((r) => r.state.state === 'running' || r.state.state === 'paused');
    if (!owned.length) return;
    this.livenessTimer = setTimeout(() => {
      const changed = owned.some((r) => {
        try {
          return signature([readRunSummary(r.dir)]) !== signature([r]);
        } catch {
          return true; // deleted, or run.json unreadable: the listing will say
        }
      });
      if (changed) this.refresh();
      else this.watchLiveness(owned);
    }, LIVENESS_CHECK_MS);
    this.livenessTimer.unref?.();
  }

  dispose(): void {
    this.recordsPoll.dispose();
    clearTimeout(this.livenessTimer);
    this.changed.dispose();
  }
}
