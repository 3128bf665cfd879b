// The "New fine-tune" command (palette, sidebar button, Models / Datasets / Explorer context menus with that item
// preselected), "Fine-tune the sample" (the walkthrough), and the serializer that brings the form back after a window
// reload with what the user had entered.
import * as vscode from 'vscode';
import { fineTuneSample } from '../commands/addSample';
import { presetFrom, type Views } from '../commands/fineTune';
import type { FormViewState } from './formMessages';
import { FineTuneFormPanel } from './fineTuneFormPanel';

export function registerFineTuneForm(context: vscode.ExtensionContext, views: Views): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.newFineTune', (arg?: unknown) => FineTuneFormPanel.createOrShow(context, views, presetFrom(arg))),
    // The walkthrough's second step: the sample copied into the workspace (if it is not there yet), then the form.
    vscode.commands.registerCommand('finetuneStudio.fineTuneSample', async () => {
      const preset = await fineTuneSample(context, views);
      return preset && FineTuneFormPanel.createOrShow(context, views, preset);
    }),
    vscode.window.registerWebviewPanelSerializer(FineTuneFormPanel.viewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        FineTuneFormPanel.revive(panel, context, views, (state as FormViewState | undefined)?.state);
      },
    }),
  );
}
