// Turns what a command receives into run folders: a path, a Uri, a Runs-view item (single or multi-selection), or
// nothing (command palette), in which case the user picks from the workspace's runs.
import * as vscode from 'vscode';
import { readRunSummaries, type RunSummary } from '../training/runSummaries';
import { runsRoot } from '../views/runsView';

export function runDirOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'object' && arg !== null) {
    const o = arg as { run?: { dir?: unknown }; dir?: unknown };
    if (typeof o.run?.dir === 'string') return o.run.dir;
    if (typeof o.dir === 'string') return o.dir;
  }
  return undefined;
}

/** A tree view passes (clicked item, all selected items); the palette passes an array or nothing. */
export function runDirsOf(...args: unknown[]): string[] {
  const list = Array.isArray(args[1]) ? args[1] : Array.isArray(args[0]) ? args[0] : args.slice(0, 1);
  return [...new Set(list.map(runDirOf).filter((d): d is string => d !== undefined))];
}

function workspaceRuns(): RunSummary[] {
  return (vscode.workspace.workspaceFolders ?? []).flatMap((f) => readRunSummaries(runsRoot(f)));
}

const pickItem = (r: RunSummary) => ({ label: r.id, description: `${r.status} · ${r.strategy}`, detail: r.dir, dir: r.dir });

export async function pickRun(title = 'Open the dashboard of run'): Promise<string | undefined> {
  const runs = workspaceRuns();
  if (!runs.length) {
    void vscode.window.showInformationMessage('No runs in this workspace yet (runs are stored in the runs folder, .finetune/runs by default).');
    return undefined;
  }
  const choice = await vscode.window.showQuickPick(runs.map(pickItem), { title, matchOnDetail: true });
  return choice?.dir;
}

export async function pickRuns(): Promise<string[]> {
  const runs = workspaceRuns();
  if (runs.length < 2) {
    void vscode.window.showInformationMessage(`Comparing needs at least 2 runs; this workspace has ${runs.length}.`);
    return [];
  }
  const choice = await vscode.window.showQuickPick(runs.map(pickItem), { title: 'Compare runs', canPickMany: true, matchOnDetail: true });
  return choice?.map((c) => c.dir) ?? [];
}
