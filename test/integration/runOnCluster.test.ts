// Inside VS Code: "Run on a cluster…" on a saved configuration and on a run writes the five job files with
// workspace.fs into .finetune/cluster/<name>/ (the default it offers), with the workspace's model and data as paths
// relative to the job's working folder, opens README.md, and replaces existing files only after "Replace".
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClusterCommandResult } from '../../src/commands/runOnCluster';

suite('Run on a cluster from VS Code', () => {
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const window = vscode.window as unknown as Record<string, unknown>;
  const saved = { input: window.showInputBox, pick: window.showQuickPick, warn: window.showWarningMessage };
  const FILES = ['README.md', 'config.json', 'torchrun.sh', 'job.sbatch', 'pytorchjob.yaml'];

  suiteSetup(async () => {
    await vscode.extensions.getExtension('finetune-studio.finetune-studio')!.activate();
  });

  suiteTeardown(() => {
    Object.assign(window, { showInputBox: saved.input, showQuickPick: saved.pick, showWarningMessage: saved.warn });
  });

  test('a saved configuration: asked in order, files written where the scripts expect them, README opened, Replace asked', async function () {
    this.timeout(30_000);
    const configs = path.join(root(), '.finetune', 'configs');
    fs.mkdirSync(configs, { recursive: true });
    const file = path.join(configs, 'Sentiment Full.json');
    fs.writeFileSync(file, JSON.stringify({ model: path.join(root(), 'models', 'tiny-bert'), data: path.join(root(), 'data', 'sentiment_train.csv'), strategy: 'full', settings: { epochs: 2 } }));
    const prompts: string[] = [];
    const answers = ['2', '1', '', '/shared/team ws'];
    window.showInputBox = async (options: vscode.InputBoxOptions) => {
      prompts.push(`${options.prompt} [${options.value}]`);
      if (options.validateInput && options.prompt?.startsWith('Nodes')) assert.equal(options.validateInput('0'), 'a whole number from 1 to 4096 is needed, got 0');
      return answers.shift() ?? options.value;
    };
    window.showQuickPick = async (items: readonly vscode.QuickPickItem[]) => items.find((i) => i.label === 'cpu');
    const result = (await vscode.commands.executeCommand('finetuneStudio.runOnCluster', vscode.Uri.file(file))) as ClusterCommandResult;
    assert.ok(result, 'the command wrote nothing');
    assert.equal(prompts.length, 5);
    assert.match(prompts[0], /^Nodes: the machines to train on \[1\]$/);
    assert.match(prompts[1], /^Processes per node.*\[2\]$/);
    assert.match(prompts[4], /^Folder for the job files.*\[\.finetune\/cluster\/sentiment-full\]$/);
    const out = path.join(root(), '.finetune', 'cluster', 'sentiment-full');
    assert.equal(result.outDir, out);
    assert.equal(result.jobDir, '/shared/team ws/.finetune/cluster/sentiment-full');
    assert.deepEqual(fs.readdirSync(out).sort(), [...FILES].sort());
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')), {
      model: 'models/tiny-bert', data: 'data/sentiment_train.csv', strategy: 'full', settings: { epochs: 2 }, runsRoot: '.finetune/runs', device: 'cpu',
    });
    assert.match(fs.readFileSync(path.join(out, 'job.sbatch'), 'utf8'), /^#SBATCH --nodes=2$/m);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, path.join(out, 'README.md'));

    // Again: the files exist, so Replace is asked; dismissed, nothing changes.
    const before = fs.readFileSync(path.join(out, 'job.sbatch'), 'utf8');
    let warned = '';
    window.showWarningMessage = async (message: string) => {
      warned = message;
      return undefined;
    };
    const refused = await vscode.commands.executeCommand('finetuneStudio.runOnCluster', vscode.Uri.file(file), { nodes: 4, procsPerNode: 1, device: 'cpu', image: '', workDir: '/shared/team ws', outDir: '.finetune/cluster/sentiment-full' });
    assert.equal(refused, undefined);
    assert.match(warned, /already holds README.md, config.json, torchrun.sh, job.sbatch, pytorchjob.yaml/);
    assert.equal(fs.readFileSync(path.join(out, 'job.sbatch'), 'utf8'), before);
    window.showWarningMessage = async () => 'Replace';
    await vscode.commands.executeCommand('finetuneStudio.runOnCluster', vscode.Uri.file(file), { nodes: 4, procsPerNode: 1, device: 'cpu', image: '', workDir: '/shared/team ws', outDir: '.finetune/cluster/sentiment-full' });
    assert.match(fs.readFileSync(path.join(out, 'job.sbatch'), 'utf8'), /^#SBATCH --nodes=4$/m);
  });

  test('a run of the Runs view: its run.json configuration, named by its id (a letter first, as Kubernetes needs)', async function () {
    this.timeout(30_000);
    const dir = path.join(root(), '.finetune', 'runs', '20261208-041500-tiny-bert-lora');
    fs.mkdirSync(dir, { recursive: true });
    const at = new Date(Date.now() - 60_000).toISOString();
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({
      id: path.basename(dir), status: 'completed', createdAt: at, updatedAt: at, step: 10, totalSteps: 10,
      config: { model: path.join(root(), 'models', 'tiny-bert'), data: path.join(root(), 'data', 'sentiment_train.csv'), strategy: 'lora', runsRoot: path.join(root(), '.finetune', 'runs'), device: 'auto', settings: { epochs: 1, loraRank: 4 } },
    }));
    const result = (await vscode.commands.executeCommand('finetuneStudio.runOnCluster', { run: { dir } }, { nodes: 1, procsPerNode: 2, device: 'cuda', image: 'reg/fts:1', workDir: '/shared/ws', outDir: 'jobs/lora' })) as ClusterCommandResult;
    assert.ok(result);
    assert.equal(result.outDir, path.join(root(), 'jobs', 'lora'));
    const config = JSON.parse(fs.readFileSync(path.join(result.outDir, 'config.json'), 'utf8'));
    assert.deepEqual(config, { model: 'models/tiny-bert', data: 'data/sentiment_train.csv', strategy: 'lora', settings: { epochs: 1, loraRank: 4 }, runsRoot: '.finetune/runs', device: 'cuda' });
    assert.equal(result.jobDir, '/shared/ws/.finetune/cluster/run-20261208-041500-tiny-bert-lora');
    assert.match(fs.readFileSync(path.join(result.outDir, 'pytorchjob.yaml'), 'utf8'), /nvidia\.com\/gpu: 2/);
  });
});
