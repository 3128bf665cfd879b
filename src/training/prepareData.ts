// A run's data: the data layer's splits (evaluation files, side-by-side split files, a split column, or a seeded
// stratified split), tokenized once for training, with the role and origin of each. Problems come back as the data
// layer's messages; warnings go to the log.
import { prepareDataset, resolveLimits, type Example, type LabelSpace, type MappingOverride, type ReadLimits } from '../data';
import { tokenizeExamples, type TokenizeFn, type TokenizedExample } from '../data/batching';
import { describeOrigin } from '../data/splits';
import type { SplitRoles } from './splitRoles';

export interface PreparedData {
  labels?: LabelSpace;
  train: TokenizedExample[];
  /** Selects the best checkpoint and drives early stopping. */
  validation: TokenizedExample[];
  /** Evaluated once on the final (or best) model; never used for selection. */
  test: TokenizedExample[];
  files: string[];
  warnings: string[];
  /** Rows and origin of each split, for run.json and the run log. */
  splits: SplitRoles;
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
  const tok = (xs: Example[]) => tokenizeExamples(xs, o.tokenize, { maxLength: o.maxLength });
  const [train, validation, test] = [tok(d.train), tok(d.validation), tok(d.test)];
  const splits: SplitRoles = {
    train: { rows: train.length, source: describeOrigin(d.origins.train) },
    validation: { rows: validation.length, source: describeOrigin(d.origins.validation) },
    test: { rows: test.length, source: describeOrigin(d.origins.test) },
  };
  return { labels: d.labels, train, validation, test, files: Object.values(d.files).filter((f): f is string => !!f), warnings, splits };
}
