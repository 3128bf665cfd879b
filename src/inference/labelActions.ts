// The QuickPick after a classification: every label of every selection with its score; Enter copies the label,
// the item's button inserts it after its selection. Not awaited by the commands: the results are already on screen,
// the pick is an offer.
import * as vscode from 'vscode';
import { formatScore, preview } from './presentation';
import type { Classification } from './protocol';

interface LabelItem extends vscode.QuickPickItem {
  label: string;
  value: string;
  selection: number;
}

const INSERT: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('insert'), tooltip: 'Insert after the selection' };
const COPY: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('copy'), tooltip: 'Copy label' };

export function labelPickItems(results: Classification[]): (LabelItem | vscode.QuickPickItem)[] {
  const items: (LabelItem | vscode.QuickPickItem)[] = [];
  results.forEach((r, i) => {
    if (results.length > 1) items.push({ label: `${i + 1}: ${preview(r.text)}`, kind: vscode.QuickPickItemKind.Separator });
    for (const s of r.scores) items.push({ label: s.label, value: s.label, description: formatScore(s.score), selection: i, buttons: [COPY, INSERT] } satisfies LabelItem);
  });
  return items;
}

async function insertAfter(editor: vscode.TextEditor, range: vscode.Range, label: string): Promise<void> {
  await editor.edit((b) => b.insert(range.end, ` ${label}`));
}

/** Opens the pick; returns it so callers (tests) can read its items or close it. */
export function showLabelActions(editor: vscode.TextEditor, ranges: vscode.Range[], results: Classification[]): vscode.QuickPick<vscode.QuickPickItem> {
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = results.length > 1 ? `Labels of ${results.length} selections` : `Labels of “${preview(results[0]?.text ?? '')}”`;
  pick.placeholder = 'Enter copies the label · the insert button adds it after its selection';
  pick.items = labelPickItems(results);
  const chosen = (item: vscode.QuickPickItem | undefined): LabelItem | undefined => (item && 'value' in item ? (item as LabelItem) : undefined);
  pick.onDidAccept(async () => {
    const item = chosen(pick.selectedItems[0]);
    pick.hide();
    if (!item) return;
    await vscode.env.clipboard.writeText(item.value);
    void vscode.window.setStatusBarMessage(`Copied “${item.value}”`, 3000);
  });
  pick.onDidTriggerItemButton(async (e) => {
    const item = chosen(e.item);
    if (!item) return;
    pick.hide();
    if (e.button === COPY) await vscode.env.clipboard.writeText(item.value);
    else await insertAfter(editor, ranges[item.selection], item.value);
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
  return pick;
}
