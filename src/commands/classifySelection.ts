// "Classify selection (zero-shot)": candidate labels from the setting or an input box (remembered per workspace),
// the NLI model from finetuneStudio.zeroShot.model (a folder, or a Hub id fetched into the HF cache on first use);
// inference runs in the inference worker and the results are shown inline, in hovers and in a QuickPick.
import * as vscode from 'vscode';
import { parseLabels } from '../inference/candidateLabels';
import { ClassifyCommandResult, classifyEditorSelections, nonEmptySelections } from '../inference/classifyEditor';
import { locateInferenceModel } from '../inference/modelLocation';
import { inferenceServices } from '../inference/services';
import { isHubUnreachable } from '../hub/unreachable';
import { reportHubFailure } from './hubUnreachable';

const LAST_LABELS = 'finetuneStudio.zeroShot.lastLabels';

export async function classifySelection(context: vscode.ExtensionContext): Promise<ClassifyCommandResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || nonEmptySelections(editor).length === 0) {
    void vscode.window.showWarningMessage('Select some text first: each selection is classified.');
    return undefined;
  }
  const cfg = vscode.workspace.getConfiguration('finetuneStudio.zeroShot');
  const configured = cfg.get<string[]>('labels', []).map((l) => l.trim()).filter(Boolean);
  let labels = configured;
  if (labels.length === 0) {
    const remembered = context.workspaceState.get<string>(LAST_LABELS);
    const typed = await vscode.window.showInputBox({
      title: 'Candidate labels',
      prompt: 'Comma-separated labels, e.g. positive, negative, neutral (set finetuneStudio.zeroShot.labels to skip this)',
      value: remembered,
      ignoreFocusOut: true,
      validateInput: (v) => (parseLabels(v).length === 0 ? 'Enter at least one label.' : undefined),
    });
    labels = typed === undefined ? [] : parseLabels(typed);
    if (labels.length === 0) return undefined;
    await context.workspaceState.update(LAST_LABELS, labels.join(', '));
  }
  const setting = cfg.get<string>('model', '');
  const services = inferenceServices(context);
  let folder: string;
  try {
    folder = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Zero-shot model ${setting}`, cancellable: true },
      async (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        let reported = 0;
        const located = await locateInferenceModel(setting, 'zero-shot', {
          workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
          hub: services.hub,
          signal: ac.signal,
          onProgress: (p) => {
            const pct = p.totalBytes ? (100 * p.doneBytes) / p.totalBytes : 0;
            progress.report({ increment: pct - reported, message: `downloading ${p.file} (${p.filesDone}/${p.filesTotal} files, ${(p.doneBytes / 2 ** 20).toFixed(1)} of ${(p.totalBytes / 2 ** 20).toFixed(1)} MiB)` });
            reported = pct;
          },
        });
        if (located.origin === 'download') services.log(`downloaded ${located.repoId} into ${located.folder}`);
        return located.folder;
      },
    );
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') return undefined;
    // No Hub (offline, refused, 5xx): the message every Hub feature shows, naming the local folder, cache and mirror.
    if (isHubUnreachable(e)) return { model: setting, task: 'zero-shot', items: [], quickPick: [], error: reportHubFailure(e, 'zero-shot', services.hub().cacheDir, 'Zero-shot model') };
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`Zero-shot model: ${message}`, 'Open settings').then((c) => {
      if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'finetuneStudio.zeroShot.model');
    });
    return { model: setting, task: 'zero-shot', items: [], quickPick: [], error: message };
  }
  return classifyEditorSelections(services, editor, { folder, task: 'zero-shot' }, {
    modelName: setting,
    zeroShot: { labels, hypothesisTemplate: cfg.get<string>('hypothesisTemplate', 'This example is {}.'), multiLabel: cfg.get<boolean>('multiLabel', false) },
  });
}
