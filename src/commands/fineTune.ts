// "Fine-tune model": a step-by-step QuickPick flow (model → dataset → strategy), then the run starts in the worker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelsView } from '../views/modelsView';
import type { DatasetsView } from '../views/datasetsView';
import type { RunsView } from '../views/runsView';
import { STRATEGIES, StrategyId } from '../training/strategies';
import { startRun } from './startRun';

export interface Views {
  models: ModelsView;
  datasets: DatasetsView;
  runs: RunsView;
}

export async function runFineTuneFlow(context: vscode.ExtensionContext, views: Views): Promise<void> {
  const models = await views.models.findModels();
  const usable = models.filter((m) => !m.onlyPickle);
  const model = await vscode.window.showQuickPick(
    usable.map((m) => ({ label: path.basename(m.dir), description: m.modelType, detail: vscode.workspace.asRelativePath(m.dir), dir: m.dir })),
    { title: 'Fine-tune model (1/3): choose a base model', placeHolder: usable.length ? 'Select a model to fine-tune' : 'No model folders found in this workspace', ignoreFocusOut: true },
  );
  if (!model) return;

  const datasets = await views.datasets.findDatasets();
  const dataset = await vscode.window.showQuickPick(
    datasets.map((uri) => ({ label: path.basename(uri.fsPath), detail: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Fine-tune model (2/3): choose a dataset', placeHolder: 'Select a labelled dataset (CSV, TSV, JSONL, JSON, Parquet)', ignoreFocusOut: true },
  );
  if (!dataset) return;

  const strategy = await vscode.window.showQuickPick(
    Object.entries(STRATEGIES).map(([id, s]) => ({ label: s.title, detail: s.description, id: id as StrategyId })),
    { title: 'Fine-tune model (3/3): choose a strategy', placeHolder: 'How much of the model to train', ignoreFocusOut: true },
  );
  if (!strategy) return;

  await startRun(context, { model: model.dir, data: dataset.uri.fsPath, strategy: strategy.id }, views.runs);
}
