// Inside VS Code: search a loopback Hub, download a model into the HF cache layout, fine-tune it on the fixture
// dataset in the worker process, and find the run in the Runs view.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../src/extension';
import type { HubModelSummary, SnapshotDownloadResult } from '../../src/hub';
import { filesFromFolder, HubTestServer } from '../support/hubServer';

suite('Hub → download → fine-tune → Runs', () => {
  let server: HubTestServer;
  let api: Api;
  let cacheDir: string;
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  suiteSetup(async () => {
    server = await HubTestServer.start([
      { id: 'test-org/tiny-bert-sentiment', files: filesFromFolder(path.join(root(), 'models', 'tiny-bert')), meta: { pipeline_tag: 'text-classification', downloads: 1234, likes: 5, license: 'apache-2.0', parameters: 86434 } },
      { id: 'test-org/other-model', files: { 'config.json': '{"model_type":"bert"}' }, meta: { pipeline_tag: 'fill-mask', downloads: 3 } },
    ]);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hf-cache-'));
    const cfg = vscode.workspace.getConfiguration('finetuneStudio');
    await cfg.update('hub.endpoint', server.url, vscode.ConfigurationTarget.Global);
    await cfg.update('cacheFolder', cacheDir, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('finetuneStudio.refreshModels');
    api = vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.exports;
  });

  suiteTeardown(async () => {
    const cfg = vscode.workspace.getConfiguration('finetuneStudio');
    await cfg.update('hub.endpoint', undefined, vscode.ConfigurationTarget.Global);
    await cfg.update('cacheFolder', undefined, vscode.ConfigurationTarget.Global);
    await server.close();
  });

  test('search filters by task and shows the Hub results section', async () => {
    const results = (await vscode.commands.executeCommand('finetuneStudio.searchHub', { query: 'test-org', task: 'text-classification', sort: 'downloads' })) as HubModelSummary[];
    assert.deepEqual(results.map((r) => r.id), ['test-org/tiny-bert-sentiment']);
    assert.equal(results[0].license, 'apache-2.0');
    const sections = await api.models.getChildren();
    assert.equal(sections[0].label, 'Hub results');
    const hubItems = await api.models.getChildren(sections[0]);
    assert.equal(hubItems[0].label, 'test-org/tiny-bert-sentiment');
    assert.match(String(hubItems[0].description), /86\.4k params · ↓1\.2k · ♥5/);
  });

  test('download writes the HF cache layout and the model appears under Downloaded', async () => {
    const answer = (await vscode.commands.executeCommand('finetuneStudio.downloadModel', 'test-org/tiny-bert-sentiment')) as SnapshotDownloadResult | { error: string } | undefined;
    assert.ok(answer && !('error' in answer), `download failed: ${JSON.stringify(answer)}`);
    const result = answer;
    assert.equal(result.snapshotDir, path.join(cacheDir, 'models--test-org--tiny-bert-sentiment', 'snapshots', result.commit));
    assert.equal(fs.readFileSync(path.join(cacheDir, 'models--test-org--tiny-bert-sentiment', 'refs', 'main'), 'utf8').trim(), result.commit);
    assert.ok(fs.lstatSync(path.join(result.snapshotDir, 'model.safetensors')).isSymbolicLink());
    const sections = await api.models.getChildren();
    const downloaded = await api.models.getChildren(sections.find((s) => s.label === 'Downloaded'));
    assert.ok(downloaded.some((i) => i.label === 'test-org/tiny-bert-sentiment'), `Downloaded lists ${downloaded.map((i) => i.label)}`);
  });

  test('fine-tuning the downloaded model in the worker adds a completed run to Runs', async function () {
    this.timeout(180_000);
    const snapshot = path.join(cacheDir, 'models--test-org--tiny-bert-sentiment', 'snapshots', server.commitOf('test-org/tiny-bert-sentiment'));
    const done = await api.startRun({
      model: snapshot, data: path.join(root(), 'data', 'sentiment_train.csv'), strategy: 'feature-extraction',
      device: 'cpu', settings: { epochs: 2, maxLength: 32, learningRate: 1e-2 },
    });
    assert.ok(done && done.type === 'done', `run did not finish: ${JSON.stringify(done)}`);
    assert.equal(done.status, 'completed');
    const run = api.runs.listRuns().find((r) => r.dir === done.runDir);
    assert.ok(run, `run ${done.runDir} is not in the Runs view`);
    assert.equal(run.status, 'completed');
    assert.equal(run.strategy, 'feature-extraction');
    assert.ok(fs.existsSync(path.join(done.runDir, 'model', 'onnx', 'model.onnx')));
  });
});
