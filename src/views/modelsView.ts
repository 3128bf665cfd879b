// Models view: model folders found in the workspace (the Hub and HF-cache sections join here later).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { inspectModelFolder, ModelFolderInfo } from '../models/modelFolder';

const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.finetune/runs/**/checkpoints/**}';

export class ModelItem extends vscode.TreeItem {
  constructor(readonly info: ModelFolderInfo) {
    super(path.basename(info.dir), vscode.TreeItemCollapsibleState.None);
    const formats = [info.hasSafetensors && 'safetensors', info.hasOnnx && 'onnx'].filter(Boolean).join(' + ');
    this.description = `${info.modelType}${formats ? ` · ${formats}` : ''}`;
    this.tooltip = info.onlyPickle
      ? `${info.dir}\nOnly pytorch_model.bin (pickle) is present: it is never loaded because unpickling can run code. Convert it to model.safetensors.`
      : info.dir;
    this.iconPath = new vscode.ThemeIcon(info.onlyPickle ? 'warning' : 'symbol-class');
    this.contextValue = 'finetuneStudio.model';
    this.resourceUri = vscode.Uri.file(info.dir);
  }
}

export class ModelsView implements vscode.TreeDataProvider<ModelItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: ModelItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<ModelItem[]> {
    return (await this.findModels()).map((info) => new ModelItem(info));
  }

  async findModels(): Promise<ModelFolderInfo[]> {
    const configs = await vscode.workspace.findFiles('**/config.json', EXCLUDE, 500);
    const infos = configs
      .map((uri) => inspectModelFolder(path.dirname(uri.fsPath)))
      .filter((i): i is ModelFolderInfo => i !== null);
    return infos.sort((a, b) => a.dir.localeCompare(b.dir));
  }
}
