// Entry point: wires services, registers commands and views; nothing else. Heavy modules (onnxruntime-node,
// transformers.js) are never imported here — training and inference run in child processes.
import * as vscode from 'vscode';
import { ModelsView } from './views/modelsView';
import { DatasetsView } from './views/datasetsView';
import { RunsView } from './views/runsView';
import { runFineTuneFlow } from './commands/fineTune';
import { classifySelection } from './commands/classifySelection';

export function activate(context: vscode.ExtensionContext): { models: ModelsView; datasets: DatasetsView; runs: RunsView } {
  const models = new ModelsView();
  const datasets = new DatasetsView();
  const runs = new RunsView();
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('finetuneStudio.models', models),
    vscode.window.registerTreeDataProvider('finetuneStudio.datasets', datasets),
    vscode.window.registerTreeDataProvider('finetuneStudio.runs', runs),
    vscode.commands.registerCommand('finetuneStudio.refreshModels', () => models.refresh()),
    vscode.commands.registerCommand('finetuneStudio.refreshDatasets', () => datasets.refresh()),
    vscode.commands.registerCommand('finetuneStudio.refreshRuns', () => runs.refresh()),
    vscode.commands.registerCommand('finetuneStudio.fineTune', () => runFineTuneFlow(context, { models, datasets, runs })),
    vscode.commands.registerCommand('finetuneStudio.classifySelection', () => classifySelection(context)),
  );
  // Returned so integration tests can inspect what the views hold without scraping the UI.
  return { models, datasets, runs };
}

export function deactivate(): void {
  // Child processes are disposed through context.subscriptions.
}
