// "Ask a question about the selection": the selection is the context, the question comes from an input box, a
// *ForQuestionAnswering export in the inference worker finds the answer span (or says there is none, SQuAD v2's null
// score); the span is highlighted with a hover, and a message says the answer.
import * as vscode from 'vscode';
import { answerHoverMarkdown, answerMessage } from './answerPresentation';
import { CancelledError } from './cancelled';
import { nonEmptySelections } from './classifyEditor';
import type { AnswerResult } from './protocol';
import { SelectionOffsets, type DocRange } from './selectionOffsets';
import { inferenceServices } from './services';
import { inspectTokenTaskModel } from './tokenModelFiles';
import { modelDisplayName, pickTokenModel } from './tokenModelPick';
import type { DeviceSetting } from '../onnx/device';

export interface AnswerCommandResult {
  model: string;
  modelName: string;
  question?: string;
  device?: string;
  warm?: boolean;
  inferenceMs?: number;
  /** The context's range in the document (the selection). */
  context?: { text: string; range: DocRange };
  result?: AnswerResult;
  /** Where the answer sits in the document; absent when there is none. */
  answerRange?: DocRange;
  hover?: string;
  message?: string;
  error?: string;
}

/** `target`: a model folder (skips the pick); `question`: skips the input box (tests, keybindings with args). */
export async function askQuestionCommand(context: vscode.ExtensionContext, target?: vscode.Uri | string, question?: string): Promise<AnswerCommandResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  const selections = editor ? nonEmptySelections(editor) : [];
  if (!editor || selections.length === 0) {
    void vscode.window.showWarningMessage('Select the text to ask about first: the selection is the context the answer is taken from.');
    return undefined;
  }
  // The primary selection is the context; with several cursors, the topmost non-empty one if the primary is empty.
  const range = !editor.selection.isEmpty && editor.document.getText(editor.selection).trim() !== '' ? new vscode.Range(editor.selection.start, editor.selection.end) : selections[0];
  const asked = question ?? await vscode.window.showInputBox({
    title: 'Ask a question about the selection', prompt: 'The answer is a span of the selected text', placeHolder: 'e.g. Who founded the company?',
    validateInput: (v) => (v.trim() === '' ? 'Type a question' : undefined),
  });
  if (asked === undefined || asked.trim() === '') return undefined;
  const folder = await pickTokenModel('question-answering', target);
  if (!folder) return undefined;
  const services = inferenceServices(context);
  const modelName = modelDisplayName(folder);
  const text = editor.document.getText(range);
  const base: AnswerCommandResult = {
    model: folder, modelName, question: asked.trim(),
    context: { text, range: { start: { line: range.start.line, character: range.start.character }, end: { line: range.end.line, character: range.end.character } } },
  };
  try {
    inspectTokenTaskModel(folder, 'question-answering');
    const device = vscode.workspace.getConfiguration('finetuneStudio').get<DeviceSetting>('device', 'auto');
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Looking for the answer in the selection', cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return services.client.answerQuestion({ folder, task: 'question-answering', device }, asked, text, {
          signal: ac.signal,
          onLoading: () => progress.report({ message: `loading ${modelName} (first use; it stays loaded)` }),
        });
      },
    );
    const r = outcome.result;
    services.log(`question-answering with ${folder} (${outcome.model.onnxFile} on ${outcome.model.device}, ${outcome.warm ? 'warm' : `loaded in ${outcome.model.loadMs.toFixed(0)} ms`}): ${r.answer ? `"${r.answer.text}" ${r.answer.score}` : 'no answer'} over ${r.windows} window(s), ${outcome.inferenceMs.toFixed(1)} ms`);
    const message = answerMessage(r, modelName);
    let answerRange: DocRange | undefined;
    let hover: string | undefined;
    if (r.answer) {
      answerRange = new SelectionOffsets(range.start, text).range(r.answer.start, r.answer.end);
      hover = answerHoverMarkdown(r, modelName);
      const docRange = new vscode.Range(answerRange.start.line, answerRange.start.character, answerRange.end.line, answerRange.end.character);
      services.answers.show(editor.document, [{ range: docRange, style: 'answer', hover }]);
      editor.revealRange(docRange, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } else {
      services.answers.clear(editor.document);
    }
    void vscode.window.showInformationMessage(message);
    return { ...base, device: outcome.model.device, warm: outcome.warm, inferenceMs: outcome.inferenceMs, result: r, answerRange, hover, message };
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    const message = e instanceof Error ? e.message : String(e);
    services.log(`question answering failed: ${message}`);
    void vscode.window.showErrorMessage(`Question answering failed: ${message}`, 'Show log').then((c) => c && services.showLog());
    return { ...base, error: message };
  }
}
