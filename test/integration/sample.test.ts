// Inside VS Code: the walkthrough's commands. "Add the sample" copies the bundled tiny model and reviews into the
// workspace, where the views pick them up as any other model folder and dataset; every command a walkthrough step
// links to exists.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../src/extension';

const EXTENSION_ID = 'finetune-studio.finetune-studio';

suite('Walkthrough sample', () => {
  let api: Api;
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const sample = () => path.join(root(), 'finetune-sample');

  suiteSetup(async () => {
    await vscode.commands.executeCommand('finetuneStudio.refreshModels');
    api = vscode.extensions.getExtension<Api>(EXTENSION_ID)!.exports;
  });
  // Other suites count the fixture workspace's models and datasets.
  suiteTeardown(() => fs.rmSync(sample(), { recursive: true, force: true }));

  test('each walkthrough step links to a registered command and has its media file', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const walkthroughs = ext.packageJSON.contributes.walkthroughs as { steps: { id: string; description: string; media: { markdown?: string }; completionEvents: string[] }[] }[];
    assert.equal(walkthroughs.length, 1);
    const steps = walkthroughs[0].steps;
    assert.equal(steps.length, 3);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.equal(linked.length, 1, `${step.id} links one command`);
      assert.ok(registered.has(linked[0]), `${step.id} links ${linked[0]}, which is not registered`);
      // The first two are done by their own button; the last by a run starting (from the form's Start).
      const done = step.id === 'startAndWatch' ? ['onContext:finetuneStudio.runStarted'] : [`onCommand:${linked[0]}`];
      assert.deepEqual(step.completionEvents, done, `${step.id} completion`);
      assert.ok(step.media.markdown && fs.existsSync(path.join(ext.extensionPath, step.media.markdown)), `${step.id} media ${step.media.markdown}`);
    }
  });

  test('"Add the sample" copies a trainable model and the review CSVs that the views then list', async () => {
    assert.equal(fs.existsSync(sample()), false);
    const paths = (await vscode.commands.executeCommand('finetuneStudio.addSample')) as { model: string; train: string; test: string };
    assert.equal(paths.model, path.join(sample(), 'models', 'tiny-bert'));
    assert.ok(fs.existsSync(path.join(paths.model, 'model.safetensors')) && fs.existsSync(path.join(paths.model, 'tokenizer.json')));
    // The training CSV is opened so the user sees what the model learns from.
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, paths.train);
    const models = await api.models.findModels();
    assert.ok(models.some((m) => m.dir === paths.model), `Models view lacks ${paths.model}: ${models.map((m) => m.dir).join(', ')}`);
    const datasets = (await api.datasets.findDatasets()).map((u) => u.fsPath);
    assert.ok(datasets.includes(paths.train) && datasets.includes(paths.test), datasets.join(', '));
  });

  test('adding it again leaves an edited file alone', async () => {
    const train = path.join(sample(), 'data', 'sentiment_train.csv');
    fs.writeFileSync(train, 'text,label\nedited,positive\n');
    await vscode.commands.executeCommand('finetuneStudio.addSample');
    assert.equal(fs.readFileSync(train, 'utf8'), 'text,label\nedited,positive\n');
  });
});
