// "Open run folder" per kind of window (src/commands/revealWay.ts): the OS file manager only in a local desktop window
// that has revealFileInOS; the browser workbench (code-server, where that command does not exist) and remote windows
// show the folder in the Explorer, or open its run.json when the folder is outside the workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revealWay } from '../../../src/commands/revealWay';
import { isInside } from '../../../src/util/pathInside';

test('desktop, local, with revealFileInOS: the OS file manager', () => {
  assert.equal(revealWay({ desktop: true, remoteName: undefined, hasRevealInOS: true, inWorkspace: true }), 'os');
  assert.equal(revealWay({ desktop: true, remoteName: undefined, hasRevealInOS: true, inWorkspace: false }), 'os');
});

test('browser workbench (code-server: Web UI, remoteName set, no revealFileInOS): the Explorer, or an editor outside the workspace', () => {
  assert.equal(revealWay({ desktop: false, remoteName: 'localhost:8080', hasRevealInOS: false, inWorkspace: true }), 'explorer');
  assert.equal(revealWay({ desktop: false, remoteName: 'localhost:8080', hasRevealInOS: false, inWorkspace: false }), 'editor');
  // vscode.dev-like: Web without a remote; even if some extension registered the command, the browser has no file manager.
  assert.equal(revealWay({ desktop: false, remoteName: undefined, hasRevealInOS: true, inWorkspace: true }), 'explorer');
});

test('desktop remote window (SSH, WSL, containers): the path lives on the remote side, so the Explorer', () => {
  assert.equal(revealWay({ desktop: true, remoteName: 'ssh-remote', hasRevealInOS: true, inWorkspace: true }), 'explorer');
  assert.equal(revealWay({ desktop: true, remoteName: 'wsl', hasRevealInOS: true, inWorkspace: false }), 'editor');
  // A desktop build without the command (it never is, but the check costs nothing): not a command-not-found error.
  assert.equal(revealWay({ desktop: true, remoteName: undefined, hasRevealInOS: false, inWorkspace: true }), 'explorer');
});

test('isInside: the folder itself and folders under it, not siblings that share a prefix or parents', () => {
  assert.equal(isInside('/ws/.finetune/runs/r1', '/ws'), true);
  assert.equal(isInside('/ws', '/ws'), true);
  assert.equal(isInside('/ws2/runs/r1', '/ws'), false);
  assert.equal(isInside('/', '/ws'), false);
  assert.equal(isInside('/ws/..runs/r1', '/ws'), true);
});
