// Parquet through hyparquet, one row group at a time: memory is bounded by the largest row group, not the file.
import * as fs from 'node:fs';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { MalformedRowError } from '../errors';
import { assertRegularFile } from './regularFile';
import type { RawRow, ReaderOptions } from './types';

interface OpenParquet {
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  close(): Promise<void>;
}

async function openParquet(file: string): Promise<OpenParquet> {
  assertRegularFile(file);
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  const { size } = await handle.stat();
  const buffer: AsyncBuffer = {
    byteLength: size,
    async slice(start: number, end?: number) {
      const stop = end ?? size;
      const bytes = new Uint8Array(Math.max(0, stop - start));
      await handle.read(bytes, 0, bytes.length, start);
      return bytes.buffer;
    },
  };
  try {
    return { buffer, metadata: await parquetMetadataAsync(buffer), close: () => handle.close() };
  } catch (e) {
    await handle.close();
    throw badParquet(file, e);
  }
}

function badParquet(file: string, e: unknown): MalformedRowError {
  return new MalformedRowError('bad-parquet', { file }, `not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`);
}

/**
 * int64 columns arrive as BigInt and lists as typed arrays; rows should hold plain JSON-like values. An int64 beyond
 * 2^53 becomes its exact decimal text, not the nearest double (2^60 and 2^60 + 1 are different classes).
 */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

export async function* readParquet(file: string, opts: ReaderOptions = {}): AsyncGenerator<RawRow> {
  const pq = await openParquet(file);
  try {
    let rowStart = 0;
    for (const group of pq.metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file: pq.buffer, metadata: pq.metadata, rowStart, rowEnd, columns: opts.columns });
      } catch (e) {
        throw badParquet(file, e);
      }
      for (let r = 0; r < rows.length; r++) {
        const row: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(rows[r])) row[k] = plain(v);
        yield { row, line: rowStart + r + 1 };
      }
      rowStart = rowEnd;
    }
  } finally {
    await pq.close();
  }
}

/** Top-level column names from the footer, without reading any data. */
export async function readParquetColumns(file: string): Promise<string[]> {
  const pq = await openParquet(file);
  try {
    return parquetSchema(pq.metadata).children.map((c) => c.element.name);
  } finally {
    await pq.close();
  }
}
