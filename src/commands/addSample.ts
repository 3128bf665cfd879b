// The walkthrough's first two steps: put the bundled sample into the workspace (it is then an ordinary model folder
// and CSV file the views list and the user can open, edit or delete), and open the fine-tune with it preselected.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { bundledSampleRoot, copySample, SAMPLE_FOLDER, SAMPLE_SETTINGS, type SamplePaths } from '../models/bundledSample';
import type { Views } from './fineTune';

/** Copies the sample into the first workspace folder; undefined (after saying why) where that cannot be done. */
export async function addSample(context: vscode.ExtensionContext, views: Views, options: { open: boolean } = { open: true }): Promise<SamplePaths | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    const open = 'Open Folder…';
    const pick = await vscode.window.showErrorMessage(`The sample is copied into the workspace (${SAMPLE_FOLDER}/), and no folder is open.`, open);
    if (pick === open) void vscode.commands.executeCommand('workbench.action.files.openFolder');
    return undefined;
  }
  // The worker reads files with Node's fs on the workspace's host; a virtual folder (vscode.dev, a GitHub repo
  // opened without a clone) has no such files.
  if (folder.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`The sample needs a folder on disk; ${folder.uri.toString()} is a ${folder.uri.scheme}: folder. Open a local or remote (SSH, container) folder.`);
    return undefined;
  }
  const source = bundledSampleRoot(context.extensionPath);
  if (!source) {
    void vscode.window.showErrorMessage(`This build of Fine-Tune Studio carries no sample (no sample/ in ${context.extensionPath}). In a development checkout, run \`npm run fixtures\`.`);
    return undefined;
  }
  let copy: ReturnType<typeof copySample>;
  try {
    copy = copySample(source, folder.uri.fsPath);
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not copy the sample into ${path.join(folder.uri.fsPath, SAMPLE_FOLDER)}: ${(e as Error).message}`);
    return undefined;
  }
  views.models.refresh();
  views.datasets.refresh();
  if (options.open) {
    await vscode.window.showTextDocument(vscode.Uri.file(copy.paths.train), { preview: true });
    const where = `${SAMPLE_FOLDER}/`;
    void vscode.window.showInformationMessage(
      copy.copied.length
        ? `Added a tiny BERT (${path.basename(copy.paths.model)}) and 800 labelled review sentences to ${where}.`
        : `The sample is already in ${where} (left as it is).`,
    );
  }
  return copy.paths;
}

/** What the sample's fine-tune starts from: the copied folder and file, with settings a random tiny model needs. */
export async function fineTuneSample(context: vscode.ExtensionContext, views: Views): Promise<{ model: string; data: string; settings: Record<string, unknown> } | undefined> {
  const paths = await addSample(context, views, { open: false });
  return paths && { model: paths.model, data: paths.train, settings: { ...SAMPLE_SETTINGS } };
}
