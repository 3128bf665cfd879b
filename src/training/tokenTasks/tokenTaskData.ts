// A token task's data for the general trainer: NER sentences or SQuAD questions read and split by the data layer,
// turned into model windows (features) by nerFeatures / qaFeatures, and kept beside them so evaluation can map window
// predictions back to words and answers. The windows are TokenizedExamples (index = position in the list), so the
// trainer's batching, feature cache and loop treat them as they treat classification examples.
import type { TokenizedExample } from '../../data/batching';
import { loadNerSplits, type NerExample } from '../../data/ner';
import { loadQaSplits, type QaExample } from '../../data/qa';
import type { TextTokenizer } from '../../models/tokenizer';
import { WordEncoder } from '../../models/wordEncoding';
import { docStrideFor, type TrainingArgs } from '../hyperparameters';
import type { PreparedData } from '../prepareData';
import { nerFeatures, type NerFeature } from './nerFeatures';
import { qaFeatures, type QaFeature } from './qaFeatures';

export interface NerEvalSet {
  examples: NerExample[];
  features: NerFeature[];
}

export interface QaEvalSet {
  examples: QaExample[];
  features: QaFeature[];
}

/** What every run's data gives the trainer (prepareData.ts's shape); token tasks have no label space of their own. */
type Common = Omit<PreparedData, 'labels'>;

export type TokenTaskData =
  | (Common & { task: 'token-classification'; format: string; scheme: string; tags: string[]; eval: { validation: NerEvalSet; test: NerEvalSet } })
  | (Common & { task: 'question-answering'; format: string; version2: boolean; eval: { validation: QaEvalSet; test: QaEvalSet } });

export interface TokenTaskOptions {
  tokenizer: TextTokenizer;
  args: TrainingArgs;
  maxLength: number;
  /** NER files whose tags are integers without a dataset_info.json beside them: the names, in id order. */
  labelNames?: string[];
  /** NER: the head's tag order, given the data's (nerHead.ts: a checkpoint trained on the same tags keeps its order). */
  orderTags?: (tags: string[]) => string[];
}

/** Windows as the trainer's examples: index = position in the list, which evaluation maps back through. */
export const asItems = <F extends { ids: number[]; typeIds: number[] }>(features: readonly F[], label: (f: F) => number[]): TokenizedExample[] =>
  features.map((f, index) => ({ ids: f.ids, typeIds: f.typeIds, label: label(f), index }));

/** NER windows of `examples` with tag ids from `tags` (the head's id order); a tag outside it is named with its line. */
export function nerFeaturesFor(examples: readonly NerExample[], tags: readonly string[], encoder: WordEncoder, o: { file: string; split: string; maxLength: number; args: TrainingArgs }): NerFeature[] {
  const tagId = new Map(tags.map((t, i) => [t, i]));
  const withIds = examples.map((e) => ({
    tokens: e.tokens,
    tags: e.tags.map((t, w) => {
      const id = tagId.get(t);
      // loadNerSplits checks evaluation tags against the training set; this guards the invariant the head relies on.
      if (id === undefined) throw new Error(`${o.file}:${e.line}: word ${w + 1} of this ${o.split} sentence is tagged "${t}", which the model does not know (its tags: ${tags.join(', ')}).`);
      return id;
    }),
  }));
  return nerFeatures(withIds, encoder, { maxLength: o.maxLength, stride: o.args.stride, labelAllSubwords: o.args.labelAllSubwords, labels: tags });
}

/** QA windows of `examples` with the run's question length and document stride. */
export function qaFeaturesFor(examples: readonly QaExample[], encoder: WordEncoder, o: { maxLength: number; args: TrainingArgs }): QaFeature[] {
  return qaFeatures(examples, encoder, { maxLength: o.maxLength, docStride: docStrideFor(o.args, o.maxLength), maxQuestionLength: o.args.maxQuestionLength });
}

export async function prepareNerData(file: string, o: TokenTaskOptions): Promise<TokenTaskData> {
  const s = await loadNerSplits(file, { seed: o.args.seed, labelNames: o.labelNames });
  if (!s.train.length) throw new Error(`${file}: no training sentences remain after validation.`);
  const tags = o.orderTags ? o.orderTags(s.labels) : s.labels;
  const encoder = new WordEncoder(o.tokenizer);
  const featuresOf = (examples: readonly NerExample[], split: string) => nerFeaturesFor(examples, tags, encoder, { file, split, maxLength: o.maxLength, args: o.args });
  const [train, validation, test] = [featuresOf(s.train, 'train'), featuresOf(s.validation, 'validation'), featuresOf(s.test, 'test')];
  const warnings = [...s.warnings];
  const split = (examples: number, features: number) => features > examples ? ` (${features} windows of up to ${o.maxLength} tokens)` : '';
  for (const [name, ex, fs] of [['training', s.train, train], ['validation', s.validation, validation]] as const) {
    if (fs.length > ex.length) warnings.push(`${fs.length - ex.length} window(s) added for ${name} sentences longer than maxLength ${o.maxLength}: they are split with a stride of ${o.args.stride} tokens, not cut.`);
  }
  return {
    task: 'token-classification', format: s.format, scheme: s.scheme, tags,
    train: asItems(train, (f) => f.labels), validation: asItems(validation, (f) => f.labels), test: asItems(test, (f) => f.labels),
    files: [s.files.train, s.files.validation, s.files.test].filter((f): f is string => !!f),
    warnings,
    splits: {
      train: { rows: s.train.length, source: `${s.files.train}${split(s.train.length, train.length)}` },
      validation: { rows: s.validation.length, source: s.origins.validation },
      test: { rows: s.test.length, source: s.origins.test },
    },
    eval: { validation: { examples: s.validation, features: validation }, test: { examples: s.test, features: test } },
  };
}

export async function prepareQaData(file: string, o: TokenTaskOptions): Promise<TokenTaskData> {
  const s = await loadQaSplits(file, { seed: o.args.seed });
  if (!s.train.length) throw new Error(`${file}: no training questions remain after validation.`);
  const encoder = new WordEncoder(o.tokenizer);
  const featuresOf = (examples: readonly QaExample[]) => qaFeaturesFor(examples, encoder, { maxLength: o.maxLength, args: o.args });
  const [train, validation, test] = [featuresOf(s.train), featuresOf(s.validation), featuresOf(s.test)];
  const windows = (examples: number, features: number) => features > examples ? ` (${features} context windows)` : '';
  return {
    task: 'question-answering', format: s.format, version2: s.version2,
    train: asItems(train, (f) => [f.start, f.end]), validation: asItems(validation, (f) => [f.start, f.end]), test: asItems(test, (f) => [f.start, f.end]),
    files: [s.files.train, s.files.validation, s.files.test].filter((f): f is string => !!f),
    warnings: s.warnings,
    splits: {
      train: { rows: s.train.length, source: `${s.files.train}${windows(s.train.length, train.length)}` },
      validation: { rows: s.validation.length, source: `${s.origins.validation}${windows(s.validation.length, validation.length)}` },
      test: { rows: s.test.length, source: s.origins.test },
    },
    eval: { validation: { examples: s.validation, features: validation }, test: { examples: s.test, features: test } },
  };
}
