// Classification of selected text inside a real VS Code (extension host of code-server), with the generated tiny
// NLI model of the fixture workspace (models/tiny-nli-bert) as the zero-shot model. The commands return what they
// showed; the hover is read back through VS Code's own hover machinery (vscode.executeHoverProvider).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClassifyCommandResult } from '../../src/inference/classifyEditor';

const LABELS = ['sports', 'politics', 'cooking'];
const LINES = ['The striker scored twice in the final.', 'Parliament passed the budget late at night.', 'Simmer the sauce for ten minutes.'];

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open');
  return folder.uri.fsPath;
}

async function hoverText(doc: vscode.TextDocument, pos: vscode.Position): Promise<string[]> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).filter((t) => t.includes('Fine-Tune Studio'));
}

function lineRange(doc: vscode.TextDocument, line: number): vscode.Selection {
  return new vscode.Selection(line, 0, line, doc.lineAt(line).text.length);
}

suite('Classify selection in the editor', () => {
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;
  const zeroShot = () => vscode.workspace.getConfiguration('finetuneStudio.zeroShot');

  suiteSetup(async () => {
    await zeroShot().update('model', 'models/tiny-nli-bert', vscode.ConfigurationTarget.Workspace);
    await zeroShot().update('labels', LABELS, vscode.ConfigurationTarget.Workspace);
    await zeroShot().update('multiLabel', false, vscode.ConfigurationTarget.Workspace);
    const file = path.join(workspaceRoot(), 'notes.txt');
    fs.writeFileSync(file, `${LINES.join('\n')}\n`);
    doc = await vscode.workspace.openTextDocument(file);
    editor = await vscode.window.showTextDocument(doc);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    for (const key of ['model', 'labels', 'multiLabel']) await zeroShot().update(key, undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('zero-shot: every selection gets an inline label and a hover with all label scores', async () => {
    editor.selections = [lineRange(doc, 2), lineRange(doc, 0)];
    const result = await vscode.commands.executeCommand<ClassifyCommandResult>('finetuneStudio.classifySelection');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.ok(result, 'the command returned nothing');
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.task, 'zero-shot');
    assert.equal(result.model, path.join(workspaceRoot(), 'models', 'tiny-nli-bert'));
    assert.deepEqual(result.items.map((i) => i.text), [LINES[0], LINES[2]], 'selections are reported top to bottom');

    for (const [n, item] of result.items.entries()) {
      assert.deepEqual(item.scores.map((s) => s.label).sort(), [...LABELS].sort());
      const sum = item.scores.reduce((a, s) => a + s.score, 0);
      assert.ok(Math.abs(sum - 1) < 1e-6, `single-label scores sum to ${sum}`);
      const top = item.scores[0];
      assert.ok(item.scores.every((s) => s.score <= top.score));
      assert.equal(item.decoration, `⟵ ${top.label} ${top.score.toFixed(3)}`);

      // The hover VS Code shows over the selection: every label with its score, model and hypothesis.
      const line = n === 0 ? 0 : 2;
      const hovers = await hoverText(doc, new vscode.Position(line, 3));
      assert.equal(hovers.length, 1, `expected one Fine-Tune Studio hover on line ${line}, got ${hovers.length}`);
      assert.equal(hovers[0], item.hover);
      for (const s of item.scores) assert.ok(hovers[0].includes(`| ${s.label} | ${s.score.toFixed(3)} |`), `hover lacks ${s.label}: ${hovers[0]}`);
      assert.match(hovers[0], /single-label \(scores sum to 1\)/);
      assert.match(hovers[0], /Model: `models\/tiny-nli-bert`/);
      assert.match(hovers[0], /Hypothesis: `This example is \{\}\.`/);
    }
    assert.deepEqual(await hoverText(doc, new vscode.Position(1, 3)), [], 'the unselected line has no classification hover');
    // QuickPick: each selection's labels, best first, with scores.
    assert.deepEqual(result.quickPick, result.items.flatMap((i) => i.scores.map((s) => `${s.label} ${s.score.toFixed(3)}`)));
  });

  test('the model stays loaded in the worker: the next request is warm', async () => {
    editor.selections = [lineRange(doc, 1)];
    const result = await vscode.commands.executeCommand<ClassifyCommandResult>('finetuneStudio.classifySelection');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(result?.error, undefined, result?.error);
    assert.equal(result?.warm, true);
    assert.equal(result?.items.length, 1);
  });

  test('multi-label: labels scored independently, said so in the hover', async () => {
    await zeroShot().update('multiLabel', true, vscode.ConfigurationTarget.Workspace);
    try {
      editor.selections = [lineRange(doc, 0)];
      const result = await vscode.commands.executeCommand<ClassifyCommandResult>('finetuneStudio.classifySelection');
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      assert.ok(result && !result.error, result?.error);
      const sum = result.items[0].scores.reduce((a, s) => a + s.score, 0);
      assert.ok(Math.abs(sum - 1) > 1e-3, `multi-label scores sum to ${sum}, as if normalised`);
      assert.ok(result.items[0].scores.every((s) => s.score > 0 && s.score < 1));
      const [hover] = await hoverText(doc, new vscode.Position(0, 1));
      assert.match(hover, /multi-label \(each label scored on its own\)/);
    } finally {
      await zeroShot().update('multiLabel', false, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('finetuneStudio.device reaches the inference worker: auto runs on the CPU here, cuda without its library fails', async () => {
    const device = () => vscode.workspace.getConfiguration('finetuneStudio');
    editor.selections = [lineRange(doc, 0)];
    const auto = await vscode.commands.executeCommand<ClassifyCommandResult>('finetuneStudio.classifySelection');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.ok(auto && !auto.error, auto?.error);
    // CI installs onnxruntime-node without its CUDA provider library, so auto falls back to the CPU (and says why).
    assert.equal(auto.device, 'cpu');
    await device().update('device', 'cuda', vscode.ConfigurationTarget.Workspace);
    try {
      const cuda = await vscode.commands.executeCommand<ClassifyCommandResult>('finetuneStudio.classifySelection');
      assert.ok(cuda?.error, 'an explicit cuda without its provider library must not run silently on the CPU');
      assert.match(cuda.error, /finetuneStudio\.device is "cuda" but .*libonnxruntime_providers_cuda/);
    } finally {
      await device().update('device', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('editing a classified selection removes its stale result', async () => {
    editor.selections = [lineRange(doc, 0), lineRange(doc, 2)];
    const result = await vscode.commands.executeCommand<ClassifyCommandResult>('finetuneStudio.classifySelection');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(result?.items.length, 2);
    assert.equal((await hoverText(doc, new vscode.Position(2, 1))).length, 1);
    await editor.edit((b) => b.insert(new vscode.Position(2, 0), 'Quickly: '));
    assert.deepEqual(await hoverText(doc, new vscode.Position(2, 12)), [], 'the edited selection keeps no hover');
    assert.equal((await hoverText(doc, new vscode.Position(0, 1))).length, 1, 'the untouched selection keeps its hover');
    await editor.edit((b) => b.delete(new vscode.Range(2, 0, 2, 'Quickly: '.length)));
  });

  test('with a fine-tuned model: a run\'s exported model folder, text-classification over its id2label', async () => {
    // An exported run folder (.finetune/runs/<id>/model) as fine-tuning writes it; the tiny NLI model stands in.
    const runModel = path.join(workspaceRoot(), '.finetune', 'runs', 'integration-classify', 'model');
    fs.cpSync(path.join(workspaceRoot(), 'models', 'tiny-nli-bert'), runModel, { recursive: true });
    editor.selections = [lineRange(doc, 1)];
    const result = await vscode.commands.executeCommand<ClassifyCommandResult>('finetuneStudio.classifyWithModel', runModel);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.ok(result && !result.error, result?.error);
    assert.equal(result.task, 'text-classification');
    assert.equal(result.model, runModel);
    const [item] = result.items;
    assert.deepEqual(item.scores.map((s) => s.label).sort(), ['contradiction', 'entailment', 'neutral']);
    const sum = item.scores.reduce((a, s) => a + s.score, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `softmax scores sum to ${sum}`);
    const [hover] = await hoverText(doc, new vscode.Position(1, 2));
    assert.equal(hover, item.hover);
    assert.match(hover, /fine-tuned classifier/);
    assert.match(hover, /Model: `run integration-classify`/);
  });

  test('inference ran outside the extension host: no onnxruntime or transformers.js loaded here', () => {
    const heavy = Object.keys(require.cache).filter((m) => /onnxruntime|@huggingface[\\/]transformers/.test(m));
    assert.deepEqual(heavy, []);
  });
});
