// How a window can show a folder: the OS file manager (revealFileInOS) exists only in desktop VS Code on a local
// folder. Pure, so every kind of window (desktop, remote, browser) is tested without one.
export type RevealWay = 'os' | 'explorer' | 'editor';

export interface RevealContext {
  /** vscode.env.uiKind is Desktop. */
  desktop: boolean;
  /** vscode.env.remoteName (undefined for a local window). */
  remoteName: string | undefined;
  /** revealFileInOS is among the registered commands. */
  hasRevealInOS: boolean;
  /** The folder lies inside one of the workspace folders, so the Explorer can show it. */
  inWorkspace: boolean;
}

/** How to show a folder to the user in this window. */
export function revealWay(c: RevealContext): RevealWay {
  if (c.desktop && !c.remoteName && c.hasRevealInOS) return 'os';
  return c.inWorkspace ? 'explorer' : 'editor';
}
