// Char offsets inside a selection's text → document positions. The worker reports spans as offsets into the text it
// was sent; the editor needs line/character. No vscode import, so multi-line and CRLF selections are unit-tested.
export interface DocPosition {
  line: number;
  character: number;
}

export interface DocRange {
  start: DocPosition;
  end: DocPosition;
}

export class SelectionOffsets {
  /** Offset in the text where each of its lines begins (after \n, \r\n or \r, as VS Code counts lines). */
  private readonly lineStarts: number[] = [0];

  /** `start`: where the selection begins in the document; `text`: document.getText(selection), EOLs as in the file. */
  constructor(private readonly start: DocPosition, private readonly text: string) {
    for (const m of text.matchAll(/\r\n|\r|\n/g)) this.lineStarts.push((m.index ?? 0) + m[0].length);
  }

  position(offset: number): DocPosition {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.text.length) {
      throw new RangeError(`offset ${offset} is outside the selection's ${this.text.length} characters`);
    }
    // Last line start at or before the offset (binary search: selections can be whole files).
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    const character = offset - this.lineStarts[lo];
    return lo === 0 ? { line: this.start.line, character: this.start.character + character } : { line: this.start.line + lo, character };
  }

  range(start: number, end: number): DocRange {
    return { start: this.position(start), end: this.position(end) };
  }
}
