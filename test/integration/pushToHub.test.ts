// Inside VS Code: "Push to Hub" on a completed run against a loopback Hub — signed out, it offers sign-in (the token
// goes to SecretStorage), prefills the repo with the signed-in user and the run id, offers the user's orgs, creates
// the repo private, and the pushed weights read back byte-equal; a run that is not completed is refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PushCommandResult } from '../../src/commands/pushToHub';
import { HubTestServer } from '../support/hubServer';

const TOKEN = 'hf_integration_writer';

suite('Push to Hub from VS Code', () => {
  let server: HubTestServer;
  let runs: string;
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const window = vscode.window as unknown as Record<string, unknown>;
  const saved = { input: window.showInputBox, pick: window.showQuickPick, warn: window.showWarningMessage, info: window.showInformationMessage };

  function run(id: string, status: string): string {
    const dir = path.join(runs, id);
    fs.mkdirSync(dir, { recursive: true });
    const at = new Date(Date.now() - 60_000).toISOString();
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ id, status, createdAt: at, updatedAt: at, config: { model: 'tiny-bert', data: 'd.csv', strategy: 'full' }, step: 10, totalSteps: 10 }));
    fs.cpSync(path.join(root(), 'models', 'tiny-bert'), path.join(dir, 'model'), { recursive: true });
    return dir;
  }

  suiteSetup(async () => {
    await vscode.extensions.getExtension('finetune-studio.finetune-studio')!.activate();
    server = await HubTestServer.start();
    server.accounts.set(TOKEN, { user: 'erin', orgs: ['erin-lab'] });
    runs = fs.mkdtempSync(path.join(os.tmpdir(), 'push-runs-'));
    await vscode.workspace.getConfiguration('finetuneStudio').update('hub.endpoint', server.url, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('finetuneStudio.signOut');
  });

  suiteTeardown(async () => {
    Object.assign(window, { showInputBox: saved.input, showQuickPick: saved.pick, showWarningMessage: saved.warn, showInformationMessage: saved.info });
    await vscode.commands.executeCommand('finetuneStudio.signOut');
    await vscode.workspace.getConfiguration('finetuneStudio').update('hub.endpoint', undefined, vscode.ConfigurationTarget.Global);
    await server.close();
    fs.rmSync(runs, { recursive: true, force: true });
  });

  test('signed out: sign in, pick the namespace, keep the prefilled name, private; the repo holds the run\'s model', async function () {
    this.timeout(60_000);
    const dir = run('20261207-230000-tiny-bert-full', 'completed');
    const asked: string[] = [];
    const warnings: string[] = [];
    const infos: string[] = [];
    let prefilled: string | undefined;
    window.showWarningMessage = async (message: string, ...items: string[]) => {
      warnings.push(message);
      return items.includes('Sign in') ? 'Sign in' : undefined;
    };
    window.showInformationMessage = async (message: string) => {
      infos.push(message);
      return undefined;
    };
    window.showInputBox = async (options: vscode.InputBoxOptions) => {
      if (options.password) return TOKEN;
      prefilled = options.value;
      assert.equal(options.validateInput?.('erin/bad name'), 'Repo name "bad name" contains " ": only letters, digits, "-", "_" and "." are allowed.');
      return options.value;
    };
    window.showQuickPick = async (items: readonly (vscode.QuickPickItem & { value?: unknown })[], options: vscode.QuickPickOptions) => {
      asked.push(`${options.title}: ${items.map((i) => i.label).join(', ')}`);
      return items[0];
    };
    const result = (await vscode.commands.executeCommand('finetuneStudio.pushToHub', dir)) as PushCommandResult;
    assert.ok(result && !('error' in result), `push failed: ${JSON.stringify(result)}`);
    assert.match(warnings[0], /sign in to Hugging Face/);
    assert.equal(prefilled, 'erin/20261207-230000-tiny-bert-full');
    assert.deepEqual(asked, [
      'Push under which namespace?: erin, erin-lab',
      'Visibility of a new repo (an existing repo keeps its own): Private, Public',
    ]);
    assert.equal(result.repoId, 'erin/20261207-230000-tiny-bert-full');
    assert.equal(result.created, true);
    assert.equal(result.private, true);
    assert.equal(result.url, `${server.url}/erin/20261207-230000-tiny-bert-full`);
    assert.equal(result.commit, server.commitOf(result.repoId));
    assert.ok(infos.some((m) => m.startsWith(`Created private ${result.repoId} (commit ${result.commit.slice(0, 8)}`)), infos.join('\n'));
    assert.ok(server.requests.some((r) => r.path === '/api/whoami-v2' && r.authorization === `Bearer ${TOKEN}`), 'the token from secret storage was used');
    const weights = await fetch(`${server.url}/${result.repoId}/resolve/main/model.safetensors`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.ok(Buffer.from(await weights.arrayBuffer()).equals(fs.readFileSync(path.join(dir, 'model', 'model.safetensors'))));
  });

  test('a run that is not completed is refused with the reason, before any request', async () => {
    const dir = run('20261207-231000-tiny-bert-full', 'cancelled');
    const before = server.requests.length;
    window.showWarningMessage = async () => undefined;
    const result = (await vscode.commands.executeCommand('finetuneStudio.pushToHub', dir, { repo: 'erin/x', private: true })) as PushCommandResult;
    assert.ok(result && 'error' in result);
    assert.match(result.error, /is cancelled.*only a completed run is pushed/);
    assert.equal(server.requests.length, before);
  });
});
