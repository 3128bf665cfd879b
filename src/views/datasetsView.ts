// Datasets view: candidate dataset files in the workspace with what the data layer detects in each (rows, columns,
// text and label columns, label distribution, token lengths for the chosen tokenizer, duplicates and empty rows).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { datasetFormatOf } from '../data/datasetFile';
import { DATASET_GLOB, isDatasetCandidate } from '../data/discovery';
import { loadTokenCounter } from '../data/lightTokenizer';
import { isTaskSummary, summarizeAnyDataset, type AnyDatasetSummary } from '../data/taskSummary';
import { summaryDescription, summaryFacts, summaryTooltip } from '../data/summaryText';

const INCLUDE = DATASET_GLOB;
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.finetune/**,**/onnx/**}';
/** A view refresh reads at most this many rows per file; the description then says "over N rows". */
const MAX_ROWS = 200_000;
const TOKEN_STATS_ROWS = 2_000;
export const TOKENIZER_STATE_KEY = 'finetuneStudio.datasetTokenizer';

export class DatasetItem extends vscode.TreeItem {
  constructor(readonly uri: vscode.Uri, workspaceRelative: string, readonly summary?: AnyDatasetSummary, problem?: string) {
    super(path.basename(uri.fsPath), summary ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const format = datasetFormatOf(uri.fsPath) ?? path.extname(uri.fsPath).slice(1);
    this.description = summary ? summaryDescription(summary) : problem ? `⚠ ${problem}` : `${format === 'text' ? 'unlabeled text (MLM)' : format} · ${path.dirname(workspaceRelative)}`;
    this.tooltip = summary ? new vscode.MarkdownString(`${uri.fsPath}\n\n${summaryTooltip(summary)}`) : problem ? `${uri.fsPath}\n${problem}` : uri.fsPath;
    this.resourceUri = uri;
    // A file the trainer would refuse (unreadable, one class) is marked as such, not only in its child rows.
    const task = isTaskSummary(summary) ? summary.task : undefined;
    this.iconPath = new vscode.ThemeIcon(problem || summary?.blocking.length ? 'warning' : task === 'token-classification' ? 'symbol-key' : task === 'question-answering' ? 'question' : format === 'text' ? 'book' : 'table');
    this.contextValue = 'finetuneStudio.dataset';
  }
}

export class FactItem extends vscode.TreeItem {
  constructor(label: string, value: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.description = value;
    this.tooltip = `${label}: ${value}`;
  }
}

interface CacheEntry {
  key: string;
  summary?: AnyDatasetSummary;
  problem?: string;
}

export class DatasetsView implements vscode.TreeDataProvider<DatasetItem | FactItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Summaries by file, keyed by size + mtime + tokenizer, so a refresh re-reads only what changed. */
  private readonly cache = new Map<string, CacheEntry>();
  private abort = new AbortController();

  constructor(private readonly state?: vscode.Memento) {}

  refresh(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.changed.fire();
  }

  getTreeItem(item: DatasetItem | FactItem): vscode.TreeItem {
    return item;
  }

  async getChildren(parent?: DatasetItem | FactItem): Promise<(DatasetItem | FactItem)[]> {
    if (parent instanceof DatasetItem) return parent.summary ? summaryFacts(parent.summary).map((f) => new FactItem(f.label, f.value)) : [];
    if (parent) return [];
    const files = await this.findDatasets();
    const signal = this.abort.signal;
    return Promise.all(files.map(async (uri) => {
      const entry = await this.summary(uri.fsPath, signal);
      return new DatasetItem(uri, vscode.workspace.asRelativePath(uri), entry.summary, entry.problem);
    }));
  }

  async findDatasets(): Promise<vscode.Uri[]> {
    const uris = await vscode.workspace.findFiles(INCLUDE, EXCLUDE, 2000);
    return uris.filter((u) => isDatasetCandidate(u.fsPath)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  }

  /** The summary the view shows for `file` (computed on demand, cached until the file or the tokenizer changes). */
  async summary(file: string, signal?: AbortSignal): Promise<CacheEntry> {
    const tokenizerDir = this.state?.get<string>(TOKENIZER_STATE_KEY);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (e) {
      return { key: '', problem: (e as Error).message };
    }
    const key = `${stat.size}:${stat.mtimeMs}:${tokenizerDir ?? ''}`;
    const hit = this.cache.get(file);
    if (hit?.key === key) return hit;
    let tokenize;
    try {
      tokenize = tokenizerDir ? loadTokenCounter(tokenizerDir) : undefined;
    } catch {
      tokenize = undefined; // a tokenizer folder that vanished: show the rest of the summary
    }
    const r = await summarizeAnyDataset(file, { maxRows: MAX_ROWS, tokenize, tokenStatsRows: TOKEN_STATS_ROWS, signal });
    const entry: CacheEntry = r.ok ? { key, summary: r.value } : { key, problem: r.error.message.replace(`${file}: `, '') };
    if (!(r.ok === false && r.error.code === 'cancelled')) this.cache.set(file, entry);
    return entry;
  }
}
