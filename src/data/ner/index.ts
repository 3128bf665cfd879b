// Token-classification data: what the worker, the CLI and task detection import.
export { loadNerDataset, type NerDataset, type NerExample, type NerLoadOptions } from './loadNer';
export { findNerSplitFiles, loadNerSplits, type NerSplitOptions, type NerSplits } from './nerSplits';
export { sniffNerFormat, isNerFileName, CONLL_EXTENSIONS, type ColumnNames, type Sniffed } from './nerFormat';
export { detectScheme, iob2Labels, parseTag, toIob2, type ParsedTag, type TagScheme } from './tagSchemes';
export type { NerFormat } from './sentence';
