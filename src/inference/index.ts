// What the extension wires up for inference (called once from extension.ts's activate). Heavy modules stay out:
// transformers.js and onnxruntime-node load only inside the worker process.
import * as vscode from 'vscode';
import { classifyWithModel } from '../commands/classifyWithModel';
import { askQuestionCommand } from './askQuestion';
import { extractEntitiesCommand } from './entityCommand';
import { inferenceServices } from './services';

export type { ClassifyCommandResult } from './classifyEditor';
export type { EntitiesCommandResult } from './entityCommand';
export type { AnswerCommandResult } from './askQuestion';
export { inferenceServices } from './services';

export function registerInference(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.classifyWithModel', (target?: vscode.Uri | string) => classifyWithModel(context, target)),
    vscode.commands.registerCommand('finetuneStudio.extractEntities', (target?: vscode.Uri | string) => extractEntitiesCommand(context, target)),
    vscode.commands.registerCommand('finetuneStudio.askQuestion', (target?: vscode.Uri | string, question?: string) => askQuestionCommand(context, target, question)),
    vscode.commands.registerCommand('finetuneStudio.clearTokenHighlights', () => {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) return;
      const services = inferenceServices(context);
      services.entities.clear(doc);
      services.answers.clear(doc);
    }),
  );
}
