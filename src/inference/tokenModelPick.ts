// Which model a token-level command runs: a folder given by the caller (views' context menus, tests), else a pick
// among the Runs' exports that do this task, newest first, or any folder; with none exported, a message that says how
// to get one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runsRoot } from '../views/runsView';
import { listExportedModels } from './exportedModels';
import type { TokenTask } from './tokenModelFiles';

const WORDS: Record<TokenTask, { what: string; data: string }> = {
  'token-classification': { what: 'token-classification (NER)', data: 'NER data (CoNLL columns, or JSONL with tokens and tags)' },
  'question-answering': { what: 'question-answering', data: 'SQuAD-style data (question, context, answers)' },
};

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function chooseFolder(task: TokenTask): Promise<string | undefined> {
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: `Use this ${WORDS[task].what} model` });
  return chosen?.[0]?.fsPath;
}

interface ModelPick extends vscode.QuickPickItem {
  folder?: string;
}

export async function pickTokenModel(task: TokenTask, target?: vscode.Uri | string): Promise<string | undefined> {
  // The editor context menu passes the document's Uri: only a folder counts as a chosen model.
  const given = typeof target === 'string' ? target : target instanceof vscode.Uri ? target.fsPath : undefined;
  if (given !== undefined && isDirectory(given)) return path.resolve(given);
  const runs = (vscode.workspace.workspaceFolders ?? []).flatMap((f) => listExportedModels(runsRoot(f), { task }));
  if (runs.length === 0) {
    const choice = await vscode.window.showWarningMessage(
      `No ${WORDS[task].what} model in this workspace's runs yet. Fine-tune one on ${WORDS[task].data} with "Fine-Tune Studio: New fine-tune" ` +
        `(its export appears here once the run completes), or choose an exported model folder (config.json architectures *${task === 'token-classification' ? 'ForTokenClassification' : 'ForQuestionAnswering'}, tokenizer.json, onnx/model.onnx).`,
      'New fine-tune', 'Choose a model folder…',
    );
    if (choice === 'New fine-tune') void vscode.commands.executeCommand('finetuneStudio.newFineTune');
    return choice === 'Choose a model folder…' ? chooseFolder(task) : undefined;
  }
  const items: ModelPick[] = runs.map((m) => ({
    label: m.runId,
    description: [m.status, m.bestMetric && `best ${m.bestMetric.name} ${m.bestMetric.value.toFixed(4)}`, task === 'token-classification' ? m.labels.join(' · ') : undefined].filter(Boolean).join(' · '),
    detail: m.folder,
    folder: m.folder,
  }));
  items.push({ label: '$(folder-opened) Choose a model folder…', description: 'config.json + tokenizer.json + onnx/model.onnx' });
  const picked = await vscode.window.showQuickPick(items, { title: `Pick a ${WORDS[task].what} model`, placeHolder: 'Exported models of fine-tuning runs, newest first', matchOnDescription: true });
  if (!picked) return undefined;
  return picked.folder ?? chooseFolder(task);
}

/** How the model is named in hovers and messages: "run <id>" for a run's export, else the folder name. */
export function modelDisplayName(folder: string): string {
  return path.basename(folder) === 'model' ? `run ${path.basename(path.dirname(folder))}` : path.basename(folder);
}
