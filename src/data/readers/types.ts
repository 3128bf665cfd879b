// The one shape every reader yields, whatever the file format.
import type { ReadLimits } from './limits';

/** One record of a dataset file and where it starts (1-based line; for Parquet, 1-based row). */
export interface RawRow {
  row: Record<string, unknown>;
  line: number;
}

export interface ReaderOptions {
  /** Bounds on one record's size (defaults: 1 MiB per row and per header). */
  limits?: Partial<ReadLimits>;
  /** Parquet only: read just these columns (other formats parse whole records anyway). */
  columns?: string[];
}
