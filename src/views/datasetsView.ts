// Datasets view: candidate dataset files in the workspace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { datasetFormatOf, isCandidateDataset } from '../data/datasetFile';

const INCLUDE = '**/*.{csv,tsv,jsonl,ndjson,json,parquet,txt,md}';
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.finetune/**,**/onnx/**}';

export class DatasetItem extends vscode.TreeItem {
  constructor(readonly uri: vscode.Uri, workspaceRelative: string) {
    super(path.basename(uri.fsPath), vscode.TreeItemCollapsibleState.None);
    const format = datasetFormatOf(uri.fsPath);
    this.description = `${format === 'text' ? 'unlabeled text (MLM)' : format} · ${path.dirname(workspaceRelative)}`;
    this.tooltip = uri.fsPath;
    this.resourceUri = uri;
    this.iconPath = new vscode.ThemeIcon(format === 'text' ? 'book' : 'table');
    this.contextValue = 'finetuneStudio.dataset';
    this.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
  }
}

export class DatasetsView implements vscode.TreeDataProvider<DatasetItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: DatasetItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<DatasetItem[]> {
    const files = await this.findDatasets();
    return files.map((uri) => new DatasetItem(uri, vscode.workspace.asRelativePath(uri)));
  }

  async findDatasets(): Promise<vscode.Uri[]> {
    const uris = await vscode.workspace.findFiles(INCLUDE, EXCLUDE, 2000);
    return uris.filter((u) => isCandidateDataset(u.fsPath)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  }
}
