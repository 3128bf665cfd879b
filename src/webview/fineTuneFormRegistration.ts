// The "New fine-tune" command (palette, sidebar button, Models / Datasets / Explorer context menus with that item
// preselected) and the serializer that brings the form back after a window reload with what the user had entered.
import * as vscode from 'vscode';
import { presetFrom, type Views } from '../commands/fineTune';
import type { FormViewState } from './formMessages';
import { FineTuneFormPanel } from './fineTuneFormPanel';

export function registerFineTuneForm(context: vscode.ExtensionContext, views: Views): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.newFineTune', (arg?: unknown) => FineTuneFormPanel.createOrShow(context, views, presetFrom(arg))),
    vscode.window.registerWebviewPanelSerializer(FineTuneFormPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        FineTuneFormPanel.revive(panel, context, views, (state as FormViewState | undefined)?.state);
      },
    }),
  );
}
