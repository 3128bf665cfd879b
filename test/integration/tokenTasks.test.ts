// Entities and answers in a real VS Code (extension host of code-server): the commands run a token-classification
// and a question-answering export on selections of a document, and what they show (ranges, labels, hovers read back
// through vscode.executeHoverProvider) must equal what the same models give outside VS Code for the same text,
// computed by a forked plain-Node process (tokenTasksReference.ts) so onnxruntime never loads into this host.
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnswerCommandResult } from '../../src/inference/askQuestion';
import type { EntitiesCommandResult } from '../../src/inference/entityCommand';
import { answerHoverMarkdown, answerMessage } from '../../src/inference/answerPresentation';
import { entityHoverMarkdown, entitySummary } from '../../src/inference/entityPresentation';
import type { AnswerResult, EntityResult } from '../../src/inference/protocol';
import type { Request } from './tokenTasksReference';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open');
  return folder.uri.fsPath;
}

// The models under test, one constant each: exports built below from the tiny fixture BERT when absent. Point these
// at real trained exports (a run's model/ folder) to test those instead; the expectations are computed, not written.
const NER_MODEL = () => path.join(workspaceRoot(), '.finetune', 'runs', 'integration-ner', 'model');
const QA_MODEL = () => path.join(workspaceRoot(), '.finetune', 'runs', 'integration-qa', 'model');
const NER_LABELS = ['O', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER'];

const LINES = [
  'Notes from the meeting.',
  'Yesterday Angela Merkel met Emmanuel Macron (Élysée) in Paris, then flew',
  'to Berlin with the U.S. delegation from Washington.',
  'The Red Cross opened an office near the Eiffel Tower.',
];

/** Runs tokenTasksReference.js in plain Node (ELECTRON_RUN_AS_NODE for desktop VS Code, where execPath is Electron). */
function reference<T>(request: Request): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = child_process.fork(path.join(__dirname, 'tokenTasksReference.js'), [JSON.stringify(request)], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    let reply: { ok: boolean; value?: T; error?: string } | undefined;
    child.on('message', (m) => (reply = m as typeof reply));
    child.on('exit', (code) => {
      if (reply?.ok) resolve(reply.value as T);
      else reject(new Error(`reference ${request.kind} failed (exit ${code}): ${reply?.error ?? output}`));
    });
  });
}

async function hoverText(doc: vscode.TextDocument, pos: vscode.Position, marker: string): Promise<string[]> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).filter((t) => t.includes(marker));
}

/** Document range of chars [start, end) of the text selected at `sel`, computed by VS Code itself. */
function docRange(doc: vscode.TextDocument, sel: vscode.Range, start: number, end: number) {
  const base = doc.offsetAt(sel.start);
  const a = doc.positionAt(base + start);
  const b = doc.positionAt(base + end);
  return { start: { line: a.line, character: a.character }, end: { line: b.line, character: b.character } };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5, `${what}: ${a} in VS Code, ${b} outside`);

suite('Entities and answers in the editor (token-classification and question-answering exports)', function () {
  // Building two exports and a plain-Node reference per test take a few seconds each on a busy machine.
  this.timeout(180_000);
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;

  suiteSetup(async () => {
    const base = path.join(workspaceRoot(), 'models', 'tiny-bert');
    if (!fs.existsSync(path.join(NER_MODEL(), 'onnx', 'model.onnx'))) {
      await reference({ kind: 'build', base, outDir: NER_MODEL(), head: 'token-classification', labels: NER_LABELS, seed: 7 });
    }
    if (!fs.existsSync(path.join(QA_MODEL(), 'onnx', 'model.onnx'))) {
      await reference({ kind: 'build', base, outDir: QA_MODEL(), head: 'question-answering', seed: 11 });
    }
    const file = path.join(workspaceRoot(), 'token-tasks.txt');
    fs.writeFileSync(file, `${LINES.join('\n')}\n`);
    doc = await vscode.workspace.openTextDocument(file);
    editor = await vscode.window.showTextDocument(doc);
  });

  teardown(() => vscode.commands.executeCommand('finetuneStudio.clearTokenHighlights'));

  test('entities of a multi-line selection and a second one: the same spans, types and scores as outside VS Code, with hovers', async () => {
    // From mid-line 1 to mid-line 2 (multi-line, not starting at column 0), and all of line 3.
    const first = new vscode.Selection(1, 'Yesterday '.length, 2, 'to Berlin with the U.S. delegation'.length);
    const second = new vscode.Selection(3, 0, 3, LINES[3].length);
    editor.selections = [second, first];
    const result = await vscode.commands.executeCommand<EntitiesCommandResult>('finetuneStudio.extractEntities', NER_MODEL());
    assert.ok(result, 'the command returned nothing');
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.model, NER_MODEL());
    assert.equal(result.modelName, 'run integration-ner');
    assert.equal(result.device, 'cpu');

    const texts = [first, second].map((s) => doc.getText(s));
    assert.deepEqual(result.items.map((i) => i.text), texts, 'selections are reported top to bottom');
    const expected = await reference<EntityResult[]>({ kind: 'entities', folder: NER_MODEL(), texts });
    const all = expected.flatMap((r) => r.entities);
    // Preconditions on the built model, so the assertions below are not vacuous.
    assert.ok(all.length >= 2, `the model found only ${all.length} entities: ${JSON.stringify(expected)}`);

    for (const [n, item] of result.items.entries()) {
      const want = expected[n];
      const sel = n === 0 ? first : second;
      assert.equal(item.words, want.words);
      assert.deepEqual(item.entities.map((e) => [e.type, e.start, e.end, e.text]), want.entities.map((e) => [e.type, e.start, e.end, e.text]));
      for (const [k, e] of item.entities.entries()) {
        close(e.score, want.entities[k].score, `score of ${e.type} "${e.text}"`);
        assert.deepEqual(e.range, docRange(doc, sel, e.start, e.end), `document range of "${e.text}"`);
        assert.equal(doc.getText(new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character)), e.text);
        assert.equal(e.label, e.type);
        assert.match(e.colour, /^charts\./);
        assert.equal(e.hover, entityHoverMarkdown(e, 'run integration-ner'));
        // The hover VS Code shows at the entity's first and last character.
        const at = new vscode.Position(e.range.start.line, e.range.start.character);
        assert.deepEqual(await hoverText(doc, at, 'entity `'), [e.hover]);
        const last = doc.positionAt(doc.offsetAt(new vscode.Position(e.range.end.line, e.range.end.character)) - 1);
        assert.deepEqual(await hoverText(doc, last, 'entity `'), [e.hover]);
      }
    }
    // One colour per type, different types different colours (fewer types than colours here).
    const colourOf = new Map(result.items.flatMap((i) => i.entities.map((e) => [e.type, e.colour] as const)));
    assert.equal(new Set(colourOf.values()).size, colourOf.size);
    assert.equal(result.message, entitySummary(expected, 'run integration-ner'));
    // Text outside every entity has no entity hover (line 0 was not selected at all).
    assert.deepEqual(await hoverText(doc, new vscode.Position(0, 2), 'entity `'), []);
  });

  test('an edit before an entity drops the stale highlights; the clear command drops the rest', async () => {
    const sel = new vscode.Selection(1, 0, 3, LINES[3].length);
    editor.selections = [sel];
    const result = await vscode.commands.executeCommand<EntitiesCommandResult>('finetuneStudio.extractEntities', NER_MODEL());
    assert.ok(result && !result.error, result?.error);
    const entities = result.items[0].entities;
    assert.ok(entities.length >= 2, `need two entities, got ${entities.length}`);
    const pos = (e: (typeof entities)[number]) => new vscode.Position(e.range.start.line, e.range.start.character);
    const lastEntity = entities[entities.length - 1];
    assert.equal((await hoverText(doc, pos(lastEntity), 'entity `')).length, 1);
    // Typing on the last entity's line, before it: that entity (and any after the edit) lose their highlight.
    const insertAt = new vscode.Position(lastEntity.range.start.line, 0);
    const before = entities.filter((e) => e.range.end.line < insertAt.line);
    assert.ok(before.length > 0, `no entity above line ${insertAt.line}: ${JSON.stringify(entities.map((e) => e.range))}`);
    await editor.edit((b) => b.insert(insertAt, 'X '));
    try {
      assert.deepEqual(await hoverText(doc, pos(lastEntity).translate(0, 2), 'entity `'), []);
      for (const e of before) assert.equal((await hoverText(doc, pos(e), 'entity `')).length, 1, `"${e.text}" before the edit keeps its hover`);
      await vscode.commands.executeCommand('finetuneStudio.clearTokenHighlights');
      assert.deepEqual(await hoverText(doc, pos(before[0]), 'entity `'), []);
    } finally {
      await editor.edit((b) => b.delete(new vscode.Range(insertAt, insertAt.translate(0, 2))));
    }
  });

  test('a question about a multi-line selection: the answer span, score and hover are what the model gives outside VS Code', async () => {
    const sel = new vscode.Selection(1, 'Yesterday '.length, 3, LINES[3].length);
    editor.selections = [sel];
    const question = 'Where did Angela Merkel meet Emmanuel Macron?';
    const result = await vscode.commands.executeCommand<AnswerCommandResult>('finetuneStudio.askQuestion', QA_MODEL(), question);
    assert.ok(result, 'the command returned nothing');
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.modelName, 'run integration-qa');
    const context = doc.getText(sel);
    assert.equal(result.context?.text, context);
    const expected = await reference<AnswerResult>({ kind: 'answer', folder: QA_MODEL(), question, context });
    const got = result.result;
    assert.ok(got);
    close(got.nullScore, expected.nullScore, 'null score');
    assert.deepEqual(got.nBest.map((s) => [s.text, s.start, s.end]), expected.nBest.map((s) => [s.text, s.start, s.end]));
    assert.equal(result.message, answerMessage(got, 'run integration-qa'));
    if (!expected.answer) {
      assert.equal(got.answer, undefined);
      assert.equal(result.answerRange, undefined);
      assert.match(result.message ?? '', /^No answer in the selection/);
      return;
    }
    assert.ok(got.answer, `VS Code found no answer; outside it the answer is "${expected.answer.text}"`);
    assert.deepEqual([got.answer.text, got.answer.start, got.answer.end], [expected.answer.text, expected.answer.start, expected.answer.end]);
    close(got.answer.score, expected.answer.score, 'answer score');
    assert.equal(got.answer.text, context.slice(got.answer.start, got.answer.end));
    assert.deepEqual(result.answerRange, docRange(doc, sel, expected.answer.start, expected.answer.end));
    assert.equal(result.hover, answerHoverMarkdown(got, 'run integration-qa'));
    const r = result.answerRange;
    assert.ok(r);
    assert.deepEqual(await hoverText(doc, new vscode.Position(r.start.line, r.start.character), 'answer to `'), [result.hover]);
    assert.deepEqual(await hoverText(doc, new vscode.Position(0, 1), 'answer to `'), [], 'no answer hover outside the span');
  });

  test('a model of the wrong kind is refused with a message that names the file and what it needs', async () => {
    editor.selections = [new vscode.Selection(1, 0, 1, 10)];
    const result = await vscode.commands.executeCommand<EntitiesCommandResult>('finetuneStudio.extractEntities', QA_MODEL());
    assert.ok(result?.error);
    assert.match(result.error, /config\.json: architectures is \["BertForQuestionAnswering"\]; token-classification needs a \*ForTokenClassification model/);
  });

  test('inference ran outside the extension host: no onnxruntime or transformers.js loaded here', () => {
    const heavy = Object.keys(require.cache).filter((m) => /onnxruntime|@huggingface[\\/]transformers/.test(m));
    assert.deepEqual(heavy, []);
  });
});
