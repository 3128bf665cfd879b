// The form's "which layers train" picture: the model's parameter groups (head at the top, embeddings at the bottom)
// and, per phase, whether each trains and at what learning rate. It is read off planParameters, the same plan the
// trainer uses, so the picture cannot disagree with the run (gradual unfreezing: one column per epoch). Under LoRA the
// plan is planLoraParameters': a layer the strategy trains gets adapters on its adapted modules, its weights frozen.
import { adapterShapes, loraPlanFor } from '../commands/loraPreview';
import { planParameters, roleOf, type ParamRole } from '../training/parameterGroups';
import type { LoraConfig } from '../training/lora/loraConfig';
import type { StrategyId } from '../training/strategies';

export interface LayerGroup {
  label: string;
  params: number;
  /** Under LoRA, the group's adapters: the adapted modules' short names and r · (in + out) summed over them. */
  adapters?: { modules: string[]; params: number };
}

export interface PicturePhase {
  label: string;
  /** Per group (same order as groups): the learning rate it trains at, or null when frozen. */
  lr: (number | null)[];
  /** Under LoRA, per group: whether its own weights train (the head, saved modules) or its adapters; null when frozen. */
  trains?: ('weights' | 'adapters' | null)[];
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
  lora?: LoraConfig,
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
  // Each adapter factor belongs to its module's group (roleOf reads the layer index off the module path).
  const adapters = new Map<string, { names: string[]; modules: Set<string>; params: number }>();
  for (const a of lora ? adapterShapes(lora) : []) {
    const key = groupOf(roleOf(a.name));
    const g = adapters.get(key) ?? adapters.set(key, { names: [], modules: new Set(), params: 0 }).get(key)!;
    g.names.push(a.name);
    g.modules.add(a.name.replace(/\.lora_[AB]\.weight$/, '').split('.').pop()!);
    g.params += a.shape.reduce((x, y) => x * y, 1);
  }
  const phaseCount = strategy === 'gradual-unfreezing' ? Math.max(1, Math.ceil(o.epochs)) : 1;
  const phases: PicturePhase[] = [];
  for (let e = 0; e < phaseCount; e++) {
    const so = { epoch: e, freezeLayers: o.freezeLayers, layerDecay: o.layerDecay, unfreezeSchedule: o.unfreezeSchedule };
    const plan = lora ? loraPlanFor(lora, params, numLayers, strategy, so) : planParameters(names, numLayers, strategy, so);
    const trainable = new Set(plan.trainable);
    // A group trains when its parameters (or its adapters) do; its rate is the first one's (one multiplier per group).
    const first = (ns: readonly string[] | undefined) => ns?.find((n) => trainable.has(n));
    const what = groups.map(([label, g]) => (first(g.names) ? 'weights' as const : first(adapters.get(label)?.names) ? 'adapters' as const : null));
    phases.push({
      label: strategy === 'gradual-unfreezing' ? `epoch ${e + 1}` : 'all epochs',
      lr: groups.map(([label, g], i) => {
        const n = what[i] === 'weights' ? first(g.names) : what[i] === 'adapters' ? first(adapters.get(label)!.names) : undefined;
        return n === undefined ? null : o.learningRate * plan.lrMultipliers[n];
      }),
      ...(lora ? { trains: what } : {}),
    });
  }
  return {
    groups: groups.map(([label, g]) => {
      const a = adapters.get(label);
      return { label, params: g.params, ...(a ? { adapters: { modules: [...a.modules], params: a.params } } : {}) };
    }),
    phases,
  };
}
