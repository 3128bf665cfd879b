// "Classify selection with fine-tuned model": pick a run's exported model (newest first) or any model folder, then
// the same inline results as zero-shot, from transformers.js' text-classification pipeline in the worker.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ClassifyCommandResult, classifyEditorSelections, nonEmptySelections } from '../inference/classifyEditor';
import { listExportedModels } from '../inference/exportedModels';
import { inferenceServices } from '../inference/services';
import { runsRoot } from '../views/runsView';

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

interface ModelPick extends vscode.QuickPickItem {
  folder?: string;
}

async function pickModelFolder(): Promise<string | undefined> {
  // NER and QA exports answer other commands (Extract entities, Ask a question). SetFit exports name no *For… class,
  // so the classifier leaves those two out rather than listing only *ForSequenceClassification.
  const runs = (vscode.workspace.workspaceFolders ?? []).flatMap((f) => listExportedModels(runsRoot(f))).filter((m) => m.task !== 'token-classification' && m.task !== 'question-answering');
  const items: ModelPick[] = runs.map((m) => ({
    label: m.runId,
    description: [m.status, m.bestMetric && `best ${m.bestMetric.name} ${m.bestMetric.value.toFixed(4)}`, m.labels.join(' · ')].filter(Boolean).join(' · '),
    detail: m.folder,
    folder: m.folder,
  }));
  items.push({ label: '$(folder-opened) Choose a model folder…', description: 'config.json + tokenizer.json + onnx/model.onnx' });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Classify with a fine-tuned model',
    placeHolder: runs.length ? 'Exported models of fine-tuning runs, newest first' : 'No exported runs in this workspace yet: choose a model folder',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.folder) return picked.folder;
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Classify with this model' });
  return chosen?.[0]?.fsPath;
}

/** `target` (a folder path or Uri) skips the pick: used from the Runs/Models views' context menus and by tests. */
export async function classifyWithModel(context: vscode.ExtensionContext, target?: vscode.Uri | string): Promise<ClassifyCommandResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || nonEmptySelections(editor).length === 0) {
    void vscode.window.showWarningMessage('Select some text first: each selection is classified.');
    return undefined;
  }
  // The editor context menu passes the document's Uri: only a folder counts as a chosen model.
  const given = typeof target === 'string' ? target : target instanceof vscode.Uri ? target.fsPath : undefined;
  const folder = given !== undefined && isDirectory(given) ? given : await pickModelFolder();
  if (!folder) return undefined;
  const services = inferenceServices(context);
  const runId = path.basename(path.dirname(folder));
  const modelName = path.basename(folder) === 'model' ? `run ${runId}` : path.basename(folder);
  return classifyEditorSelections(services, editor, { folder: path.resolve(folder), task: 'text-classification' }, { modelName });
}
