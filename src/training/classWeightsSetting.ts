// The `classWeights` setting's type and the checks that need no data: the labels are known only once the data is read,
// so naming, counting and computing weights is classWeights.ts's job (after prepareData).

/**
 * How the classification loss weighs each class: 'none' (every example counts the same), 'balanced' (scikit-learn's
 * n_samples / (n_classes · count_c) on the training split; multi-label: PyTorch's pos_weight = negatives / positives
 * per label), one weight per class in label order, or a label → weight map (labels it leaves out weigh 1, as in
 * scikit-learn's class_weight dict).
 */
export type ClassWeightsSetting = 'none' | 'balanced' | number[] | Record<string, number>;

/** NaN and ±Infinity as themselves (JSON.stringify writes them as null). */
const shown = (w: unknown) => (typeof w === 'number' ? String(w) : (JSON.stringify(w) ?? String(w)));
const positiveFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** What the setting must be, or undefined when its shape is fine (labels are checked later, against the data). */
export function classWeightsShapeProblem(v: unknown): string | undefined {
  const expected = '"none", "balanced", a list of positive weights (one per class, in label order) or a map {"label": weight}';
  if (v === 'none' || v === 'balanced') return undefined;
  if (Array.isArray(v)) {
    if (!v.length) return `${expected}; the list is empty`;
    const bad = v.findIndex((w) => !positiveFinite(w));
    return bad < 0 ? undefined : `${expected}; weight ${bad + 1} (${shown(v[bad])}) is not a positive finite number`;
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (!entries.length) return `${expected}; the map is empty`;
    const bad = entries.find(([, w]) => !positiveFinite(w));
    return bad ? `${expected}; the weight of "${bad[0]}" (${shown(bad[1])}) is not a positive finite number` : undefined;
  }
  return expected;
}
