// What the extension wires up for inference (called once from extension.ts's activate). Heavy modules stay out:
// transformers.js and onnxruntime-node load only inside the worker process.
import * as vscode from 'vscode';
import { classifyWithModel } from '../commands/classifyWithModel';

export type { ClassifyCommandResult } from './classifyEditor';
export { inferenceServices } from './services';

export function registerInference(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.classifyWithModel', (target?: vscode.Uri | string) => classifyWithModel(context, target)),
  );
}
