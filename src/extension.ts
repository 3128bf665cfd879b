// Entry point: wires services, registers commands and views; nothing else. Heavy modules (onnxruntime-node,
// transformers.js) are never imported here — training and inference run in child processes.
import * as vscode from 'vscode';
import { addSample } from './commands/addSample';
import { registerHubCommands } from './commands/hubCommands';
import { registerPushToHub } from './commands/pushToHub';
import { registerRunCommands } from './commands/runCommands';
import { registerExportRunReport } from './commands/exportRunReport';
import { presetFrom, runFineTuneFlow, runSavedConfiguration, type RunRequest } from './commands/fineTune';
import { reconnectRuns } from './commands/reconnectRuns';
import { runOnCluster, type ClusterAnswers } from './commands/runOnCluster';
import { startRun } from './commands/startRun';
import { classifySelection } from './commands/classifySelection';
import { HubService } from './services/hubService';
import { DatasetsView, TOKENIZER_STATE_KEY } from './views/datasetsView';
import { ModelsView } from './views/modelsView';
import { RunsView } from './views/runsView';
import { registerInference } from './inference';
import { registerWebviews } from './webview';
import { registerFineTuneForm } from './webview/fineTuneFormRegistration';

export interface Api {
  models: ModelsView;
  datasets: DatasetsView;
  runs: RunsView;
  /** Starts a run without the interactive flow (automation, tests); resolves with the worker's last message. */
  startRun(request: RunRequest): ReturnType<typeof startRun>;
  /** The runs whose detached worker outlived the previous window and that this window follows again. */
  reconnected: Promise<string[]>;
}

export function activate(context: vscode.ExtensionContext): Api {
  const hub = new HubService(context.secrets);
  const runs = new RunsView();
  const models = new ModelsView(hub, runs);
  const datasets = new DatasetsView(context.workspaceState);
  const views = { models, datasets, runs };
  const runsTree = vscode.window.createTreeView('finetuneStudio.runs', { treeDataProvider: runs, canSelectMany: true });
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('finetuneStudio.models', models),
    models,
    vscode.window.registerTreeDataProvider('finetuneStudio.datasets', datasets),
    runsTree,
    runs,
    vscode.commands.registerCommand('finetuneStudio.refreshModels', () => models.refresh()),
    vscode.commands.registerCommand('finetuneStudio.refreshDatasets', () => datasets.refresh()),
    vscode.commands.registerCommand('finetuneStudio.refreshRuns', () => runs.refresh()),
    vscode.commands.registerCommand('finetuneStudio.fineTune', (arg?: unknown) => runFineTuneFlow(context, views, presetFrom(arg))),
    vscode.commands.registerCommand('finetuneStudio.chooseDatasetTokenizer', async (dir?: string) => {
      const chosen = dir ?? (await vscode.window.showQuickPick((await models.findModels()).map((m) => ({ label: m.label, detail: m.dir })), { title: 'Tokenizer for dataset token statistics' }))?.detail;
      if (!chosen) return;
      await context.workspaceState.update(TOKENIZER_STATE_KEY, chosen);
      datasets.refresh();
    }),
    vscode.commands.registerCommand('finetuneStudio.addSample', () => addSample(context, views)),
    vscode.commands.registerCommand('finetuneStudio.runSavedConfig', (arg?: unknown) => runSavedConfiguration(context, views, arg)),
    vscode.commands.registerCommand('finetuneStudio.runOnCluster', (arg?: unknown, answers?: ClusterAnswers) => runOnCluster(arg, answers)),
    vscode.commands.registerCommand('finetuneStudio.classifySelection', () => classifySelection(context)),
    vscode.commands.registerCommand('finetuneStudio.compareSelectedRuns', () =>
      vscode.commands.executeCommand('finetuneStudio.compareRuns', runsTree.selection.map((r) => r.run.dir)),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('finetuneStudio') && models.refresh()),
  );
  registerHubCommands(context, hub, models);
  registerRunCommands(context, runs);
  registerExportRunReport(context);
  registerPushToHub(context);
  registerWebviews(context);
  registerFineTuneForm(context, views);
  registerInference(context);
  // Runs written by the CLI or another window show up at once where the workbench's watcher works (RunsView polls too).
  const watcher = vscode.workspace.createFileSystemWatcher('**/.finetune/runs/*/run.json');
  context.subscriptions.push(watcher, watcher.onDidCreate(() => runs.checkRecords()), watcher.onDidChange(() => runs.checkRecords()), watcher.onDidDelete(() => runs.checkRecords()));
  // Training outlives the window: follow the runs still training, report the ones that ended unseen.
  const reconnected = reconnectRuns(context, runs);
  // Returned so integration tests can inspect what the views hold without scraping the UI.
  return { models, datasets, runs, startRun: (request) => startRun(context, request, runs), reconnected };
}

export function deactivate(): void {
  // Training workers are detached and go on; attached ones (probe, inference, training where detaching failed) end
  // with their IPC channel.
}
