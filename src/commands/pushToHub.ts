// "Push to Hub" for a completed run (Runs view, dashboard, palette): which part (LoRA runs: merged model or adapter),
// repo name (default the run id, namespace the signed-in user or one of its orgs), visibility (private by default);
// a cancellable progress notification; "Open on the Hub" at the end. The token comes from SecretStorage only.
import * as vscode from 'vscode';
import { describePushProgress, megabytes as mb, pushAccount, pushFolder, type PushResult } from '../hub/hubPush';
import { PushError } from '../hub/pushErrors';
import { parsePushTarget } from '../hub/repoName';
import { TOKEN_KEY } from '../services/hubService';
import { hasAdapter, pushSource, type PushPart } from '../training/pushSource';
import { pickRun, runDirOf } from '../webview/runPicker';

/** Answers a caller may give up front (tests, scripted use); any left out are asked. */
export interface PushAnswers {
  part?: PushPart;
  /** "name" or "namespace/name". */
  repo?: string;
  private?: boolean;
}

export type PushCommandResult = PushResult | { error: string } | undefined;

async function signedInToken(secrets: vscode.SecretStorage): Promise<string | undefined> {
  let token = await secrets.get(TOKEN_KEY);
  if (token) return token;
  const choice = await vscode.window.showWarningMessage('Pushing to the Hub needs you to sign in to Hugging Face with a token that has the "write" role.', 'Sign in');
  if (choice !== 'Sign in') return undefined;
  await vscode.commands.executeCommand('finetuneStudio.signIn');
  token = await secrets.get(TOKEN_KEY);
  return token || undefined;
}

async function askPart(dir: string): Promise<PushPart | undefined> {
  if (!hasAdapter(dir)) return 'model';
  const choice = await vscode.window.showQuickPick([
    { label: 'Merged model', description: 'model/: Hugging Face folder with the adapters merged in + onnx/', part: 'model' as const },
    { label: 'LoRA adapter (PEFT)', description: 'adapter/: adapter_config.json + adapter_model.safetensors (a few MB; needs the base model)', part: 'adapter' as const },
  ], { title: 'Push which part of this LoRA run?' });
  return choice?.part;
}

async function askRepo(user: string, orgs: string[], defaultName: string): Promise<string | undefined> {
  let namespace = user;
  if (orgs.length) {
    const choice = await vscode.window.showQuickPick([{ label: user, description: 'your account' }, ...orgs.map((o) => ({ label: o, description: 'organization' }))], { title: 'Push under which namespace?' });
    if (!choice) return undefined;
    namespace = choice.label;
  }
  const value = `${namespace}/${defaultName}`;
  return vscode.window.showInputBox({
    title: 'Hub repo to push to', prompt: 'NAMESPACE/NAME: created if missing, reused if it exists and you may write to it', value,
    valueSelection: [namespace.length + 1, value.length], ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        parsePushTarget(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
}

async function askPrivate(): Promise<boolean | undefined> {
  const choice = await vscode.window.showQuickPick([
    { label: 'Private', description: 'only you (and your org) can see it', value: true },
    { label: 'Public', description: 'anyone can see and download it', value: false },
  ], { title: 'Visibility of a new repo (an existing repo keeps its own)' });
  return choice?.value;
}

/**
 * Shows the failure with the one action that helps, without waiting on it (the command returns its result at once);
 * "Push again" re-runs the command with the same answers: the Hub keeps what was uploaded, so only the rest is sent.
 */
function reportFailure(e: unknown, again?: { dir: string; answers: PushAnswers }): { error: string } {
  const error = e instanceof Error ? e.message : String(e);
  if (e instanceof PushError && e.kind === 'aborted') {
    void vscode.window.showInformationMessage(error);
    return { error };
  }
  const retryable = again && e instanceof PushError && ['interrupted', 'offline', 'stale', 'timeout', 'server'].includes(e.kind);
  const signIn = e instanceof PushError && ['unauthorized', 'readOnlyToken'].includes(e.kind);
  void vscode.window.showErrorMessage(error, ...(retryable ? ['Push again'] : []), ...(signIn ? ['Sign in'] : [])).then((choice) => {
    if (choice === 'Sign in') void vscode.commands.executeCommand('finetuneStudio.signIn');
    if (choice === 'Push again' && again) void vscode.commands.executeCommand('finetuneStudio.pushToHub', again.dir, again.answers);
  });
  return { error };
}

export function registerPushToHub(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('finetuneStudio.pushToHub', async (arg?: unknown, preset: PushAnswers = {}): Promise<PushCommandResult> => {
    const dir = runDirOf(arg) ?? (await pickRun('Push which run to the Hub?'));
    if (!dir) return undefined;
    const hubConfig = vscode.workspace.getConfiguration('finetuneStudio.hub');
    if (hubConfig.get<boolean>('offline', false) || process.env.HF_HUB_OFFLINE === '1') {
      const error = 'Offline mode is on ("finetuneStudio.hub.offline"): switch it off to push to the Hub.';
      void vscode.window.showWarningMessage(error);
      return { error };
    }
    const part = preset.part ?? (await askPart(dir));
    if (!part) return undefined;
    let source;
    try {
      source = pushSource(dir, part);
    } catch (e) {
      const error = (e as Error).message;
      void vscode.window.showWarningMessage(error);
      return { error };
    }
    const token = await signedInToken(context.secrets);
    if (!token) return undefined;
    const endpoint = hubConfig.get<string>('endpoint', 'https://huggingface.co') || 'https://huggingface.co';

    let repo = preset.repo;
    if (repo === undefined) {
      try {
        const me = await pushAccount({ token, endpoint });
        repo = await askRepo(me.name, me.orgs, source.defaultRepoName);
      } catch (e) {
        return reportFailure(e);
      }
      if (!repo) return undefined;
    }
    const isPrivate = preset.private ?? (await askPrivate());
    if (isPrivate === undefined) return undefined;

    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Pushing ${source.runId} to the Hub`, cancellable: true },
        async (progress, cancel) => {
          const abort = new AbortController();
          cancel.onCancellationRequested(() => abort.abort());
          let shown = 0; // percent already reported: withProgress takes increments
          return pushFolder({
            folder: source.folder, repoId: repo, private: isPrivate, token, endpoint, commitMessage: source.commitMessage, extraFiles: source.extraFiles, signal: abort.signal,
            onProgress: (p) => {
              // Hashing reads every LFS byte once, uploading sends them: each is half of the bar.
              const frac = p.totalBytes ? p.doneBytes / p.totalBytes : 0;
              const pct = p.phase === 'hashing' ? 50 * frac : p.phase === 'uploading' ? 50 + 50 * frac : p.phase === 'preparing' ? 0 : 100;
              progress.report({ increment: Math.max(0, pct - shown), message: describePushProgress(p) });
              shown = Math.max(shown, pct);
            },
          });
        },
      );
      void vscode.window.showInformationMessage(
        `${result.created ? 'Created' : 'Updated'} ${result.private ? 'private' : 'public'} ${result.repoId} (commit ${result.commit.slice(0, 8)}, ${mb(result.uploadedBytes)} sent).`, 'Open on the Hub',
      ).then((choice) => {
        if (choice === 'Open on the Hub') void vscode.env.openExternal(vscode.Uri.parse(result.url));
      });
      return result;
    } catch (e) {
      return reportFailure(e, { dir, answers: { part, repo, private: isPrivate } });
    }
  }));
}
