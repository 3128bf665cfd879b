// Shows hub/unreachable.ts' message for zero-shot, Hub search and download alike, with buttons that open the settings
// it names or a folder picker. Other Hub errors (a missing or gated repo) keep their own message.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HubError } from '../hub';
import { isHubUnreachable, SETTINGS, unreachableHubMessage, type HubUse, type UnreachableAction } from '../hub/unreachable';

const LABELS: Record<UnreachableAction, string> = {
  localFolder: 'Local model folder…',
  cacheFolder: 'Cache folder setting',
  mirror: 'Mirror setting',
};

const openSetting = (id: string) => vscode.commands.executeCommand('workbench.action.openSettings', id);

/** What "use a local model folder" does where the Hub failed: zero-shot sets its model setting, the rest fine-tune it. */
async function useLocalFolder(use: HubUse): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: use === 'zero-shot' ? 'Use for zero-shot' : 'Fine-tune this model' });
  const folder = picked?.[0]?.fsPath;
  if (!folder) return;
  if (!fs.existsSync(path.join(folder, 'config.json'))) {
    void vscode.window.showWarningMessage(`${folder} has no config.json: a model folder holds config.json, the tokenizer and the weights.`);
    return;
  }
  if (use === 'zero-shot') {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration().update(SETTINGS.zeroShotModel, folder, target);
    void vscode.window.showInformationMessage(`"${SETTINGS.zeroShotModel}" is now ${folder}: classify the selection again to use it.`);
  } else {
    await vscode.commands.executeCommand('finetuneStudio.fineTune', vscode.Uri.file(folder));
  }
}

/**
 * Reports a failed Hub call: the one unreachable-Hub message with its buttons, or `fallback` followed by the error's
 * own text for any other failure. Resolves with the text shown (commands return it, so tests can read it) without
 * waiting for a button.
 */
export function reportHubFailure(err: unknown, use: HubUse, cacheDir: string, fallback: string): string {
  if (isHubUnreachable(err)) {
    const { text, actions } = unreachableHubMessage(err, use, cacheDir);
    void vscode.window.showErrorMessage(text, ...actions.map((a) => LABELS[a])).then((label) => {
      const action = actions.find((a) => LABELS[a] === label);
      if (action === 'localFolder') return useLocalFolder(use);
      if (action === 'cacheFolder') return openSetting(SETTINGS.cacheFolder);
      if (action === 'mirror') return openSetting(SETTINGS.endpoint);
      return undefined;
    });
    return text;
  }
  const message = err instanceof HubError || err instanceof Error ? err.message : String(err);
  const text = `${fallback}: ${message}`;
  void vscode.window.showErrorMessage(text);
  return text;
}
