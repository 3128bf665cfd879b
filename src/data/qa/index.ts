// Extractive question answering data: SQuAD JSON and flat JSONL readers, validation, and splits by context.
export type { QaDataset, QaExample } from './qaRows';
export { loadQaDataset } from './loadQa';
export { loadQaSplits, splitByContext, type QaSplits } from './qaSplits';
