// The extension's HubClient: endpoint, offline mode and cache folder from settings; the token only from SecretStorage.
import * as vscode from 'vscode';
import { HubClient, resolveHubCacheDir } from '../hub';

export const TOKEN_KEY = 'finetuneStudio.hubToken';

export class HubService {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get cacheDir(): string {
    return resolveHubCacheDir(vscode.workspace.getConfiguration('finetuneStudio').get<string>('cacheFolder', ''));
  }

  get offline(): boolean {
    return vscode.workspace.getConfiguration('finetuneStudio.hub').get<boolean>('offline', false) || process.env.HF_HUB_OFFLINE === '1';
  }

  client(): HubClient {
    const endpoint = vscode.workspace.getConfiguration('finetuneStudio.hub').get<string>('endpoint', 'https://huggingface.co');
    // A getter: the token is read from SecretStorage per request and never copied into settings or files.
    return new HubClient({ endpoint, offline: this.offline, cacheDir: this.cacheDir, token: async () => (await this.secrets.get(TOKEN_KEY)) || undefined });
  }

  async signIn(): Promise<boolean> {
    const token = await vscode.window.showInputBox({
      title: 'Sign in to Hugging Face', prompt: 'Paste an access token (huggingface.co/settings/tokens). It is kept in VS Code\'s secret storage only.',
      password: true, ignoreFocusOut: true, validateInput: (v) => (v.trim().startsWith('hf_') ? undefined : 'Hugging Face tokens start with "hf_"'),
    });
    if (!token) return false;
    await this.secrets.store(TOKEN_KEY, token.trim());
    return true;
  }

  async signOut(): Promise<void> {
    await this.secrets.delete(TOKEN_KEY);
  }
}
