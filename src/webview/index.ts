// Entry point of the webviews for extension.ts: panel classes, their serializers (panels come back after a window
// reload) and the two commands that open them.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { ComparisonPanel } from './comparisonPanel';
import { DashboardPanel } from './dashboardPanel';
import type { ComparisonState, DashboardState } from './messages';
import { pickRun, pickRuns, runDirOf, runDirsOf } from './runPicker';

export { ComparisonPanel } from './comparisonPanel';
export { DashboardPanel } from './dashboardPanel';

export function registerWebviews(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.openDashboard', async (arg?: unknown) => {
      const dir = runDirOf(arg) ?? (await pickRun());
      return dir ? DashboardPanel.createOrShow(context, dir) : undefined;
    }),
    vscode.commands.registerCommand('finetuneStudio.compareRuns', async (...args: unknown[]) => {
      let dirs = runDirsOf(...args);
      if (dirs.length === 0) dirs = await pickRuns();
      return dirs.length ? ComparisonPanel.createOrShow(context, dirs) : undefined;
    }),
    vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const runDir = (state as DashboardState | undefined)?.runDir;
        // A run deleted while the window was closed leaves nothing to show.
        if (typeof runDir !== 'string' || !fs.existsSync(runDir)) return panel.dispose();
        DashboardPanel.revive(panel, context.extensionUri, runDir);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(ComparisonPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const dirs = ((state as ComparisonState | undefined)?.runDirs ?? []).filter((d) => typeof d === 'string' && fs.existsSync(d));
        if (!dirs.length) return panel.dispose();
        ComparisonPanel.revive(panel, context.extensionUri, dirs);
      },
    }),
  );
}
