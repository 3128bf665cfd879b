// The HTML shell of both panels. Everything is drawn by the bundled client script; the page itself only loads it
// under a strict Content Security Policy: nothing but this extension's media files, and only the script carrying
// this load's nonce runs. No remote resources, no inline script, no inline style attributes.
import * as crypto from 'node:crypto';

export interface PageSpec {
  title: string;
  /** webview.cspSource: the origin VS Code serves local resources from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: string[];
}

export function newNonce(): string {
  return crypto.randomBytes(18).toString('base64');
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    // Toolkit components and uPlot style through CSSOM and constructed stylesheets, which style-src does not gate;
    // the nonce admits nothing inline that this page did not put there.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function pageHtml(spec: PageSpec): string {
  const styles = spec.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(spec.cspSource, spec.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <!-- FAST (under the toolkit) reads this to put the nonce on the <style> elements it creates. -->
  <meta property="csp-nonce" content="${escapeHtml(spec.nonce)}">
${styles}
  <title>${escapeHtml(spec.title)}</title>
</head>
<body>
  <main id="app" aria-live="polite"><p class="loading">Loading…</p></main>
  <script nonce="${escapeHtml(spec.nonce)}" src="${escapeHtml(spec.scriptUri)}"></script>
</body>
</html>
`;
}
