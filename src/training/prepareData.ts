// A run's data: the data layer's splits (evaluation files, side-by-side split files, a split column, or a seeded
// stratified split), tokenized once for training. Problems come back as the data layer's messages; warnings go to the log.
import { prepareDataset, resolveLimits, type Example, type LabelSpace, type MappingOverride, type ReadLimits } from '../data';
import { tokenizeExamples, type TokenizeFn, type TokenizedExample } from '../data/batching';

export interface PreparedData {
  labels?: LabelSpace;
  train: TokenizedExample[];
  eval: TokenizedExample[];
  files: string[];
  warnings: string[];
  /** How the evaluation set was chosen, for the run log. */
  evalSource: string;
}

export interface PrepareOptions {
  mapping?: MappingOverride;
  tokenize: TokenizeFn;
  maxLength: number;
  seed: number;
  /** MLM: the text is the data; labels are ignored. */
  unlabeled?: boolean;
  /** Per-row and per-header size bounds (RunConfig.dataLimits). */
  limits?: Partial<ReadLimits>;
}

export async function prepareData(file: string, o: PrepareOptions): Promise<PreparedData> {
  const mapping: MappingOverride = o.unlabeled ? { ...o.mapping, label: null } : { ...o.mapping };
  // A bad limit is a settings error naming its key, not a "cannot read the file" about the data.
  const limits = resolveLimits(o.limits);
  const r = await prepareDataset(file, { mapping, seed: o.seed, limits });
  const warnings = r.warnings.map((w) => w.message);
  if (!r.ok) throw r.error;
  const d = r.value;
  if (!o.unlabeled && !d.labels) {
    throw new Error(`${file}: no label column was found; name it "label" (or set the column mapping), or use the masked-LM strategy for unlabeled text.`);
  }
  if (!d.train.length) throw new Error(`${file}: no training examples remain after validation.`);
  // Validation data drives model selection; a test file alone is used when there is nothing else to evaluate on.
  const evalExamples = d.validation.length ? d.validation : d.test;
  const evalName = d.validation.length ? 'validation' : 'test';
  const evalSource =
    d.source === 'files' ? `${evalName} file ${d.files[evalName]}` : d.source === 'column' ? `the ${evalName} rows of split column "${d.mapping.split}"` : `a stratified 10% of ${file} (seed ${o.seed})`;
  const tok = (xs: Example[]) => tokenizeExamples(xs, o.tokenize, { maxLength: o.maxLength });
  return {
    labels: d.labels, train: tok(d.train), eval: tok(evalExamples),
    files: Object.values(d.files).filter((f): f is string => !!f), warnings, evalSource,
  };
}
