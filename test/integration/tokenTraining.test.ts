// Inside VS Code: NER and extractive QA runs started from the extension (the task is not given: the worker reads it off
// the dataset's shape, as the form and quick pick preset it) train in the worker, beat a trivial baseline, and appear in
// the Runs view as completed with their headline metric.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../src/extension';

interface Eval { type: string; metrics: Record<string, number>; perClass?: { label: string }[]; confusionLabels?: string[] }

const evals = (runDir: string): Eval[] =>
  fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Eval).filter((e) => e.type === 'eval');

suite('Token tasks from VS Code', () => {
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const api = () => vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.exports;

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
  });
});
