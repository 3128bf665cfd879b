// Shows classifications where the eye is: text after each selection (best label + score) and a hover over the
// selection with every label. The hover is a HoverProvider rather than the decoration's hoverMessage so that VS
// Code's own hover machinery (vscode.executeHoverProvider) returns it, which the integration test relies on.
import * as vscode from 'vscode';

export interface ShownResult {
  range: vscode.Range;
  inline: string;
  hover: string;
}

export class ResultDecorations implements vscode.HoverProvider, vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 1em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  /** By document URI: results go stale once their text is edited, so a document's edits clear them. */
  private readonly shown = new Map<string, ShownResult[]>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      this.type,
      vscode.languages.registerHoverProvider({ pattern: '**' }, this),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const key = e.document.uri.toString();
        const results = this.shown.get(key);
        if (!results || e.contentChanges.length === 0) return;
        const touched = (r: ShownResult) => e.contentChanges.some((c) => c.range.intersection(r.range) !== undefined || c.range.start.isBefore(r.range.start));
        // Results whose text (or anything before it) changed lose their position; the others stay valid.
        const kept = results.filter((r) => !touched(r));
        if (kept.length === results.length) return;
        this.shown.set(key, kept);
        this.render(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.shown.delete(d.uri.toString())),
      vscode.window.onDidChangeVisibleTextEditors(() => {
        for (const editor of vscode.window.visibleTextEditors) this.render(editor.document);
      }),
    );
  }

  show(document: vscode.TextDocument, results: ShownResult[]): void {
    this.shown.set(document.uri.toString(), results);
    this.render(document);
  }

  clear(document: vscode.TextDocument): void {
    this.shown.delete(document.uri.toString());
    this.render(document);
  }

  resultsFor(document: vscode.TextDocument): readonly ShownResult[] {
    return this.shown.get(document.uri.toString()) ?? [];
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const hit = this.resultsFor(document).find((r) => r.range.contains(position));
    if (!hit) return undefined;
    const md = new vscode.MarkdownString(hit.hover);
    md.supportHtml = false;
    return new vscode.Hover(md, hit.range);
  }

  private render(document: vscode.TextDocument): void {
    const options = this.resultsFor(document).map((r): vscode.DecorationOptions => ({
      range: r.range,
      renderOptions: { after: { contentText: `⟵ ${r.inline}` } },
    }));
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document === document) editor.setDecorations(this.type, options);
    }
  }

  dispose(): void {
    this.shown.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
