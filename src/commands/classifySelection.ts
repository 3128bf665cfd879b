// "Classify selection (zero-shot)": reads the selections and candidate labels; inference runs in a worker process.
import * as vscode from 'vscode';

export async function classifySelection(context: vscode.ExtensionContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const texts = editor?.selections.filter((s) => !s.isEmpty).map((s) => editor.document.getText(s)) ?? [];
  if (!editor || texts.length === 0) {
    void vscode.window.showWarningMessage('Select some text first: each selection is classified.');
    return;
  }
  const configured = vscode.workspace.getConfiguration('finetuneStudio.zeroShot').get<string[]>('labels', []);
  const remembered = context.workspaceState.get<string>('finetuneStudio.zeroShot.lastLabels');
  const labels = configured.length
    ? configured
    : (await vscode.window.showInputBox({ title: 'Candidate labels', prompt: 'Comma-separated labels, e.g. positive, negative, neutral', value: remembered, ignoreFocusOut: true }))
        ?.split(',')
        .map((l) => l.trim())
        .filter(Boolean);
  if (!labels?.length) return;
  await context.workspaceState.update('finetuneStudio.zeroShot.lastLabels', labels.join(', '));
  void vscode.window.showErrorMessage('Zero-shot classification needs the inference worker, which is not part of this build yet.');
}
