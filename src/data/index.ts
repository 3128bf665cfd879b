// The data layer's public surface: what views, the CLI and the worker import.
export { datasetFormatOf, isCandidateDataset, type DatasetFormat } from './datasetFile';
export { findDatasetFiles } from './discovery';
export {
  ColumnError, DatasetError, InvalidUtf8Error, LabelError, MalformedRowError, SplitError, formatLocation,
  type DataResult, type DatasetErrorCode, type DatasetWarning, type DatasetWarningCode,
} from './errors';
export { detectMapping, loadExamples, type Example, type LoadedDataset, type LoadOptions } from './examples';
export { buildLabelSpace, labelMaps, parseLabelSpace, type LabelKind, type LabelSpace } from './labels';
export { DEFAULT_READ_LIMITS, readColumnNames, readRows, resolveLimits, type RawRow, type ReadLimits } from './readers';
export { resolveMapping, type ColumnMapping, type MappingOverride } from './schema';
export { findSplitFiles, normalizeSplitName, overlapWarning, partitionBySplit, stratifiedSplit, type SplitFiles, type SplitName, type SplitRatios } from './splits';
export {
  collate, makeBatches, paddingStats, planBatches, tokenizeExamples, truncate,
  type Batch, type EncodedText, type PaddingStats, type TokenizedExample, type TokenizeFn,
} from './batching';
export { summarizeDataset, type DatasetSummary, type SummaryOptions } from './summary';
export { DEFAULT_RATIOS, DEFAULT_SEED, prepareDataset, type PreparedDataset, type PrepareOptions } from './prepare';
export { summaryDescription, summaryFacts, summaryTooltip, type SummaryFact } from './summaryText';
