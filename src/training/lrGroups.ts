// Parameter groups by learning rate, for the metrics feed (protocol.ts LrGroupsEntry) and the dashboard's per-group LR
// curves: "embeddings", "layer <i>", "head" (the pooler trains and decays with the head). Pure.
import { roleOf, type ParameterPlan } from './parameterGroups';

/** The group a parameter's learning rate is drawn under. */
export function lrGroupOf(name: string): string {
  const r = roleOf(name);
  return r.kind === 'layer' ? `layer ${r.index}` : r.kind === 'embeddings' ? 'embeddings' : 'head';
}

/** Bottom to top: embeddings, layer 0, 1, …, head; so a legend reads like the model. */
export function compareLrGroups(a: string, b: string): number {
  const rank = (g: string) => (g === 'embeddings' ? -1 : g === 'head' ? Number.MAX_SAFE_INTEGER : Number(/^layer (\d+)$/.exec(g)?.[1] ?? Number.MAX_SAFE_INTEGER - 1));
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Each trainable group's multiplier of the scheduled lr (the largest in the group; layer-wise decay gives one per group). */
export function lrGroupMultipliers(plan: ParameterPlan): Record<string, number> {
  const groups = new Map<string, number>();
  for (const name of plan.trainable) {
    const g = lrGroupOf(name);
    groups.set(g, Math.max(groups.get(g) ?? 0, plan.lrMultipliers[name] ?? 1));
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => compareLrGroups(a, b)));
}
