// Where and why a JSON text is invalid. JSON.parse in Node 20 often reports neither a position nor the expectation
// ("Unexpected token '}', ... is not valid JSON"), so after it fails we re-scan with this small validator to point
// the user at the exact character.

export interface JsonSyntaxProblem {
  /** Offset in characters from the start of the text. */
  offset: number;
  message: string;
}

class Fail {
  constructor(readonly offset: number, readonly message: string) {}
}

export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = (at: number) => (at >= text.length ? 'end of input' : `'${text[at]}'`);
  const fail = (expected: string): never => {
    throw new Fail(i, `expected ${expected} but found ${describe(i)}`);
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(`'${word}'`);
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) throw new Fail(i, 'unterminated string (missing closing ")');
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c < 0x20) throw new Fail(i, 'control character inside a string (escape newlines and tabs as \\n, \\t)');
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) throw new Fail(i - 1, 'invalid \\u escape (needs 4 hex digits)');
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else throw new Fail(i - 1, `invalid escape '\\${e ?? ''}'`);
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') fail('a value');
    i += m![0].length;
  };
  const value = (depth: number): void => {
    ws();
    if (depth > 512) throw new Fail(i, 'nesting deeper than 512 levels');
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a property name in double quotes');
        string(); ws();
        if (text[i] !== ':') fail("':' after the property name");
        i++;
        value(depth + 1); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail("',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail("',' or ']' after an array element");
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail('a value');
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail('end of input after the value');
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return { offset: e.offset, message: e.message };
    throw e;
  }
}
