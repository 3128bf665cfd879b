// Inside VS Code: NER and extractive QA runs started from the extension (the task is not given: the worker reads it off
// the dataset's shape, as the form and quick pick preset it) train in the worker, beat a trivial baseline, and appear in
// the Runs view as completed with their headline metric.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../src/extension';
import type { AnswerCommandResult } from '../../src/inference/askQuestion';
import type { EntitiesCommandResult } from '../../src/inference/entityCommand';
import { normalizeAnswer } from '../../src/training/worker/squadMetrics';

/** CoNLL sentences (token … tag per line, blank line between, -DOCSTART- skipped) as tokens and IOB2 tags. */
function conllSentences(file: string): { tokens: string[]; tags: string[] }[] {
  const out: { tokens: string[]; tags: string[] }[] = [{ tokens: [], tags: [] }];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (!line.trim() || cols[0] === '-DOCSTART-') {
      if (out.at(-1)!.tokens.length) out.push({ tokens: [], tags: [] });
      continue;
    }
    out.at(-1)!.tokens.push(cols[0]);
    out.at(-1)!.tags.push(cols.at(-1)!);
  }
  return out.filter((s) => s.tokens.length);
}

/** The (type, text) pairs of an IOB2 sentence's entities, words joined by one space. */
function goldEntities(s: { tokens: string[]; tags: string[] }): string[] {
  const out: string[] = [];
  s.tags.forEach((t, i) => {
    if (!t.startsWith('B-')) return;
    let j = i + 1;
    while (j < s.tags.length && s.tags[j] === `I-${t.slice(2)}`) j++;
    out.push(`${t.slice(2)}:${s.tokens.slice(i, j).join(' ')}`);
  });
  return out;
}

interface Eval { type: string; metrics: Record<string, number>; perClass?: { label: string }[]; confusionLabels?: string[] }

const evals = (runDir: string): Eval[] =>
  fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Eval).filter((e) => e.type === 'eval');

suite('Token tasks from VS Code', () => {
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const api = () => vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.exports;
  // Run alone (FTS_INTEGRATION_ONLY) no other suite has activated the extension yet.
  suiteSetup(() => vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.activate());

  async function run(data: string, settings: Record<string, unknown>): Promise<string> {
    const done = await api().startRun({
      model: path.join(root(), 'models', 'tiny-bert'), data: path.join(root(), 'data', data), strategy: 'full', device: 'cpu',
      settings: { batchSize: 16, learningRate: 3e-3, threads: 1, ...settings },
    });
    assert.ok(done && done.type === 'done' && done.status === 'completed', `run did not complete: ${JSON.stringify(done)}`);
    return done.runDir;
  }

  test('NER on CoNLL files: entity F1 above the all-O baseline (0), per entity type', async function () {
    this.timeout(300_000);
    const runDir = await run('ner/train.conll', { epochs: 6, maxLength: 64 });
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    assert.equal(record.dataset.task, 'token-classification');
    const last = evals(runDir).at(-1)!;
    assert.ok(last.metrics.f1 > 0.5, `entity F1 ${last.metrics.f1}`);
    assert.ok((last.perClass?.length ?? 0) >= 3, 'one row per entity type');
    assert.equal(last.confusionLabels?.[0], 'O');
    const listed = api().runs.listRuns().find((r) => r.dir === runDir);
    assert.equal(listed?.status, 'completed');

    // "Extract entities from selection" with the run's export on validation sentences it never trained on.
    const sentences = conllSentences(path.join(root(), 'data', 'ner', 'validation.conll')).filter((x) => goldEntities(x).length).slice(0, 12);
    const doc = await vscode.workspace.openTextDocument({ content: sentences.map((x) => x.tokens.join(' ')).join('\n') });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selections = [new vscode.Selection(0, 0, doc.lineCount - 1, doc.lineAt(doc.lineCount - 1).text.length)];
    const shown = await vscode.commands.executeCommand<EntitiesCommandResult>('finetuneStudio.extractEntities', path.join(runDir, 'model'));
    assert.equal(shown?.error, undefined, shown?.error);
    const predicted = new Set(shown!.items.flatMap((i) => i.entities.map((e) => `${e.type}:${e.text}`)));
    const gold = sentences.flatMap(goldEntities);
    const hits = gold.filter((g) => predicted.has(g)).length;
    assert.ok(hits / gold.length > 0.5, `found ${hits} of ${gold.length} gold entities (${[...predicted].join(', ')})`);
    // Each highlight covers its text in the document.
    for (const e of shown!.items.flatMap((i) => i.entities)) {
      assert.equal(doc.getText(new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character)), e.text);
    }
    await vscode.commands.executeCommand('finetuneStudio.clearTokenHighlights');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('extractive QA on SQuAD files: exact match above answering with the most frequent answer', async function () {
    this.timeout(300_000);
    const runDir = await run('qa/squad_train.json', { epochs: 8, maxLength: 128 });
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    assert.equal(record.dataset.task, 'question-answering');
    // The baseline from the validation file itself: the most frequent gold answer, given to every question.
    const validation = JSON.parse(fs.readFileSync(path.join(root(), 'data', 'qa', 'squad_validation.json'), 'utf8')) as { data: { paragraphs: { qas: { answers: { text: string }[] }[] }[] }[] };
    const golds = validation.data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((q) => q.answers.map((x) => x.text.toLowerCase()))));
    const counts = new Map<string, number>();
    for (const g of golds) counts.set(g[0], (counts.get(g[0]) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    const baseline = (100 * golds.filter((g) => g.includes(top)).length) / golds.length;
    const last = evals(runDir).at(-1)!;
    assert.ok(last.metrics.exactMatch > baseline + 20, `EM ${last.metrics.exactMatch} vs most-frequent-answer ${baseline.toFixed(1)}`);

    // "Ask a question about the selection" with the run's export: the context selected, the answer highlighted in it.
    const paragraphs = (validation as unknown as { data: { paragraphs: { context: string; qas: { question: string; answers: { text: string }[] }[] }[] }[] })
      .data.flatMap((a) => a.paragraphs).slice(0, 10);
    let right = 0;
    for (const p of paragraphs) {
      const doc = await vscode.workspace.openTextDocument({ content: p.context });
      const editor = await vscode.window.showTextDocument(doc);
      editor.selections = [new vscode.Selection(0, 0, doc.lineCount - 1, doc.lineAt(doc.lineCount - 1).text.length)];
      const q = p.qas[0];
      const shown = await vscode.commands.executeCommand<AnswerCommandResult>('finetuneStudio.askQuestion', path.join(runDir, 'model'), q.question);
      assert.equal(shown?.error, undefined, shown?.error);
      const answer = shown?.result?.answer;
      if (answer && shown.answerRange) {
        const r = shown.answerRange;
        assert.equal(doc.getText(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character)), answer.text, 'the highlight covers the answer');
        if (q.answers.some((a) => normalizeAnswer(a.text) === normalizeAnswer(answer.text))) right++;
      }
      await vscode.commands.executeCommand('finetuneStudio.clearTokenHighlights');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    assert.ok(right >= 5, `${right} of ${paragraphs.length} questions answered exactly from the editor`);
  });
});
