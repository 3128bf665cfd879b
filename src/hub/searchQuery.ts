// The Hub search box's one line: free words plus inline filters, e.g.
//   "bert task:text-classification sort:downloads author:google"
// parsed into a search query, or into the problem to show under the box while typing. Pure.
import { closestNames } from '../util/closestNames';
import { HUB_TASKS, type HubSearchQuery, type HubSort, type HubTask } from './hubClient';

const SORTS: Record<string, HubSort> = { downloads: 'downloads', likes: 'likes', updated: 'lastModified', recent: 'lastModified', lastmodified: 'lastModified' };
const FILTERS = ['task', 'sort', 'author'] as const;
/** Other spellings users type for the same filter. */
const ALIASES: Record<string, (typeof FILTERS)[number]> = { task: 'task', pipeline: 'task', sort: 'sort', author: 'author', owner: 'author', org: 'author', by: 'author' };

export const SEARCH_SYNTAX = 'words, then optional filters: task:<pipeline tag> sort:downloads|likes|updated author:<user or org>';

export type ParsedSearch = { ok: true; query: HubSearchQuery } | { ok: false; problem: string };

/** A task by its pipeline tag or an unambiguous start of one ("task:text" is text-classification). */
function taskOf(value: string): HubTask | string[] {
  const exact = HUB_TASKS.find((t) => t === value);
  if (exact) return exact;
  const starts = HUB_TASKS.filter((t) => t.startsWith(value));
  return starts.length === 1 ? starts[0] : starts.length ? starts : closestNames(value, [...HUB_TASKS], 2);
}

export function parseHubSearch(text: string): ParsedSearch {
  const words: string[] = [];
  const query: HubSearchQuery = {};
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([A-Za-z]+):(.*)$/.exec(token);
    // Repo ids hold "/" and "-", never "word:": anything else is a search word.
    if (!m) {
      words.push(token);
      continue;
    }
    const filter = ALIASES[m[1].toLowerCase()];
    const value = m[2].trim();
    if (!filter) return { ok: false, problem: `Unknown filter "${m[1]}:". Filters: ${FILTERS.map((f) => `${f}:`).join(', ')}.` };
    if (!value) return { ok: false, problem: `"${m[1]}:" needs a value, e.g. ${filter === 'task' ? 'task:text-classification' : filter === 'sort' ? 'sort:likes' : 'author:google'}.` };
    if (filter in query) return { ok: false, problem: `"${filter}:" is given twice.` };
    if (filter === 'task') {
      const t = taskOf(value.toLowerCase());
      if (typeof t !== 'string') return { ok: false, problem: `Unknown task "${value}"${t.length ? ` (did you mean ${t.join(' or ')}?)` : ''}. Tasks: ${HUB_TASKS.join(', ')}.` };
      query.task = t;
    } else if (filter === 'sort') {
      const s = SORTS[value.toLowerCase()];
      if (!s) return { ok: false, problem: `Unknown sort "${value}". Sort by downloads, likes or updated.` };
      query.sort = s;
    } else {
      query.author = value;
    }
  }
  if (words.length) query.query = words.join(' ');
  return { ok: true, query };
}
