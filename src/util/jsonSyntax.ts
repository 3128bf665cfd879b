// Where a JSON text first goes wrong, and how: V8's messages give a character position at best ("… in JSON at
// position 7"), at worst none ("Unexpected end of JSON input", "Unexpected token '}', …"), so a file's error can
// name its line and column only from a scan of its own. Called after JSON.parse has failed; cheap and linear.

export interface JsonSyntaxProblem {
  /** 0-based character offset of the problem (the text's length when it ends early). */
  offset: number;
  /** What is wrong there, in words ("expected …" where one thing would do). */
  reason: string;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw { offset: at, reason } satisfies JsonSyntaxProblem;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const describe = () => (i >= text.length ? 'the end of the file' : `"${text[i]}"`);
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        if (!/["\\/bfnrtu]/.test(text[i + 1] ?? '')) fail('an invalid escape in a string', i);
        if (text[i + 1] === 'u' && !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('an invalid \\u escape in a string', i);
        i += text[i + 1] === 'u' ? 6 : 2;
      } else if (text[i] === '\n' || text[i] === '\r') {
        fail('a string not closed before the end of its line (a missing ", or write a line break as \\n)', start);
      } else if (text.charCodeAt(i) < 0x20) {
        fail('a control character inside a string (write a tab as \\t)');
      } else i++;
    }
    if (i >= text.length) fail('a string is never closed (a missing ")', start);
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        string();
        space();
        if (text[i] !== ':') fail(`expected ":" after the property name, found ${describe()}`);
        i++;
        value();
        space();
        if (text[i] === ',') {
          i++;
          space();
          if (text[i] === '}') fail('expected a property after ",", found "}" (JSON allows no trailing comma)');
          continue;
        }
        if (text[i] === '}') return void i++;
        fail(`expected "," or "}" after a property value, found ${describe()}`);
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ',') {
          i++;
          space();
          if (text[i] === ']') fail('expected a value after ",", found "]" (JSON allows no trailing comma)');
          continue;
        }
        if (text[i] === ']') return void i++;
        fail(`expected "," or "]" after an array element, found ${describe()}`);
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (literal && !/^[\w.]/.test(text[i + literal[0].length] ?? '')) return void (i += literal[0].length);
    fail(`expected a value (an object, array, string, number, true, false or null), found ${describe()}`);
  };
  try {
    value();
    space();
    if (i < text.length) fail(`expected the end of the file after the value, found ${describe()}`);
    return undefined;
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'offset' in e) return e as JsonSyntaxProblem;
    // Nesting deeper than this scan's stack: no position to give.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}
