// Hub commands of the Models view: search, model card, download into the HF cache, sign in/out.
import * as vscode from 'vscode';
import { downloadSnapshot, type HubModelSummary, type HubSort, type HubTask } from '../hub';
import { parseHubSearch, SEARCH_SYNTAX } from '../hub/searchQuery';
import type { HubService } from '../services/hubService';
import { formatBytes, HubModelItem, type ModelsView } from '../views/modelsView';
import { reportHubFailure } from './hubUnreachable';

/** What a Hub command that failed returns: the message shown (for tests and callers). */
export interface HubCommandFailure {
  error: string;
}

export function registerHubCommands(context: vscode.ExtensionContext, hub: HubService, models: ModelsView): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.searchHub', async (preset?: { query?: string; task?: HubTask; sort?: HubSort; author?: string }): Promise<HubModelSummary[] | HubCommandFailure | undefined> => {
      const client = hub.client();
      // Offline mode cannot search: say so before asking for anything.
      if (client.offline) return { error: reportHubFailure(client.offlineError(await client.cachedRepoIds()), 'search', client.cacheDir, 'Hub search failed') };
      let query = preset;
      if (!query) {
        // One box: words plus inline filters, checked while typing (it used to be three prompts before the first request).
        const typed = await vscode.window.showInputBox({
          title: 'Search the Hugging Face Hub', prompt: `e.g. "bert task:text-classification sort:downloads author:google" — ${SEARCH_SYNTAX}`,
          placeHolder: 'distilbert task:text-classification sort:likes', ignoreFocusOut: true,
          validateInput: (v) => {
            const parsed = parseHubSearch(v);
            return parsed.ok ? undefined : parsed.problem;
          },
        });
        if (typed === undefined) return undefined;
        const parsed = parseHubSearch(typed);
        if (!parsed.ok) return { error: parsed.problem };
        query = parsed.query;
      }
      const label = [query.query, query.task && `task:${query.task}`, query.author && `author:${query.author}`].filter(Boolean).join(' ');
      try {
        const results: HubModelSummary[] = await vscode.window.withProgress({ location: { viewId: 'finetuneStudio.models' }, title: 'Searching the Hub' }, () =>
          client.search({ ...query, sort: query.sort ?? 'downloads', limit: 50 }),
        );
        models.showHubResults(label, results);
        return results;
      } catch (e) {
        return { error: reportHubFailure(e, 'search', client.cacheDir, 'Hub search failed') };
      }
    }),
    vscode.commands.registerCommand('finetuneStudio.showModelCard', async (item?: HubModelItem | string) => {
      const id = typeof item === 'string' ? item : item?.model.id;
      if (!id) return;
      try {
        const card = await hub.client().modelCard(id);
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: card ?? `# ${id}\n\nThis repository has no model card (README.md).` });
        await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
      } catch (e) {
        reportHubFailure(e, 'search', hub.cacheDir, `Model card of ${id}`);
      }
    }),
    vscode.commands.registerCommand('finetuneStudio.downloadModel', async (item?: HubModelItem | string): Promise<Awaited<ReturnType<typeof downloadSnapshot>> | HubCommandFailure | undefined> => {
      const id = typeof item === 'string' ? item : item?.model.id ?? (await vscode.window.showInputBox({ title: 'Download a model', prompt: 'Hub model id, e.g. distilbert-base-uncased' }));
      if (!id) return undefined;
      try {
        const result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Downloading ${id}`, cancellable: true },
          async (progress, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            let last = 0;
            return downloadSnapshot(hub.client(), id, {
              signal: abort.signal,
              onProgress: (p) => {
                const pct = p.totalBytes ? (100 * p.doneBytes) / p.totalBytes : 0;
                progress.report({ increment: pct - last, message: `${p.file} · ${formatBytes(p.doneBytes)} of ${formatBytes(p.totalBytes)} (${p.filesDone}/${p.filesTotal} files)` });
                last = pct;
              },
            });
          },
        );
        models.refresh();
        void vscode.window.showInformationMessage(`${id} is in the Hugging Face cache (${result.commit.slice(0, 8)}); Python tools will reuse it.`);
        return result;
      } catch (e) {
        return { error: reportHubFailure(e, 'download', hub.cacheDir, `Download of ${id}`) };
      }
    }),
    vscode.commands.registerCommand('finetuneStudio.signIn', async () => {
      if (await hub.signIn()) void vscode.window.showInformationMessage('Signed in to Hugging Face (token kept in secret storage).');
    }),
    vscode.commands.registerCommand('finetuneStudio.signOut', async () => {
      await hub.signOut();
      void vscode.window.showInformationMessage('Signed out of Hugging Face: the token was removed from secret storage.');
    }),
  );
}
