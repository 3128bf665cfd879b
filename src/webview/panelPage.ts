// Wires a webview to its page: options (scripts on, local resources limited to media/) and the HTML with fresh nonce.
import * as vscode from 'vscode';
import { newNonce, pageHtml } from './html';

export type ClientName = 'dashboard' | 'comparison' | 'fineTuneForm';

/** Clients whose bundle has a stylesheet (uPlot's); the form draws no charts. */
const BUNDLED_CSS: readonly ClientName[] = ['dashboard', 'comparison'];

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')] };
}

export function setPanelPage(webview: vscode.Webview, extensionUri: vscode.Uri, client: ClientName, title: string): void {
  const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', ...p)).toString();
  webview.options = webviewOptions(extensionUri);
  webview.html = pageHtml({
    title,
    cspSource: webview.cspSource,
    nonce: newNonce(),
    scriptUri: media('dist', `${client}.js`),
    // dist/<client>.css holds the bundled uPlot stylesheet; webview.css the theme-aware layout.
    styleUris: [...(BUNDLED_CSS.includes(client) ? [media('dist', `${client}.css`)] : []), media('webview.css')],
  });
}
