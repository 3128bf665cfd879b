// Highlights over spans of a document (entities, answers): one decoration type per style (an entity type, "answer"),
// a label after each span, and a hover. As in resultDecorations.ts the hover is a HoverProvider so that VS Code's own
// hover machinery (vscode.executeHoverProvider) returns it, and an edit drops the spans it makes stale.
import * as vscode from 'vscode';

export interface Highlight {
  range: vscode.Range;
  /** Which decoration type draws it (an entity type, or "answer"). */
  style: string;
  /** Text right after the span, if any. */
  label?: string;
  hover: string;
}

export class SpanHighlights implements vscode.HoverProvider, vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  private readonly shown = new Map<string, Highlight[]>();
  private readonly disposables: vscode.Disposable[] = [];

  /** `look(style)`: the decoration type's options for a style, asked once per style. */
  constructor(private readonly look: (style: string) => vscode.DecorationRenderOptions) {
    this.disposables.push(
      vscode.languages.registerHoverProvider({ pattern: '**' }, this),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const key = e.document.uri.toString();
        const spans = this.shown.get(key);
        if (!spans || e.contentChanges.length === 0) return;
        // A change inside a span or before it moves or rewrites it: that span is stale, the ones before stay valid.
        const touched = (h: Highlight) => e.contentChanges.some((c) => c.range.intersection(h.range) !== undefined || c.range.start.isBefore(h.range.start));
        const kept = spans.filter((h) => !touched(h));
        if (kept.length === spans.length) return;
        this.shown.set(key, kept);
        this.render(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.shown.delete(d.uri.toString())),
      vscode.window.onDidChangeVisibleTextEditors(() => {
        for (const editor of vscode.window.visibleTextEditors) this.render(editor.document);
      }),
    );
  }

  show(document: vscode.TextDocument, highlights: Highlight[]): void {
    this.shown.set(document.uri.toString(), highlights);
    this.render(document);
  }

  clear(document: vscode.TextDocument): void {
    this.shown.delete(document.uri.toString());
    this.render(document);
  }

  highlightsFor(document: vscode.TextDocument): readonly Highlight[] {
    return this.shown.get(document.uri.toString()) ?? [];
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    // Ranges are end-exclusive but Range.contains is not: where one span ends and the next begins ("Macron" "("),
    // the span that starts there is the one under the cursor.
    const spans = this.highlightsFor(document);
    const hit = spans.find((h) => h.range.contains(position) && !h.range.end.isEqual(position)) ?? spans.find((h) => h.range.contains(position));
    if (!hit) return undefined;
    const md = new vscode.MarkdownString(hit.hover);
    md.supportHtml = false;
    return new vscode.Hover(md, hit.range);
  }

  private typeFor(style: string): vscode.TextEditorDecorationType {
    let t = this.types.get(style);
    if (!t) {
      t = vscode.window.createTextEditorDecorationType({ ...this.look(style), rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed });
      this.types.set(style, t);
    }
    return t;
  }

  private render(document: vscode.TextDocument): void {
    const byStyle = new Map<string, vscode.DecorationOptions[]>([...this.types.keys()].map((k) => [k, []]));
    for (const h of this.highlightsFor(document)) {
      this.typeFor(h.style);
      const list = byStyle.get(h.style) ?? [];
      list.push({ range: h.range, renderOptions: h.label ? { after: { contentText: h.label } } : undefined });
      byStyle.set(h.style, list);
    }
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document !== document) continue;
      // Every known style is set, empty ones included, so spans of a style no longer shown disappear.
      for (const [style, options] of byStyle) editor.setDecorations(this.typeFor(style), options);
    }
  }

  dispose(): void {
    this.shown.clear();
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
