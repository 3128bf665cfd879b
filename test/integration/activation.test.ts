// Runs inside the extension host of a real VS Code, on a copy of the generated fixture workspace
// (models/tiny-bert, models/tiny-roberta, models/tiny-distilbert, ..., data/*.csv, data/*.jsonl). Named to sort
// first (index.ts loads files alphabetically) so activation is observed before other suites trigger it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { activate } from '../../src/extension';

type Api = ReturnType<typeof activate>;

const EXTENSION_ID = 'finetune-studio.finetune-studio';
/** Model folders the fixture generator promises (scripts/fixtures/generate.ts; it makes more): name → model_type. */
const FIXTURE_MODELS: Record<string, string> = { 'tiny-bert': 'bert', 'tiny-distilbert': 'distilbert', 'tiny-roberta': 'roberta' };

function extension(): vscode.Extension<Api> {
  const ext = vscode.extensions.getExtension<Api>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open');
  return folder.uri.fsPath;
}

/** Loaded module paths of this extension-host process (CommonJS cache, where a bundle's require() lands). */
function loadedModules(): string[] {
  return Object.keys(require.cache);
}

function versionTuple(v: string): number[] {
  return v.replace(/^[^\d]*/, '').split('.').map((n) => parseInt(n, 10));
}

suite('Fine-Tune Studio in VS Code', () => {
  let api: Api;

  test('runs in a VS Code that satisfies engines.vscode', () => {
    console.log(`vscode.version ${vscode.version} (uiKind ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}, appHost ${vscode.env.appHost})`);
    const required = versionTuple(extension().packageJSON.engines.vscode as string);
    const actual = versionTuple(vscode.version);
    const cmp = actual.map((n, i) => n - (required[i] ?? 0)).find((d) => d !== 0) ?? 0;
    assert.ok(cmp >= 0, `VS Code ${vscode.version} is older than engines.vscode ${extension().packageJSON.engines.vscode}`);
  });

  test('activates when one of its commands runs', async () => {
    const ext = extension();
    // This file sorts first, so nothing has activated the extension yet: opening the workbench must not.
    assert.equal(ext.isActive, false, 'the extension activated before any of its commands or views was used');
    await vscode.commands.executeCommand('finetuneStudio.refreshModels');
    assert.equal(ext.isActive, true);
    api = ext.exports;
    assert.equal(typeof api.models.findModels, 'function');
  });

  test('registers every contributed command', async () => {
    const contributed = (extension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length >= 5, `only ${contributed.length} commands in package.json`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });

  test('Models view finds the fixture model folders with their model_type', async () => {
    const models = await api.models.findModels();
    const found = Object.fromEntries(models.map((m) => [path.basename(m.dir), m.modelType]));
    for (const [name, type] of Object.entries(FIXTURE_MODELS)) {
      assert.equal(found[name], type, `model folder models/${name}: expected model_type ${type}, found ${JSON.stringify(found)}`);
    }
    const sections = await api.models.getChildren();
    // "Hub results" joins them once a search ran (another suite may have searched).
    assert.deepEqual(sections.map((s) => s.label).filter((l) => l !== 'Hub results'), ['Downloaded', 'Workspace', 'Fine-tuned']);
    const items = await api.models.getChildren(sections.find((s) => s.label === 'Workspace'));
    assert.deepEqual(items.map((i) => i.label).filter((l) => typeof l === 'string' && l in FIXTURE_MODELS).sort(), Object.keys(FIXTURE_MODELS).sort());
  });

  test('Datasets view finds the data files and no model/tokenizer JSON', async () => {
    const dataDir = path.join(workspaceRoot(), 'data');
    const onDisk = fs.readdirSync(dataDir).filter((f) => /\.(csv|jsonl)$/.test(f)).map((f) => path.join(dataDir, f));
    assert.ok(onDisk.some((f) => f.endsWith('.csv')) && onDisk.some((f) => f.endsWith('.jsonl')), `fixture data/ lacks a .csv or .jsonl: ${onDisk}`);
    const found = (await api.datasets.findDatasets()).map((u) => u.fsPath);
    for (const file of onDisk) assert.ok(found.includes(file), `${file} is not in the Datasets view (${found.join(', ')})`);
    const configs = found.filter((f) => /^(config|tokenizer|tokenizer_config|special_tokens_map)\.json$/.test(path.basename(f)));
    assert.deepEqual(configs, []);
  });

  test('Runs view lists a run folder written to .finetune/runs', () => {
    const id = `2026-01-01T00-00-00-integration-${process.pid}`;
    const dir = path.join(workspaceRoot(), '.finetune', 'runs', id);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(
        path.join(dir, 'run.json'),
        JSON.stringify({ status: 'completed', config: { model: path.join(workspaceRoot(), 'models', 'tiny-bert'), strategy: 'full' }, bestMetric: { name: 'accuracy', value: 0.75 } }),
      );
      const run = api.runs.listRuns().find((r) => r.id === id);
      assert.ok(run, `run ${id} not listed; listed: ${api.runs.listRuns().map((r) => r.id).join(', ')}`);
      assert.equal(run.status, 'completed');
      assert.equal(run.strategy, 'full');
      assert.deepEqual(run.bestMetric, { name: 'accuracy', value: 0.75 });
      const item = api.runs.getChildren().find((i) => i.label === id);
      assert.match(String(item?.description), /completed · full · tiny-bert · best accuracy 0\.7500/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('activation loads neither onnxruntime-node nor transformers.js', () => {
    assert.equal(extension().isActive, true);
    const heavy = loadedModules().filter((m) => /onnxruntime|@huggingface[\\/]transformers|[\\/]sharp[\\/]/.test(m));
    assert.deepEqual(heavy, [], 'activation must stay light: training and inference load these in child processes');
    const nativeAddons = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList?.filter((m) => /onnxruntime/.test(m)) ?? [];
    assert.deepEqual(nativeAddons, []);
  });
});
