// The form's "which layers train" picture: the model's parameter groups (head at the top, embeddings at the bottom)
// and, per phase, whether each trains and at what learning rate. It is read off planParameters, the same plan the
// trainer uses, so the picture cannot disagree with the run (gradual unfreezing: one column per epoch).
import { planParameters, roleOf, type ParamRole } from '../training/parameterGroups';
import type { StrategyId } from '../training/strategies';

export interface LayerGroup {
  label: string;
  params: number;
}

export interface PicturePhase {
  label: string;
  /** Per group (same order as groups): the learning rate it trains at, or null when frozen. */
  lr: (number | null)[];
}

export interface LayerPicture {
  groups: LayerGroup[];
  phases: PicturePhase[];
}

const groupOf = (r: ParamRole): string => (r.kind === 'layer' ? `layer ${r.index}` : r.kind);
const ORDER = (r: ParamRole): number => (r.kind === 'head' ? 1e6 : r.kind === 'pooler' ? 1e5 : r.kind === 'layer' ? 1 + r.index : 0);

export function layerPicture(
  params: readonly { name: string; shape: readonly number[] }[],
  numLayers: number,
  strategy: StrategyId,
  o: { learningRate: number; epochs: number; freezeLayers?: number; layerDecay?: number; unfreezeSchedule?: number[][] },
): LayerPicture {
  const byGroup = new Map<string, { order: number; names: string[]; params: number }>();
  for (const p of params) {
    const r = roleOf(p.name);
    const key = groupOf(r);
    const g = byGroup.get(key) ?? { order: ORDER(r), names: [], params: 0 };
    g.names.push(p.name);
    g.params += p.shape.reduce((a, b) => a * b, 1);
    byGroup.set(key, g);
  }
  const groups = [...byGroup.entries()].sort((a, b) => b[1].order - a[1].order);
  const names = params.map((p) => p.name);
  const phaseCount = strategy === 'gradual-unfreezing' ? Math.max(1, Math.ceil(o.epochs)) : 1;
  const phases: PicturePhase[] = [];
  for (let e = 0; e < phaseCount; e++) {
    const plan = planParameters(names, numLayers, strategy, { epoch: e, freezeLayers: o.freezeLayers, layerDecay: o.layerDecay, unfreezeSchedule: o.unfreezeSchedule });
    const trainable = new Set(plan.trainable);
    phases.push({
      label: strategy === 'gradual-unfreezing' ? `epoch ${e + 1}` : 'all epochs',
      // A group trains when its parameters do; its rate is its first parameter's (one multiplier per group).
      lr: groups.map(([, g]) => (g.names.some((n) => trainable.has(n)) ? o.learningRate * plan.lrMultipliers[g.names.find((n) => trainable.has(n))!] : null)),
    });
  }
  return { groups: groups.map(([label, g]) => ({ label, params: g.params })), phases };
}
