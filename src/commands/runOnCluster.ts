// "Run on a cluster…": a run (Runs view: its run.json configuration) or a saved configuration (.finetune/configs/)
// becomes the files of a cluster job (training/cluster/clusterJob.ts), written into the workspace with
// vscode.workspace.fs (so it works on a remote workspace too), and its README opened.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CLUSTER_DEVICES, CLUSTER_FILES, clusterJob, jobNameFrom, wholeNumberProblem, type ClusterDevice } from '../training/cluster/clusterJob';
import { checkRunSettings, clusterRunConfig } from '../training/cluster/clusterRunConfig';
import { DEFAULTS } from '../training/cluster/jobFacts';
import { readRunConfigFile } from '../training/configFile';
import type { RunConfig } from '../training/protocol';
import { readRun, runJsonPath } from '../training/runStore';
import { readRunSummaries } from '../training/runSummaries';
import { runsRoot } from '../views/runsView';
import { runDirOf } from '../webview/runPicker';
import { configsFolder } from './fineTune';

/** Answers a caller may give up front (tests, scripted use); any left out are asked. */
export interface ClusterAnswers {
  nodes?: number;
  procsPerNode?: number;
  device?: ClusterDevice;
  /** '' for none. */
  image?: string;
  /** The workspace's path on the cluster (the job's working folder). */
  workDir?: string;
  /** Where the files are written (absolute, or relative to the workspace folder). */
  outDir?: string;
  /** Replace files already there without asking. */
  replace?: boolean;
}

export interface ClusterCommandResult {
  outDir: string;
  files: string[];
  jobDir: string;
}

interface Source {
  /** A name for the job (the configuration's file name, the run's id). */
  name: string;
  config: Omit<RunConfig, 'runsRoot'> & { runsRoot?: string };
}

const isConfigFile = (p: string) => p.endsWith('.json') && path.basename(p) !== 'run.json';

function sourceOf(target: string): Source {
  if (isConfigFile(target)) {
    const raw = readRunConfigFile(target);
    const config = { ...raw, model: raw.model ?? '', data: raw.data ?? '', strategy: raw.strategy ?? 'full' };
    checkRunSettings(config);
    return { name: path.basename(target, '.json'), config };
  }
  const dir = path.basename(target) === 'run.json' ? path.dirname(target) : target;
  if (!fs.existsSync(runJsonPath(dir))) throw new Error(`${dir} is neither a run folder (no run.json) nor a saved configuration (.json)`);
  const record = readRun(dir);
  return { name: record.id, config: record.config };
}

/** The palette: saved configurations first, then the workspace's runs. */
async function pickTarget(): Promise<string | undefined> {
  const dir = configsFolder();
  const configs = dir && fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)) : [];
  const runs = (vscode.workspace.workspaceFolders ?? []).flatMap((f) => readRunSummaries(runsRoot(f)));
  const items = [
    ...configs.map((f) => ({ label: path.basename(f), description: 'saved configuration', detail: f, target: f })),
    ...runs.map((r) => ({ label: r.id, description: `run · ${r.status} · ${r.strategy}`, detail: r.dir, target: r.dir })),
  ];
  if (!items.length) {
    void vscode.window.showInformationMessage('No saved configurations (.finetune/configs) or runs in this workspace yet: save a configuration from "Fine-tune model" first.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title: 'Run on a cluster: which configuration?', matchOnDetail: true }))?.target;
}

async function askNumber(title: string, prompt: string, value: string, max: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: (v) => wholeNumberProblem(v, 1, max) });
  return text === undefined ? undefined : Number(text.trim());
}

/** The workspace's own path where it is a POSIX one (a Remote - SSH window on the cluster): else a guess to edit. */
function defaultWorkDir(folder: vscode.WorkspaceFolder): string {
  const p = folder.uri.fsPath;
  return path.sep === '/' ? p : `/shared/${path.basename(p)}`;
}

export async function runOnCluster(arg?: unknown, answers: ClusterAnswers = {}): Promise<ClusterCommandResult | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('Run on a cluster needs an open workspace folder: the job files are written into it.');
    return undefined;
  }
  const target = (arg instanceof vscode.Uri ? arg.fsPath : runDirOf(arg)) ?? (await pickTarget());
  if (!target) return undefined;
  let source: Source;
  try {
    source = sourceOf(target);
  } catch (e) {
    // A configuration file's own errors already begin with its path (and line, column).
    const message = (e as Error).message;
    void vscode.window.showErrorMessage(message.startsWith(target) ? message : `${target}: ${message}`);
    return undefined;
  }
  const title = `Run ${source.name} on a cluster`;
  const nodes = answers.nodes ?? (await askNumber(title, 'Nodes: the machines to train on', '1', 4096));
  if (nodes === undefined) return undefined;
  const procsPerNode = answers.procsPerNode ?? (await askNumber(title, 'Processes per node: 1 per GPU, or a few sharing a machine\'s CPUs', '2', 256));
  if (procsPerNode === undefined) return undefined;
  const device = answers.device ?? (await vscode.window.showQuickPick(CLUSTER_DEVICES.map((d) => ({ label: d, description: d === 'cuda' ? 'a GPU per process (gradients averaged on the host over gloo)' : 'CPU cores' })), { title, placeHolder: 'Device of every process' }))?.label as ClusterDevice | undefined;
  if (!device) return undefined;
  const image = answers.image ?? (await vscode.window.showInputBox({ title, prompt: 'Container image for Kubeflow (Node >= 20 with the package); empty: set it later in pytorchjob.yaml', value: '', ignoreFocusOut: true }));
  if (image === undefined) return undefined;
  const workDir = answers.workDir ?? (await vscode.window.showInputBox({
    title, prompt: 'This workspace\'s folder on the cluster (shared storage): every rank runs there; model, data and runs paths inside the workspace become relative to it',
    value: defaultWorkDir(folder), ignoreFocusOut: true, validateInput: (v) => (v.startsWith('/') ? undefined : 'an absolute path on the cluster, such as /shared/project'),
  }));
  if (workDir === undefined) return undefined;
  const jobName = jobNameFrom(source.name);
  const outText = answers.outDir ?? (await vscode.window.showInputBox({ title, prompt: 'Folder for the job files (relative to the workspace folder)', value: path.posix.join('.finetune', 'cluster', jobName), ignoreFocusOut: true }));
  if (outText === undefined) return undefined;
  const outDir = path.resolve(folder.uri.fsPath, outText);

  let job;
  try {
    job = clusterJob({
      config: clusterRunConfig(source.config, folder.uri.fsPath), nodes, procsPerNode, device, jobName, workDir,
      runsDir: relativeRuns(folder), packagePath: DEFAULTS.packagePath, ...(image.trim() ? { image: image.trim() } : {}),
    });
  } catch (e) {
    void vscode.window.showErrorMessage((e as Error).message);
    return undefined;
  }
  const outUri = vscode.Uri.file(outDir);
  const uris = CLUSTER_FILES.map((f) => vscode.Uri.joinPath(outUri, f));
  const existing: string[] = [];
  for (const [i, uri] of uris.entries()) {
    try {
      await vscode.workspace.fs.stat(uri);
      existing.push(CLUSTER_FILES[i]);
    } catch {
      // Not there: nothing to replace.
    }
  }
  if (existing.length && !answers.replace) {
    const choice = await vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(outDir)} already holds ${existing.join(', ')}.`, { modal: true }, 'Replace');
    if (choice !== 'Replace') return undefined;
  }
  await vscode.workspace.fs.createDirectory(outUri);
  for (const [i, uri] of uris.entries()) await vscode.workspace.fs.writeFile(uri, Buffer.from(job.files[CLUSTER_FILES[i]], 'utf8'));
  await vscode.window.showTextDocument(uris[0], { preview: false });
  return { outDir, files: uris.map((u) => u.fsPath), jobDir: job.jobDir };
}

/** The runs folder setting as the job's (relative to the working folder, as the setting is to the workspace). */
function relativeRuns(folder: vscode.WorkspaceFolder): string {
  const root = runsRoot(folder);
  const rel = path.relative(folder.uri.fsPath, root);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : root;
}
