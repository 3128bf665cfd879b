// The inference pieces that live as long as the extension: one worker client, the result decorations/hover, an
// output channel and a status-bar item showing the worker's state. Created on first use, so activation stays light
// (no process is started until something is classified).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HubClient } from '../hub/hubClient';
import { HubService } from '../services/hubService';
import { InferenceClient, InferenceWorkerState } from './client';
import { EntityColours } from './entityPresentation';
import { showLabelActions } from './labelActions';
import { ResultDecorations } from './resultDecorations';
import { SpanHighlights } from './spanHighlights';

export interface InferenceServices {
  client: InferenceClient;
  decorations: ResultDecorations;
  /** Entities (one decoration type per entity type) and answers, each cleared on its own. */
  entities: SpanHighlights;
  entityColours: EntityColours;
  answers: SpanHighlights;
  showLabelActions: typeof showLabelActions;
  hub(): HubClient;
  log(line: string): void;
  showLog(): void;
}

const STATE_TEXT: Record<InferenceWorkerState, string> = {
  stopped: '',
  // One worker serves classification, entities and answers: the words name the model, not one task.
  idle: '$(check) Model ready',
  loading: '$(sync~spin) Loading model',
  busy: '$(sync~spin) Running model',
  failed: '$(error) Inference stopped',
};

let services: InferenceServices | undefined;

export function inferenceServices(context: vscode.ExtensionContext): InferenceServices {
  if (services) return services;
  const output = vscode.window.createOutputChannel('Fine-Tune Studio: Inference');
  const status = vscode.window.createStatusBarItem('finetuneStudio.inference', vscode.StatusBarAlignment.Right, 50);
  status.name = 'Fine-Tune Studio inference worker';
  status.command = 'finetuneStudio.showInferenceLog';
  const log = (line: string) => output.appendLine(`[${new Date().toISOString()}] ${line}`);
  const client = new InferenceClient({
    workerPath: path.join(context.extensionPath, 'dist', 'inferenceWorker.js'),
    onLog: (line) => output.appendLine(line),
    onStateChange: (state, detail) => {
      log(`worker ${state}: ${detail}`);
      status.text = STATE_TEXT[state];
      status.tooltip = `Inference worker: ${state} (${detail}). Click for the log.`;
      if (state === 'stopped') status.hide();
      else status.show();
      if (state === 'failed') {
        void vscode.window.showErrorMessage('The inference worker keeps crashing and was stopped.', 'Restart it', 'Show log').then((c) => {
          if (c === 'Restart it') client.reset();
          else if (c === 'Show log') output.show(true);
        });
      }
    },
  });
  const decorations = new ResultDecorations();
  const entityColours = new EntityColours();
  const entities = new SpanHighlights((type) => {
    const colour = new vscode.ThemeColor(entityColours.colour(type));
    return { borderWidth: '0 0 2px 0', borderStyle: 'solid', borderColor: colour, after: { color: colour, margin: '0 0 0 0.15em', fontStyle: 'italic' } };
  });
  const answers = new SpanHighlights(() => ({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    borderWidth: '1px', borderStyle: 'solid', borderColor: new vscode.ThemeColor('charts.green'),
  }));
  const current: InferenceServices = {
    client,
    decorations,
    entities,
    entityColours,
    answers,
    showLabelActions,
    // Same client as the Models view: endpoint, offline mode, cache folder, and the signed-in token (gated models).
    hub: () => new HubService(context.secrets).client(),
    log,
    showLog: () => output.show(true),
  };
  services = current;
  context.subscriptions.push(
    output,
    status,
    decorations,
    entities,
    answers,
    vscode.commands.registerCommand('finetuneStudio.showInferenceLog', () => output.show(true)),
    { dispose: () => {
      client.dispose();
      services = undefined;
    } },
  );
  return current;
}
