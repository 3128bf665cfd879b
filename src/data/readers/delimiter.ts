// Which delimiter a ".csv" really uses. Spreadsheets in many locales save "CSV" with ';' (',' is their decimal
// separator), and some tools write tabs; parsed with ',' such a file turns into one column named "text;label".
import { textFromLine } from './source';

const CANDIDATES = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CANDIDATES)[number];

/** Counts unquoted candidates in the header line; ties and headers without any go to ','. */
export function delimiterOfHeader(header: string): CsvDelimiter {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const c of header) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (CANDIDATES as readonly string[]).includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of CANDIDATES) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

export async function sniffCsvDelimiter(file: string): Promise<CsvDelimiter> {
  const head = await textFromLine(file, 1, 1 << 16);
  const nl = head.indexOf('\n');
  return delimiterOfHeader(nl === -1 ? head : head.slice(0, nl));
}
