// The Hub search box's one line: words and inline filters, and the problems shown while typing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHubSearch } from '../../../src/hub/searchQuery';

test('words and filters in any order', () => {
  assert.deepEqual(parseHubSearch('bert task:text-classification sort:downloads author:google'), { ok: true, query: { query: 'bert', task: 'text-classification', sort: 'downloads', author: 'google' } });
  assert.deepEqual(parseHubSearch('  sort:likes  MiniLM  L6 '), { ok: true, query: { query: 'MiniLM L6', sort: 'likes' } });
  assert.deepEqual(parseHubSearch('sort:updated owner:Xenova'), { ok: true, query: { sort: 'lastModified', author: 'Xenova' } });
  // An unambiguous start of a task is that task; repo ids with "/" and "-" are words.
  assert.deepEqual(parseHubSearch('task:fill distilbert/distilbert-base-uncased'), { ok: true, query: { query: 'distilbert/distilbert-base-uncased', task: 'fill-mask' } });
  assert.deepEqual(parseHubSearch(''), { ok: true, query: {} });
});

test('unknown filters, tasks and sorts, empty and repeated filters are refused with what is allowed', () => {
  const problem = (text: string) => {
    const r = parseHubSearch(text);
    assert.equal(r.ok, false, text);
    return r.ok ? '' : r.problem;
  };
  assert.equal(problem('bert lang:en'), 'Unknown filter "lang:". Filters: task:, sort:, author:.');
  assert.match(problem('task:text-clasification'), /^Unknown task "text-clasification" \(did you mean text-classification\?\)\. Tasks: text-classification, fill-mask,/);
  assert.equal(problem('sort:stars'), 'Unknown sort "stars". Sort by downloads, likes or updated.');
  assert.equal(problem('bert task:'), '"task:" needs a value, e.g. task:text-classification.');
  assert.equal(problem('author:a author:b'), '"author:" is given twice.');
});
