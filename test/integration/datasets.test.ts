// Inside VS Code: the Datasets view summarises the fixture datasets (detected columns, classes, token lengths).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../src/extension';

suite('Datasets view', () => {
  let api: Api;
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  suiteSetup(async () => {
    await vscode.commands.executeCommand('finetuneStudio.refreshDatasets');
    api = vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.exports;
  });

  test('lists the fixture datasets with their detected text and label columns', async () => {
    const items = await api.datasets.getChildren();
    const byName = new Map(items.map((i) => [String(i.label), i]));
    assert.match(String(byName.get('sentiment_train.csv')?.description), /^csv · 800 rows · text → label · 2 classes$/);
    assert.match(String(byName.get('sentiment.jsonl')?.description), /^jsonl · [\d,]+ rows · text → label · 2 classes$/);
    assert.match(String(byName.get('reviews.txt')?.description), /^text \(MLM\) · [\d,]+ rows · text \(unlabeled\)$/);
    const facts = await api.datasets.getChildren(byName.get('sentiment_train.csv'));
    const fact = (label: string) => facts.find((f) => f.label === label)?.description;
    assert.equal(fact('Columns'), 'text, label');
    assert.match(String(fact('Label distribution')), /^negative: [\d,]+ · positive: [\d,]+$/);
    assert.equal(fact('Tokens'), undefined, 'no tokenizer chosen yet');
  });

  test('token lengths appear once a tokenizer is chosen', async () => {
    await vscode.commands.executeCommand('finetuneStudio.chooseDatasetTokenizer', path.join(root(), 'models', 'tiny-bert'));
    const item = (await api.datasets.getChildren()).find((i) => i.label === 'sentiment_train.csv');
    const tokens = (await api.datasets.getChildren(item)).find((f) => f.label === 'Tokens')?.description;
    assert.match(String(tokens), /^average \d+\.\d, max \d+$/);
  });
});
