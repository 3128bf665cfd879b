// "Open run folder" where it can work. revealFileInOS exists only in desktop VS Code on a local folder: in the browser
// (code-server, vscode.dev) the command is not registered at all, and in a remote window it would open the user's own
// file manager on a path that lives on the remote machine. There the folder is shown in the Explorer, or, when it lies
// outside the workspace (a runsFolder setting pointing elsewhere), its run.json is opened in an editor.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isInside } from '../util/pathInside';
import { revealWay, type RevealWay } from './revealWay';

/** Shows `dir` (with `file` in it selected where the way allows) and says which way it took. */
export async function revealFolder(dir: string, file: string): Promise<RevealWay> {
  const commands = await vscode.commands.getCommands(true);
  const way = revealWay({
    desktop: vscode.env.uiKind === vscode.UIKind.Desktop,
    remoteName: vscode.env.remoteName,
    hasRevealInOS: commands.includes('revealFileInOS'),
    inWorkspace: (vscode.workspace.workspaceFolders ?? []).some((f) => isInside(dir, f.uri.fsPath)),
  });
  const target = vscode.Uri.file(path.join(dir, file));
  switch (way) {
    case 'os':
      await vscode.commands.executeCommand('revealFileInOS', target);
      break;
    case 'explorer':
      // Reveals and selects the file in the Explorer view, opening the view if it is closed.
      await vscode.commands.executeCommand('revealInExplorer', target);
      break;
    case 'editor':
      await vscode.commands.executeCommand('vscode.open', target);
      void vscode.window.showInformationMessage(`The run folder is ${dir} (outside the workspace, so the Explorer cannot show it; its ${file} is open).`);
      break;
  }
  return way;
}
