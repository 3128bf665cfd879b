import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, newNonce, pageHtml } from '../../../src/webview/html';
import { tickLabels } from '../../../src/webview/chartTicks';

const spec = {
  title: 'Run: <tiny> & "bert"',
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'abc123+/=',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/dist/dashboard.js',
  styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/media/dist/dashboard.css', 'https://file+.vscode-resource.vscode-cdn.net/ext/media/webview.css'],
};

test('CSP: nothing by default, scripts only with the nonce, styles/fonts/images only from the webview source', () => {
  const csp = contentSecurityPolicy(spec.cspSource, spec.nonce);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], [`'nonce-${spec.nonce}'`]);
  assert.deepEqual(directives['style-src'], [spec.cspSource, `'nonce-${spec.nonce}'`]);
  assert.deepEqual(directives['font-src'], [spec.cspSource]);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval') && !csp.includes('*'), csp);
});

test('page: one script, carrying the nonce; no inline script or remote URL; title escaped', () => {
  const html = pageHtml(spec);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], /nonce="abc123\+\/="/);
  assert.equal(scripts[0][2].trim(), '', 'no inline script body');
  assert.ok(!/style="/.test(html), 'no inline style attribute');
  const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(urls.length, 3);
  for (const u of urls) assert.ok(u.startsWith(spec.cspSource), u);
  assert.ok(html.includes('<title>Run: &lt;tiny&gt; &amp; &quot;bert&quot;</title>'));
  assert.ok(html.includes('http-equiv="Content-Security-Policy"'));
  // The component library's own <style> elements get the nonce from here.
  assert.ok(html.includes('<meta property="csp-nonce" content="abc123+/=">'));
});

test('nonces differ per page load and are long enough to be unguessable', () => {
  const a = newNonce();
  const b = newNonce();
  assert.notEqual(a, b);
  assert.ok(Buffer.from(a, 'base64').length >= 16);
});

test('tick labels carry the digits their spacing needs', () => {
  assert.deepEqual(tickLabels([0, 0.25, 0.5, 0.75, 1]), ['0.00', '0.25', '0.50', '0.75', '1.00']);
  assert.deepEqual(tickLabels([0, 2e-5, 4e-5]), ['0', '2e-5', '4e-5']);
  assert.deepEqual(tickLabels([0, 2.5e-5, 5e-5]), ['0', '2.5e-5', '5.0e-5']);
  assert.deepEqual(tickLabels([45, 50, 55]), ['45', '50', '55']);
  assert.deepEqual(tickLabels([0.2, 0.4, 0.6]), ['0.2', '0.4', '0.6']);
});
