// The run report as a list of blocks (headings, paragraphs, tables, images), written out as GitHub-flavoured Markdown
// or as one self-contained HTML page. runReport.ts decides what the report says; this module only how it is spelled,
// so the Markdown and the HTML can never disagree on a number.

/** Inline text: plain, `code` or **bold**. */
export type Inline = string | { code: string } | { bold: string };

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; parts: Inline[] }
  | { kind: 'list'; items: Inline[][] }
  /** align: per column, 'right' for numbers. */
  | { kind: 'table'; header: string[]; align?: ('left' | 'right')[]; rows: string[][] }
  /** file: a PNG next to report.md (the HTML inlines its bytes). */
  | { kind: 'image'; alt: string; file: string };

// ---- Markdown -------------------------------------------------------------------------------------------------------

/** Characters that would start emphasis, links, HTML or a table cell in running text. */
const escapeText = (s: string): string => s.replace(/([\\`*_[\]<>|#])/g, '\\$1').replace(/\r?\n/g, ' ');

/** A table cell: a pipe would end it, a newline the row, a < start inline HTML (a label named "<b>" stays text). */
export const escapeCell = (s: string): string => s.replace(/([\\|<>])/g, '\\$1').replace(/\r?\n/g, ' ');

/** A code span that survives backticks in its text (a fence one longer than the longest run inside). */
function codeSpan(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s.replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

const inlineMarkdown = (parts: Inline[]): string =>
  parts.map((p) => (typeof p === 'string' ? escapeText(p) : 'code' in p ? codeSpan(p.code) : `**${escapeText(p.bold)}**`)).join('');

/** A GitHub-flavoured Markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('left' | 'right')[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  const rule = `| ${header.map((_, i) => (align?.[i] === 'right' ? '---:' : '---')).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function toMarkdown(blocks: readonly Block[]): string {
  const out = blocks.map((b) => {
    switch (b.kind) {
      case 'heading':
        return `${'#'.repeat(b.level)} ${escapeText(b.text)}`;
      case 'paragraph':
        return inlineMarkdown(b.parts);
      case 'list':
        return b.items.map((i) => `- ${inlineMarkdown(i)}`).join('\n');
      case 'table':
        return markdownTable(b.header, b.rows, b.align);
      case 'image':
        return `![${escapeText(b.alt)}](${encodeURI(b.file)})`;
    }
  });
  return out.join('\n\n') + '\n';
}

// ---- HTML -----------------------------------------------------------------------------------------------------------

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const inlineHtml = (parts: Inline[]): string =>
  parts.map((p) => (typeof p === 'string' ? escapeHtml(p) : 'code' in p ? `<code>${escapeHtml(p.code)}</code>` : `<strong>${escapeHtml(p.bold)}</strong>`)).join('');

const STYLE = `body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1f2328;line-height:1.5}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #d0d7de;padding:4px 10px}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{background:#f6f8fa;padding:1px 4px;border-radius:4px}
img{max-width:100%;height:auto;display:block;margin:.5em 0}h1{border-bottom:1px solid #d0d7de}`;

/**
 * One HTML file that needs nothing beside it: the charts are inlined as data: URIs (`images`: file name → PNG bytes),
 * so it can be attached to an issue or mailed as is. A missing image is a bug in the caller, not a broken link.
 */
export function toHtml(blocks: readonly Block[], title: string, images: ReadonlyMap<string, Uint8Array>): string {
  const body = blocks.map((b) => {
    switch (b.kind) {
      case 'heading':
        return `<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`;
      case 'paragraph':
        return `<p>${inlineHtml(b.parts)}</p>`;
      case 'list':
        return `<ul>${b.items.map((i) => `<li>${inlineHtml(i)}</li>`).join('')}</ul>`;
      case 'table': {
        const head = `<tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
        const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${b.align?.[i] === 'right' ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
        return `<table>${head}${rows.join('')}</table>`;
      }
      case 'image': {
        const bytes = images.get(b.file);
        if (!bytes) throw new Error(`report HTML: no image bytes for ${b.file}`);
        return `<img alt="${escapeHtml(b.alt)}" src="data:image/png;base64,${Buffer.from(bytes).toString('base64')}">`;
      }
    }
  });
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
