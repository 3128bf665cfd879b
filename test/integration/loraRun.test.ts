// Inside VS Code: a LoRA run started from the extension trains in the worker and leaves the PEFT adapter beside the
// merged model; the Runs view's Export asks which of the two to hand out and copies the adapter folder; a run started
// from that exported adapter continues it (its base model found through base_model_name_or_path).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Api } from '../../src/extension';

suite('LoRA from VS Code', () => {
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const api = () => vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.exports;
  suiteSetup(() => vscode.extensions.getExtension<Api>('finetune-studio.finetune-studio')!.activate());

  test('train with LoRA, export the adapter from the Runs view, continue from it', async function () {
    this.timeout(300_000);
    const data = path.join(root(), 'data', 'sentiment_train.csv');
    const done = await api().startRun({
      model: path.join(root(), 'models', 'tiny-bert'), data, strategy: 'lora', device: 'cpu',
      settings: { batchSize: 16, learningRate: 3e-3, threads: 1, epochs: 1, loraRank: 4 },
    });
    assert.ok(done && done.type === 'done' && done.status === 'completed', `run did not complete: ${JSON.stringify(done)}`);
    const runDir = done.runDir;
    for (const f of ['adapter/adapter_config.json', 'adapter/adapter_model.safetensors', 'model/config.json', 'model/onnx/model.onnx']) {
      assert.ok(fs.existsSync(path.join(runDir, f)), `${f} missing`);
    }

    // Export: the quick pick offers the merged model and the adapter; pick the adapter, then a folder.
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-export-'));
    const window = vscode.window as unknown as Record<string, unknown>;
    const saved = { pick: window.showQuickPick, open: window.showOpenDialog };
    let offered: string[] = [];
    window.showQuickPick = async (items: readonly vscode.QuickPickItem[]) => {
      offered = items.map((i) => i.label);
      return items.find((i) => /adapter/i.test(i.label));
    };
    window.showOpenDialog = async () => [vscode.Uri.file(target)];
    let out: string | undefined;
    try {
      out = await vscode.commands.executeCommand<string>('finetuneStudio.exportRun', runDir);
    } finally {
      window.showQuickPick = saved.pick;
      window.showOpenDialog = saved.open;
    }
    assert.deepEqual(offered, ['Merged model', 'LoRA adapter (PEFT)']);
    assert.ok(out && fs.existsSync(path.join(out, 'adapter_config.json')), `exported to ${out}`);
    assert.deepEqual(fs.readFileSync(path.join(out, 'adapter_model.safetensors')), fs.readFileSync(path.join(runDir, 'adapter', 'adapter_model.safetensors')));

    // Continue from the exported adapter: the base model comes from its adapter_config.json.
    const again = await api().startRun({ model: out, data, strategy: 'lora', device: 'cpu', settings: { batchSize: 16, threads: 1, maxSteps: 2 } });
    assert.ok(again && again.type === 'done' && again.status === 'completed', `continued run did not complete: ${JSON.stringify(again)}`);
    const record = JSON.parse(fs.readFileSync(path.join(again.runDir, 'run.json'), 'utf8')) as { lora?: { fromAdapter?: string; rank: number } };
    assert.equal(record.lora?.fromAdapter, out);
    assert.equal(record.lora?.rank, 4);
  });
});
