// "Export report…" (dashboard button, Runs view context menu, palette): writes the run's report into <run>/report/
// (report.md + PNG charts + self-contained report.html), opens it in the Markdown preview, and offers a copy
// elsewhere. The report is written by the extension host with Node's fs, so in a Remote window it lands on the
// machine that holds the run; the copy goes through vscode.workspace.fs with the URI the dialog returns, which is a
// path on that same machine, never a UI-side assumption.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WrittenReport } from '../reports/writeRunReport';
import { pickRun, runDirOf } from '../webview/runPicker';
import { revealFolder } from './revealFolder';

const SAVE_COPY = 'Save a copy to…';
const REVEAL = 'Show folder';

/** Copies the report folder into a folder the user picks, as <run id>-report/ (replacing an older copy there). */
async function saveCopy(written: WrittenReport, runDir: string): Promise<vscode.Uri | undefined> {
  const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Copy the report here', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  if (!target?.[0]) return undefined;
  const dest = vscode.Uri.joinPath(target[0], `${path.basename(runDir)}-report`);
  await vscode.workspace.fs.copy(vscode.Uri.file(written.outDir), dest, { overwrite: true });
  void vscode.window.showInformationMessage(`Copied the report to ${dest.fsPath} (report.html is one self-contained file to attach).`);
  return dest;
}

export async function exportRunReport(arg?: unknown): Promise<WrittenReport | undefined> {
  const runDir = runDirOf(arg) ?? (await pickRun('Export the report of run'));
  if (!runDir) return undefined;
  let written: WrittenReport;
  try {
    // Loaded on first use: sharp's native libvips is not worth loading at activation for a button few press.
    const { writeRunReport } = await import('../reports/writeRunReport');
    written = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Writing the report of ${path.basename(runDir)}…` }, () => writeRunReport(runDir));
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not write the run report: ${(e as Error).message}`);
    return undefined;
  }
  const md = vscode.Uri.file(written.markdown);
  // The preview, beside the dashboard, shows the charts with the text; where the Markdown extension is disabled, the source opens instead.
  await vscode.commands.executeCommand('markdown.showPreviewToSide', md).then(undefined, () => vscode.commands.executeCommand('vscode.open', md));
  // Not awaited: the command resolves once the report exists, whether or not anyone answers the notification.
  void vscode.window.showInformationMessage(`Run report written to ${written.outDir} (report.md + PNG charts; report.html has them inlined).`, SAVE_COPY, REVEAL).then(async (choice) => {
    try {
      if (choice === SAVE_COPY) await saveCopy(written, runDir);
      else if (choice === REVEAL) await revealFolder(written.outDir, 'report.md');
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not ${choice === SAVE_COPY ? 'copy' : 'show'} the report: ${(e as Error).message}`);
    }
  });
  return written;
}

export function registerExportRunReport(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('finetuneStudio.exportRunReport', exportRunReport));
}
