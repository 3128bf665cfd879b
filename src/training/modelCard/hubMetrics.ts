// Our metric names (worker/metrics.ts) as the Hub's model-index names them. The Hub wants each metric's `type` to be a
// metric id from hf.co/metrics (the `evaluate` library's names: huggingface_hub repocard_data.py EvalResult.metric_type,
// hub-docs modelcard.md); variants of one metric (macro or micro F1, RMSE) keep that id and say which one in `args`, as
// `evaluate`'s compute() arguments do, so a leaderboard never mistakes a macro F1 for a micro one.
import type { TaskKind } from '../worker/metrics';

export interface HubMetric {
  type: string;
  /** A readable name, as the Hub shows it ("Macro F1"). */
  name: string;
  /** The arguments of `evaluate.load(type).compute()` that give this variant. */
  args?: Record<string, string | boolean>;
}

const TABLE: Record<string, HubMetric> = {
  loss: { type: 'loss', name: 'Loss' },
  accuracy: { type: 'accuracy', name: 'Accuracy' },
  // scikit-learn's accuracy_score on multi-label targets is the subset accuracy (every label of an example right).
  subsetAccuracy: { type: 'accuracy', name: 'Subset accuracy' },
  macroF1: { type: 'f1', name: 'Macro F1', args: { average: 'macro' } },
  microF1: { type: 'f1', name: 'Micro F1', args: { average: 'micro' } },
  weightedF1: { type: 'f1', name: 'Weighted F1', args: { average: 'weighted' } },
  hammingLoss: { type: 'hamming_loss', name: 'Hamming loss' },
  precision: { type: 'precision', name: 'Precision' },
  recall: { type: 'recall', name: 'Recall' },
  f1: { type: 'f1', name: 'F1' },
  // evaluate's mse with squared=False is the RMSE.
  mse: { type: 'mse', name: 'MSE' },
  rmse: { type: 'mse', name: 'RMSE', args: { squared: false } },
  mae: { type: 'mae', name: 'MAE' },
  r2: { type: 'r_squared', name: 'R²' },
  pearson: { type: 'pearsonr', name: 'Pearson r' },
  perplexity: { type: 'perplexity', name: 'Perplexity' },
  exactMatch: { type: 'exact_match', name: 'Exact match' },
  hasAnsExactMatch: { type: 'exact_match', name: 'HasAns exact match', args: { subset: 'HasAns' } },
  hasAnsF1: { type: 'f1', name: 'HasAns F1', args: { subset: 'HasAns' } },
  noAnsExactMatch: { type: 'exact_match', name: 'NoAns exact match', args: { subset: 'NoAns' } },
};

/** Token classification scores entities with seqeval: its default mode for f1, strict IOB2 for strictF1. */
const NER: Record<string, HubMetric> = {
  macroF1: { type: 'f1', name: 'Macro F1 (entity types)', args: { average: 'macro' } },
  strictF1: { type: 'f1', name: 'Strict F1', args: { mode: 'strict', scheme: 'IOB2' } },
  accuracy: { type: 'accuracy', name: 'Accuracy (word tags)' },
};

/** The Hub metric for one of our metric names; a name we do not know keeps its own name, snake_cased, as its type. */
export function hubMetric(name: string, task: TaskKind): HubMetric {
  const known = (task === 'token-classification' ? NER[name] : undefined) ?? TABLE[name];
  if (known) return known;
  return { type: name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]+/g, '_').toLowerCase(), name };
}
