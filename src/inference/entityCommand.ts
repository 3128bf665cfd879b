// "Extract entities from selection": every non-empty selection goes to the inference worker with a
// *ForTokenClassification export (cancellable progress); each entity is underlined in its type's colour, labelled
// with its type and has a hover with its score and the model.
import * as vscode from 'vscode';
import { CancelledError } from './cancelled';
import { nonEmptySelections } from './classifyEditor';
import { entityHoverMarkdown, entityLabel, entitySummary, entityTypes } from './entityPresentation';
import type { TextEntity } from './protocol';
import { SelectionOffsets, type DocRange } from './selectionOffsets';
import { inferenceServices } from './services';
import { inspectTokenTaskModel } from './tokenModelFiles';
import { modelDisplayName, pickTokenModel } from './tokenModelPick';
import type { DeviceSetting } from '../onnx/device';

/** What the command returns: what it showed, so tests (and callers) need not scrape the UI. */
export interface EntitiesCommandResult {
  model: string;
  modelName: string;
  device?: string;
  warm?: boolean;
  inferenceMs?: number;
  items: {
    text: string;
    range: DocRange;
    words: number;
    windows: number;
    entities: (TextEntity & { range: DocRange; colour: string; label: string; hover: string })[];
  }[];
  message?: string;
  error?: string;
}

export async function extractEntitiesCommand(context: vscode.ExtensionContext, target?: vscode.Uri | string): Promise<EntitiesCommandResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || nonEmptySelections(editor).length === 0) {
    void vscode.window.showWarningMessage('Select some text first: the entities of each selection are highlighted.');
    return undefined;
  }
  const folder = await pickTokenModel('token-classification', target);
  if (!folder) return undefined;
  const services = inferenceServices(context);
  const modelName = modelDisplayName(folder);
  const base: EntitiesCommandResult = { model: folder, modelName, items: [] };
  const ranges = nonEmptySelections(editor);
  const texts = ranges.map((r) => editor.document.getText(r));
  try {
    // Checked here too (cheap, no model load): a wrong folder is told before the worker starts, and the tag set
    // fixes each entity type's colour in the model's label order.
    services.entityColours.register(entityTypes(inspectTokenTaskModel(folder, 'token-classification').labels));
    const device = vscode.workspace.getConfiguration('finetuneStudio').get<DeviceSetting>('device', 'auto');
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Extracting entities from ${texts.length} selection${texts.length === 1 ? '' : 's'}`, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return services.client.extractEntities({ folder, task: 'token-classification', device }, texts, {
          signal: ac.signal,
          onLoading: () => progress.report({ message: `loading ${modelName} (first use; it stays loaded)` }),
        });
      },
    );
    const found = outcome.results.reduce((n, r) => n + r.entities.length, 0);
    services.log(`token-classification with ${folder} (${outcome.model.onnxFile} on ${outcome.model.device}, ${outcome.warm ? 'warm' : `loaded in ${outcome.model.loadMs.toFixed(0)} ms; ${outcome.model.deviceReason}`}): ${found} entities in ${texts.length} selection(s), ${outcome.inferenceMs.toFixed(1)} ms`);
    const items = outcome.results.map((r, i) => {
      const offsets = new SelectionOffsets(ranges[i].start, texts[i]);
      return {
        text: r.text,
        range: { start: { line: ranges[i].start.line, character: ranges[i].start.character }, end: { line: ranges[i].end.line, character: ranges[i].end.character } },
        words: r.words,
        windows: r.windows,
        entities: r.entities.map((e) => ({
          ...e, range: offsets.range(e.start, e.end), colour: services.entityColours.colour(e.type), label: entityLabel(e), hover: entityHoverMarkdown(e, modelName),
        })),
      };
    });
    const toRange = (r: DocRange) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
    services.entities.show(editor.document, items.flatMap((it) => it.entities.map((e) => ({ range: toRange(e.range), style: e.type, label: e.label, hover: e.hover }))));
    const message = entitySummary(outcome.results, modelName);
    void vscode.window.showInformationMessage(message);
    return { ...base, device: outcome.model.device, warm: outcome.warm, inferenceMs: outcome.inferenceMs, items, message };
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    const message = e instanceof Error ? e.message : String(e);
    services.log(`entity extraction failed: ${message}`);
    void vscode.window.showErrorMessage(`Entity extraction failed: ${message}`, 'Show log').then((c) => c && services.showLog());
    return { ...base, error: message };
  }
}
