// The part both commands share: classify every non-empty selection of an editor in the worker (cancellable
// progress), then show the results inline, in hovers and in the label QuickPick.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CancelledError } from './cancelled';
import type { InferenceServices } from './services';
import { hoverMarkdown, inlineText } from './presentation';
import type { DeviceSetting } from '../onnx/device';
import type { LabelScore, ModelRef, ZeroShotOptions } from './protocol';

interface PlainRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** What the commands return: enough for tests (and callers) to check what was shown without scraping the UI. */
export interface ClassifyCommandResult {
  model: string;
  onnxFile?: string;
  /** The provider that ran it (finetuneStudio.device decides, as for training). */
  device?: string;
  task: ModelRef['task'];
  warm?: boolean;
  inferenceMs?: number;
  items: { text: string; range: PlainRange; scores: LabelScore[]; decoration: string; hover: string }[];
  /** The QuickPick's label entries in order (separators left out). */
  quickPick: string[];
  error?: string;
}

export function nonEmptySelections(editor: vscode.TextEditor): vscode.Range[] {
  // Top to bottom, whatever order the cursors were added in.
  return editor.selections
    .filter((s) => !s.isEmpty && editor.document.getText(s).trim() !== '')
    .map((s) => new vscode.Range(s.start, s.end))
    .sort((a, b) => a.start.compareTo(b.start));
}

const plain = (r: vscode.Range): PlainRange => ({
  start: { line: r.start.line, character: r.start.character },
  end: { line: r.end.line, character: r.end.character },
});

export async function classifyEditorSelections(
  services: InferenceServices,
  editor: vscode.TextEditor,
  target: Omit<ModelRef, 'device'>,
  opts: { modelName?: string; zeroShot?: ZeroShotOptions } = {},
): Promise<ClassifyCommandResult | undefined> {
  // Read per request: changing the setting loads the model on the new device at the next classification.
  const model: ModelRef = { ...target, device: vscode.workspace.getConfiguration('finetuneStudio').get<DeviceSetting>('device', 'auto') };
  const ranges = nonEmptySelections(editor);
  const texts = ranges.map((r) => editor.document.getText(r));
  const modelName = opts.modelName ?? path.basename(model.folder);
  const base: ClassifyCommandResult = { model: model.folder, task: model.task, items: [], quickPick: [] };
  try {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Classifying ${texts.length} selection${texts.length === 1 ? '' : 's'}`, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return services.client.classify(model, texts, opts.zeroShot, {
          signal: ac.signal,
          onLoading: () => progress.report({ message: `loading ${modelName} (first use; it stays loaded)` }),
        });
      },
    );
    services.log(`${model.task} with ${outcome.model.folder} (${outcome.model.onnxFile} on ${outcome.model.device}, ${outcome.warm ? 'warm' : `loaded in ${outcome.model.loadMs.toFixed(0)} ms; ${outcome.model.deviceReason}`}): ${texts.length} text(s) in ${outcome.inferenceMs.toFixed(1)} ms`);
    const ctx = { task: model.task, modelName, multiLabel: opts.zeroShot?.multiLabel, hypothesisTemplate: opts.zeroShot?.hypothesisTemplate };
    const shown = outcome.results.map((r, i) => ({ range: ranges[i], inline: inlineText(r), hover: hoverMarkdown(r, ctx) }));
    services.decorations.show(editor.document, shown);
    const pick = services.showLabelActions(editor, ranges, outcome.results);
    return {
      ...base,
      onnxFile: outcome.model.onnxFile,
      device: outcome.model.device,
      warm: outcome.warm,
      inferenceMs: outcome.inferenceMs,
      items: outcome.results.map((r, i) => ({ text: r.text, range: plain(ranges[i]), scores: r.scores, decoration: `⟵ ${shown[i].inline}`, hover: shown[i].hover })),
      quickPick: pick.items.filter((it) => it.kind !== vscode.QuickPickItemKind.Separator).map((it) => `${it.label} ${it.description ?? ''}`.trim()),
    };
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    const message = e instanceof Error ? e.message : String(e);
    services.log(`classification failed: ${message}`);
    void vscode.window.showErrorMessage(`Classification failed: ${message}`, 'Show log').then((c) => c && services.showLog());
    return { ...base, error: message };
  }
}
