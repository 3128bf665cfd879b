// Hub commands of the Models view: search, model card, download into the HF cache, sign in/out.
import * as vscode from 'vscode';
import { downloadSnapshot, HUB_TASKS, HubError, type HubModelSummary, type HubSort, type HubTask } from '../hub';
import type { HubService } from '../services/hubService';
import { formatBytes, HubModelItem, type ModelsView } from '../views/modelsView';

function reportHubError(e: unknown, what: string): void {
  const message = e instanceof HubError || e instanceof Error ? e.message : String(e);
  void vscode.window.showErrorMessage(`${what}: ${message}`);
}

export function registerHubCommands(context: vscode.ExtensionContext, hub: HubService, models: ModelsView): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('finetuneStudio.searchHub', async (preset?: { query?: string; task?: HubTask; sort?: HubSort }) => {
      const query = preset?.query ?? (await vscode.window.showInputBox({ title: 'Search the Hugging Face Hub', prompt: 'Model name or keywords (e.g. "distilbert", "MiniLM")', ignoreFocusOut: true }));
      if (query === undefined) return undefined;
      let task = preset?.task;
      let sort = preset?.sort;
      if (!preset) {
        const t = await vscode.window.showQuickPick([{ label: 'Any task', task: undefined }, ...HUB_TASKS.map((x) => ({ label: x, task: x }))], { title: 'Filter by task' });
        if (!t) return undefined;
        task = t.task;
        const s = await vscode.window.showQuickPick([{ label: 'Most downloads', sort: 'downloads' as HubSort }, { label: 'Most likes', sort: 'likes' as HubSort }, { label: 'Recently updated', sort: 'lastModified' as HubSort }], { title: 'Sort by' });
        if (!s) return undefined;
        sort = s.sort;
      }
      try {
        const results: HubModelSummary[] = await vscode.window.withProgress({ location: { viewId: 'finetuneStudio.models' }, title: 'Searching the Hub' }, () =>
          hub.client().search({ query, task, sort: sort ?? 'downloads', limit: 50 }),
        );
        models.showHubResults(query, results);
        return results;
      } catch (e) {
        reportHubError(e, 'Hub search failed');
        return undefined;
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
        reportHubError(e, `Model card of ${id}`);
      }
    }),
    vscode.commands.registerCommand('finetuneStudio.downloadModel', async (item?: HubModelItem | string) => {
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
        reportHubError(e, `Download of ${id}`);
        return undefined;
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
