// Every NER layout through loadNerDataset, with tiny files written here: what each reads, and the exact message for
// each kind of bad file (file:line:column, what was wrong, what was expected).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { DatasetError } from '../../../src/data/errors';
import { loadNerDataset } from '../../../src/data/ner';

let dir = '';
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-ner-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

async function failure(file: string, o?: Parameters<typeof loadNerDataset>[1]): Promise<string> {
  try {
    await loadNerDataset(file, o);
  } catch (e) {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected loading to fail');
}

/** 1-based column of the first occurrence of `needle` in `line` (where an editor should put the cursor). */
function col(line: string, needle: string): number {
  const at = line.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in ${line}`);
  return at + 1;
}

const pairs = (examples: { tokens: string[]; tags: string[] }[]) => examples.map((e) => ({ tokens: e.tokens, tags: e.tags }));

test('CoNLL-2003: four space-separated columns, -DOCSTART- skipped, tag from the last column, sentence lines', async () => {
  const file = write('a.conll', [
    '-DOCSTART- -X- -X- O', '',
    'EU NNP B-NP B-ORG', 'rejects VBZ B-VP O', 'German JJ B-NP B-MISC', 'call NN I-NP O', '',
    '', // two blank lines: still one break, no empty sentence
    'Peter NNP B-NP B-PER', 'Blackburn NNP I-NP I-PER', '',
  ].join('\n'));
  const d = await loadNerDataset(file);
  assert.equal(d.format, 'conll');
  assert.equal(d.scheme, 'IOB2');
  assert.deepEqual(d.labels, ['O', 'B-MISC', 'I-MISC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER']);
  assert.deepEqual(d.examples, [
    { tokens: ['EU', 'rejects', 'German', 'call'], tags: ['B-ORG', 'O', 'B-MISC', 'O'], line: 3 },
    { tokens: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'], line: 9 },
  ]);
  assert.deepEqual(d.warnings, []);
});

test('CoNLL with tabs (a token may hold a space), CRLF, IOB1 tags normalized to IOB2', async () => {
  const file = write('b.iob', 'New York\tI-LOC\r\nand\tO\r\nBoston\tI-LOC\r\nBoston\tB-LOC\r\n\r\nHi\tO\r\n');
  const d = await loadNerDataset(file);
  assert.equal(d.scheme, 'IOB1');
  assert.deepEqual(pairs(d.examples), [
    { tokens: ['New York', 'and', 'Boston', 'Boston'], tags: ['B-LOC', 'O', 'B-LOC', 'B-LOC'] },
    { tokens: ['Hi'], tags: ['O'] },
  ]);
});

test('CoNLL: a line with one column, and a line with fewer columns than the first, name line and column', async () => {
  const one = write('one.conll', 'EU B-ORG\nrejects\n');
  assert.equal(await failure(one), `${one}:2:1: found one column ("rejects"); expected a token and its tag separated by a tab or spaces, ` +
    'the tag last (e.g. "Paris B-LOC" or CoNLL-2003\'s "Paris NNP B-NP B-LOC"), and a blank line between sentences');
  const short = write('short.conll', 'EU NNP B-NP B-ORG\n\n  rejects VBZ O\n');
  assert.equal(await failure(short), `${short}:3:3: found 3 columns; expected 4 like line 1 (token first, tag last). ` +
    'A missing tag, or a token holding a space in a space-separated file, looks like this');
});

test('a tag of the wrong shape is reported where it is written (CoNLL: its column; JSONL: its list element)', async () => {
  const conll = write('shape.bio', 'EU  B-ORG\nrejects  PER-B\n');
  assert.equal(await failure(conll), `${conll}:2:10: tag "PER-B" puts the prefix last; expected "B-PER" (prefix first)`);
  const row = '{"tokens": ["EU", "rejects"], "ner_tags": ["B-ORG", "B_PER"]}';
  const jsonl = write('shape.jsonl', `{"tokens": ["a"], "ner_tags": ["O"]}\n${row}\n`);
  assert.equal(await failure(jsonl), `${jsonl}:2:${col(row, '"B_PER"')}: tag "B_PER" joins prefix and type with "_"; expected "B-PER"`);
});

test('IOB2 file with I- that starts an entity: warned with a count and the lines, repaired as seqeval reads it', async () => {
  const file = write('slips.conll', 'a B-PER\nb O\nc I-PER\n\nd B-LOC\ne I-ORG\n\nf O\n\ng B-LOC\n');
  const d = await loadNerDataset(file);
  assert.equal(d.scheme, 'IOB2');
  assert.deepEqual(d.examples.map((e) => e.tags), [['B-PER', 'O', 'B-PER'], ['B-LOC', 'B-ORG'], ['O'], ['B-LOC']]);
  assert.deepEqual(d.warnings, [
    `${file}: 2 entity(ies) start with I- instead of B- in this IOB2 file (line 3, 6); they are read as entity starts (B-), as seqeval's default mode reads them.`,
  ]);
});

test('BIOES JSONL with string tags under "tags"', async () => {
  const file = write('bioes.jsonl', JSON.stringify({ tokens: ['Jo', 'lives', 'in', 'New', 'York', 'City'], tags: ['S-PER', 'O', 'O', 'B-LOC', 'I-LOC', 'E-LOC'] }) + '\n');
  const d = await loadNerDataset(file);
  assert.equal(d.format, 'tokens-tags');
  assert.equal(d.scheme, 'BIOES');
  assert.deepEqual(d.examples[0].tags, ['B-PER', 'O', 'O', 'B-LOC', 'I-LOC', 'I-LOC']);
});

test('integer tags: names from labelNames, from dataset_info.json beside the file, or a message saying how to give them', async () => {
  const rows = '{"tokens": ["EU", "rejects", "Peter"], "ner_tags": [3, 0, 1]}\n';
  const names = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG'];
  const bare = write('ids/train.jsonl', rows);
  assert.equal(await failure(bare), `${bare}:1:${col(rows, '[3, 0, 1]')}: "ner_tags" holds tag ids (e.g. 3) but no tag names are known; give the names in id order ` +
    '(run configuration "labelNames": ["O", "B-PER", "I-PER", ...]) or put the dataset_info.json that Hugging Face save_to_disk ' +
    'writes (features.ner_tags.feature.names) next to the file');
  assert.deepEqual((await loadNerDataset(bare, { labelNames: names })).examples[0].tags, ['B-ORG', 'O', 'B-PER']);

  const withInfo = write('hf/train.jsonl', rows);
  write('hf/dataset_info.json', JSON.stringify({ features: { ner_tags: { feature: { names, _type: 'ClassLabel' }, _type: 'Sequence' } } }));
  const d = await loadNerDataset(withInfo);
  assert.deepEqual(d.examples[0].tags, ['B-ORG', 'O', 'B-PER']);
  assert.deepEqual(d.labels, ['O', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER']);

  const bad = '{"tokens": ["a", "b"], "ner_tags": [0, 7]}';
  const outOfRange = write('hf/bad.jsonl', bad + '\n');
  assert.equal(await failure(outOfRange), `${outOfRange}:1:${col(bad, '7]')}: tag id 7 is out of range; dataset_info.json names 5 tags (ids 0 to 4)`);
});

test('token and tag counts that differ: the message names both counts, at the tag list', async () => {
  const row = '{"tokens": ["a", "b", "c"], "ner_tags": ["O", "O"]}';
  const file = write('count.jsonl', row + '\n');
  assert.equal(await failure(file), `${file}:1:${col(row, '["O", "O"]')}: 3 token(s) in "tokens" but 2 tag(s) in "ner_tags"; expected exactly one tag per token`);
});

test('rows without token/tag lists or spans are refused naming what was found and expected', async () => {
  const file = write('cls.jsonl', '{"text": "great phone", "label": "positive"}\n');
  assert.equal(await failure(file), `${file}: not token-classification data: rows hold text, label: no token/tag lists or entity spans; ` +
    'expected CoNLL columns (.conll/.iob/.bio, or .txt/.tsv with one "token tag" line per token), JSONL/JSON/Parquet rows with ' +
    '"tokens" and "ner_tags" lists, or rows with "text" and "entities" character spans');
});

test('empty sentences are skipped with a warning listing their lines; an all-O sentence is kept silently', async () => {
  const file = write('empty.jsonl', [
    { tokens: ['Paris'], ner_tags: ['B-LOC'] }, { tokens: [], ner_tags: [] }, { tokens: ['ok'], ner_tags: ['O'] }, { tokens: [], ner_tags: [] },
  ].map((r) => JSON.stringify(r)).join('\n'));
  const d = await loadNerDataset(file);
  assert.deepEqual(d.examples.map((e) => e.line), [1, 3]);
  assert.deepEqual(d.warnings, [`${file}: 2 empty sentence(s) without tokens were skipped (line 2, 4).`]);
});

test('spans: [start, end, label] lists, {start, end, label} objects, doccano "label", spaCy "spans"; whitespace words', async () => {
  const text = 'Ada  Lovelace visited  New York.';
  const expected = { tokens: ['Ada', 'Lovelace', 'visited', 'New', 'York.'], tags: ['B-PER', 'I-PER', 'O', 'B-LOC', 'I-LOC'] };
  const variants = [
    { text, entities: [[0, 13, 'PER'], [23, 32, 'LOC']] },
    { text, entities: [{ start: 0, end: 13, label: 'PER' }, { start: 23, end: 32, label: 'LOC' }] },
    { id: 7, text, label: [[0, 13, 'PER'], [22, 32, 'LOC']] }, // a selected leading space is not a boundary inside a word
    { text, spans: [{ start: 0, end: 13, label: 'PER', token_start: 0 }, { start: 23, end: 32, label: 'LOC' }] },
    { text, entities: [{ start_offset: 0, end_offset: 13, label: 'PER' }, { start_offset: 23, end_offset: 32, label: 'LOC' }] },
  ];
  for (const [i, v] of variants.entries()) {
    const d = await loadNerDataset(write(`spans${i}.jsonl`, JSON.stringify(v) + '\n'));
    assert.equal(d.format, 'spans', `variant ${i}`);
    assert.deepEqual(pairs(d.examples), [expected], `variant ${i}`);
  }
});

test('spans: an entity boundary inside a word, an empty or out-of-range span and overlaps name the entity\'s line and column', async () => {
  const two = '{"text": "Ada Lovelace", "entities": [[0, 3, "PER"], [4, 8, "PER"]]}';
  const inside = write('inside.jsonl', `{"text": "x", "entities": []}\n${two}\n`);
  assert.equal(await failure(inside), `${inside}:2:${col(two, '[4, 8')}: entity [4, 8, "PER"] ("Love") has a boundary inside the word "Lovelace" (characters 4-12); ` +
    'expected entities to cover whole whitespace-separated words');
  const r = '{"text": "Ada", "entities": [{"start": 0, "end": 9, "label": "PER"}]}';
  const range = write('range.jsonl', r + '\n');
  assert.equal(await failure(range), `${range}:1:${col(r, '{"start"')}: entity [0, 9, "PER"] is outside the text or empty; expected 0 ≤ start < end ≤ 3 (the text's length)`);
  const o = '{"text": "New York City", "entities": [[0, 8, "LOC"], [4, 13, "LOC"]]}';
  const overlap = write('overlap.jsonl', o + '\n');
  assert.equal(await failure(overlap), `${overlap}:1:${col(o, '[4, 13')}: entity [4, 13, "LOC"] overlaps entity 1 of this row at the word "York"; ` +
    'expected entities that do not overlap (nested entities are not supported)');
  const sh = '{"text": "Ada", "entities": [[0, 3]]}';
  const shape = write('shape-span.jsonl', sh + '\n');
  assert.equal(await failure(shape), `${shape}:1:${col(sh, '[0, 3]')}: entity [0,3]; expected [start, end, "LABEL"] or {"start": ..., "end": ..., "label": ...} ` +
    'with character offsets, end exclusive');
});

test('.txt is CoNLL only when its lines are token-tag columns; prose is refused', async () => {
  const conll = write('tagged.txt', 'Paris B-LOC\nis O\nnice O\n');
  assert.deepEqual(pairs((await loadNerDataset(conll)).examples), [{ tokens: ['Paris', 'is', 'nice'], tags: ['B-LOC', 'O', 'O'] }]);
  // A document that opens with entity-free sentences is still columns once enough lines agree.
  const quiet = write('quiet.txt', Array.from({ length: 20 }, (_, i) => `w${i} O\n`).join(''));
  assert.equal((await loadNerDataset(quiet)).examples[0].tokens.length, 20);
  assert.match(await failure(write('few.txt', 'a O\nb O\n')), /few\.txt: not token-classification data: its first lines are not token-tag columns/);
  const prose = write('prose.txt', 'This phone is great.\nI returned it after two weeks.\n');
  assert.match(await failure(prose), /^.*prose\.txt: not token-classification data: its first lines are not token-tag columns; expected CoNLL columns/);
});

test('Parquet rows of token lists and tag ids: errors give the row, never a guessed column', async () => {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'tokens', data: [['EU', 'rejects'], ['Peter']] },
      { name: 'ner_tags', data: [[1, 0], [2, 0]] },
    ],
  });
  const file = write('pq/ner.parquet', new Uint8Array(buffer));
  assert.equal(await failure(file, { labelNames: ['O', 'B-ORG', 'B-PER'] }), `${file} row 2: 1 token(s) in "tokens" but 2 tag(s) in "ner_tags"; expected exactly one tag per token`);
  const good = write('pq/good.parquet', new Uint8Array(parquetWriteBuffer({
    columnData: [{ name: 'tokens', data: [['EU', 'rejects'], ['Peter']] }, { name: 'ner_tags', data: [[1, 0], [2]] }],
  })));
  assert.deepEqual(pairs((await loadNerDataset(good, { labelNames: ['O', 'B-ORG', 'B-PER'] })).examples),
    [{ tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] }, { tokens: ['Peter'], tags: ['B-PER'] }]);
});

test('columns named in the settings are used, and one that is not in the file is an error with a suggestion', async () => {
  const file = write('named.jsonl', '\n{"words": ["Paris", "today"], "iob": ["B-LOC", "O"], "tokens": ["x"]}\n');
  const d = await loadNerDataset(file, { columns: { tokens: 'words', tags: 'iob' } });
  assert.deepEqual(pairs(d.examples), [{ tokens: ['Paris', 'today'], tags: ['B-LOC', 'O'] }]);
  assert.equal(await failure(file, { columns: { tokens: 'words', tags: 'iobb' } }),
    `${file}:2: the tags column "iobb" named in the settings is not in the file. Did you mean "iob"? Fields here: words, iob, tokens`);
});

test('a pretty-printed JSON array: a bad tag is located on its own line inside the element', async () => {
  const file = write('pretty.json', JSON.stringify([
    { tokens: ['a'], ner_tags: ['O'] },
    { tokens: ['EU', 'rejects'], ner_tags: ['B-ORG', 'ORG'] },
  ], null, 2) + '\n');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes('"ORG"')) + 1;
  assert.equal(await failure(file), `${file}:${line}:${col(lines[line - 1], '"ORG"')}: tag "ORG" is not a tag shape this reader knows; ` +
    'expected O, or B-/I- (IOB) or B-/I-/E-/S- (BIOES) followed by the entity type, like "B-PER"');
});
