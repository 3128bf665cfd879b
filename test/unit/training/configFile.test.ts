// Issue 19 item 5: a bad run configuration file (--config, saved configurations) names the file, the line and column,
// and what to fix, instead of "Unexpected end of JSON input" or "Cannot read properties of null".
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigFileError, readRunConfigFile } from '../../../src/training/configFile';
import { FileSystemError } from '../../../src/util/fsErrors';
import { findJsonSyntaxProblem, lineColumn } from '../../../src/util/jsonSyntax';

const ROOT = path.resolve(__dirname, '../../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-file-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function configFile(text: string): string {
  const file = path.join(dir, `config-${n++}.json`);
  fs.writeFileSync(file, text);
  return file;
}

const messageOf = (file: string): string => {
  try {
    readRunConfigFile(file);
  } catch (e) {
    assert.ok(e instanceof ConfigFileError || e instanceof FileSystemError, `unexpected ${(e as Error).stack}`);
    return e.message;
  }
  assert.fail('no error was thrown');
};

const FIX = 'Fix the file (a JSON object such as {"model": "…", "settings": {"epochs": 3}}).';

test('a file that ends early is named with the line and column where it ends', () => {
  const f = configFile('{\n  "model": "m",\n  "settings": {\n    "epochs": 3\n');
  assert.equal(messageOf(f), `${f}:5:1: not valid JSON: expected "," or "}" after a property value, found the end of the file. ${FIX}`);
  const empty = configFile('  \n');
  assert.equal(messageOf(empty), `${empty}:1:1: not valid JSON: the file is empty. ${FIX}`);
});

test('syntax errors V8 reports with or without a position get a line and column', () => {
  const trailing = configFile('{\n  "model": "m",\n}');
  assert.equal(messageOf(trailing), `${trailing}:3:1: not valid JSON: expected a property after ",", found "}" (JSON allows no trailing comma). ${FIX}`);
  // JSON.parse says only: Unexpected token '}', ..."{"x": tru}}" is not valid JSON
  const badLiteral = configFile('{"settings": {"x": tru}}');
  assert.equal(messageOf(badLiteral), `${badLiteral}:1:20: not valid JSON: expected a value (an object, array, string, number, true, false or null), found "t". ${FIX}`);
  const unclosed = configFile('{"model": "m}\n');
  assert.equal(messageOf(unclosed), `${unclosed}:1:11: not valid JSON: a string not closed before the end of its line (a missing ", or write a line break as \\n). ${FIX}`);
});

test('the scan agrees with JSON.parse on what is valid', () => {
  for (const ok of ['{}', '[]', '{"a": [1, -2.5e3, true, false, null, "x\\"y\\u00e9"]}', ' 0 ', '"s"']) {
    JSON.parse(ok);
    assert.equal(findJsonSyntaxProblem(ok), undefined, ok);
  }
  for (const bad of ['{', '[1,]', '{"a" 1}', '01', '1.', 'nul', '{"a":1}x', '"\\x"', "{'a': 1}"]) {
    assert.throws(() => JSON.parse(bad));
    assert.ok(findJsonSyntaxProblem(bad), bad);
  }
  assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
});

test('1e999 in a configuration is quoted as written, with its place, never as null', () => {
  const f = configFile('{\n  "settings": {"learningRate": 1e999, "note": "1e999 in a string is fine"}\n}');
  assert.equal(messageOf(f), `${f}:2:32: the number 1e999 is beyond the largest a double holds (±1.8e308; JSON would read it as Infinity); give a finite number.`);
});

test('a configuration that is not an object, or has keys of the wrong type, says so', () => {
  const nul = configFile('null');
  assert.equal(messageOf(nul), `${nul}: a run configuration must be a JSON object such as {"model": "…", "data": "…", "settings": {…}}, got null.`);
  const arr = configFile('[{"model": "m"}]');
  assert.equal(messageOf(arr), `${arr}: a run configuration must be a JSON object such as {"model": "…", "data": "…", "settings": {…}}, got an array.`);
  const typed = configFile('{"model": 3, "settings": null, "setings": {}, "constructor": 1}');
  assert.equal(
    messageOf(typed),
    `${typed}: invalid run configuration:\n` +
    '- unknown key "setings" (did you mean "settings"?); known keys: model, data, strategy, task, runsRoot, device, mapping, settings, labelNames\n' +
    '- unknown key "constructor"; known keys: model, data, strategy, task, runsRoot, device, mapping, settings, labelNames\n' +
    '- "model" must be a string, got 3\n' +
    '- "settings" must be an object, got null',
  );
  assert.deepEqual(readRunConfigFile(configFile('{"model": "m", "settings": {"epochs": 2}}')), { model: 'm', settings: { epochs: 2 } });
});

test('a token task and NER tag names in a configuration are checked by value', () => {
  const bad = configFile('{"task": "ner", "labelNames": ["O", 3]}');
  assert.equal(
    messageOf(bad),
    `${bad}: invalid run configuration:\n` +
    '- "task" must be one of classification, token-classification, question-answering, got "ner"\n' +
    '- "labelNames" must be a list of tag names in id order (e.g. ["O", "B-PER", "I-PER"]), got ["O",3]',
  );
  assert.deepEqual(readRunConfigFile(configFile('{"task": "token-classification", "labelNames": ["O", "B-X", "I-X"]}')), { task: 'token-classification', labelNames: ['O', 'B-X', 'I-X'] });
});

test('a missing configuration file names the path and the fix', () => {
  const missing = path.join(dir, 'nope.json');
  assert.equal(messageOf(missing), `${missing}: no such file or folder (ENOENT while reading the configuration); check the path (a folder on the way may have been moved or deleted)`);
});

test('the CLI reports a bad --config and a 1e999 --set by name and exits 1', () => {
  const cli = path.join(ROOT, 'out/src/cli.js');
  const f = configFile('{"settings": {"epochs": 3}');
  const r = child_process.spawnSync(process.execPath, [cli, 'train', '--config', f], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `error: ${f}:1:27: not valid JSON: expected "," or "}" after a property value, found the end of the file. ${FIX}`);
  const s = child_process.spawnSync(process.execPath, [cli, 'train', '--set', 'learningRate=1e999'], { encoding: 'utf8' });
  assert.equal(s.status, 1);
  assert.equal(s.stderr.trim(), 'error: --set learningRate=1e999: 1e999 is beyond the largest number a double holds (±1.8e308); give a finite number');
});
