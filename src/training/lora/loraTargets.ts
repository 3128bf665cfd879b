// Which Linear modules get LoRA adapters: PEFT's target_modules semantics (a list matches a module whose full name
// equals an entry or ends in "." + entry; a single string is a regular expression the whole name must match), the
// per-family defaults, and validation against the model's real module names with the closest names suggested, so
// `q`/`v` on a BERT (PEFT #377/#378) fails before the run with "did you mean query / value?".
import { closestNames } from '../../util/closestNames';
import type { ModelFamily } from '../../models/modelSpec';
import type { Graph } from '../../onnx/ir';

/**
 * Default targets per family: PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING where it has the family (bert,
 * roberta/xlm-roberta, electra, deberta-v2: the attention query and value projections, as in the LoRA paper). PEFT has no
 * default for distilbert, mpnet or modernbert (it asks for target_modules); ours are their query/value projections, and
 * ModernBERT's fused Wqkv (queries, keys and values are one Linear there).
 */
export const DEFAULT_TARGETS: Record<ModelFamily, string[]> = {
  bert: ['query', 'value'],
  roberta: ['query', 'value'],
  electra: ['query', 'value'],
  'deberta-v2': ['query_proj', 'value_proj'],
  distilbert: ['q_lin', 'v_lin'],
  mpnet: ['q', 'v'],
  modernbert: ['Wqkv'],
};

/** Whether PEFT itself knows the family's default (the adapter then also loads with target_modules left out). */
export const PEFT_HAS_DEFAULT: ReadonlySet<ModelFamily> = new Set<ModelFamily>(['bert', 'roberta', 'electra', 'deberta-v2']);

export type TargetModules = string[] | string;

/** A Linear module of the forward graph: y = x · Wᵀ (+ b), W an initializer named `<module>.weight` of [out, in]. */
export interface LinearModule {
  module: string;
  outFeatures: number;
  inFeatures: number;
}

/**
 * The Linear modules of a forward graph built by models/arch (or any graph with the same pattern): a weight
 * `<module>.weight` of rank 2 read only through Transpose(perm [1, 0]) into the right side of MatMul. Embedding tables
 * (read by Gather, or tied to a decoder and also gathered) are not Linear modules.
 */
export function linearModules(graph: Graph): LinearModule[] {
  const consumers = new Map<string, { op: string; perm?: number[]; index: number; out: string }[]>();
  for (const n of graph.nodes) {
    n.inputs.forEach((x, index) => {
      if (!graph.initializers.has(x)) return;
      const perm = n.attrs.perm?.type === 'ints' ? n.attrs.perm.value : undefined;
      (consumers.get(x) ?? consumers.set(x, []).get(x)!).push({ op: n.opType, perm, index, out: n.outputs[0] });
    });
  }
  const readers = new Map<string, { op: string; index: number }[]>();
  for (const n of graph.nodes) n.inputs.forEach((x, index) => (readers.get(x) ?? readers.set(x, []).get(x)!).push({ op: n.opType, index }));
  const out: LinearModule[] = [];
  for (const [name, t] of graph.initializers) {
    if (!name.endsWith('.weight') || t.dims.length !== 2) continue;
    const uses = consumers.get(name) ?? [];
    const linear = uses.length > 0 && uses.every((u) => u.op === 'Transpose' && u.perm?.[0] === 1 && u.perm?.[1] === 0
      && (readers.get(u.out) ?? []).every((r) => r.op === 'MatMul' && r.index === 1));
    if (linear) out.push({ module: name.slice(0, -'.weight'.length), outFeatures: t.dims[0], inFeatures: t.dims[1] });
  }
  return out;
}

/** PEFT's check_target_module_exists for a list or a regular expression. */
export function matchesTarget(module: string, targets: TargetModules): boolean {
  if (typeof targets === 'string') return new RegExp(`^(?:${targets})$`).test(module);
  return targets.some((t) => module === t || module.endsWith(`.${t}`));
}

/**
 * What a user writes as a target: a module's last name ("attention.self.query" → "query"), or its last two where the
 * last alone names modules under different parents (BERT's "dense": "attention.output.dense", "output.dense", …).
 */
function leafNames(modules: readonly LinearModule[]): string[] {
  const parents = new Map<string, Set<string>>();
  for (const m of modules) {
    const parts = m.module.split('.').filter((p) => !/^\d+$/.test(p));
    const leaf = parts[parts.length - 1];
    (parents.get(leaf) ?? parents.set(leaf, new Set()).get(leaf)!).add(parts.slice(-2, -1).join('.'));
  }
  const leaves = new Set<string>();
  for (const [leaf, ps] of parents) {
    if (ps.size <= 1) leaves.add(leaf);
    else for (const p of ps) leaves.add(p ? `${p}.${leaf}` : leaf);
  }
  return [...leaves].sort();
}

export class LoraTargetError extends Error {}

/**
 * The adapted modules, in graph order: every Linear module a target matches, minus the modules trained fully (the head:
 * an adapter on a weight that trains anyway would be a second copy of it). Throws LoraTargetError naming each target
 * that matches nothing with the closest real names, and the modules there are.
 */
export function resolveTargets(modules: readonly LinearModule[], targets: TargetModules, opts: { modelType: string; fullyTrained: (module: string) => boolean; layers?: ReadonlySet<number> }): LinearModule[] {
  const available = modules.filter((m) => !opts.fullyTrained(m.module));
  const leaves = leafNames(available);
  const problems: string[] = [];
  if (typeof targets === 'string') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${targets})$`);
    } catch (e) {
      throw new LoraTargetError(`"loraTargetModules" ${JSON.stringify(targets)} is not a valid regular expression: ${(e as Error).message}`);
    }
    if (!available.some((m) => re.test(m.module))) problems.push(`the regular expression ${JSON.stringify(targets)} matches no full module name (for example "${available[0]?.module ?? ''}")`);
  } else {
    if (targets.length === 0) throw new LoraTargetError('"loraTargetModules" is empty: name at least one Linear module (for example "query")');
    for (const t of targets) {
      if (available.some((m) => matchesTarget(m.module, [t]))) continue;
      const head = modules.some((m) => matchesTarget(m.module, [t]) && opts.fullyTrained(m.module));
      if (head) {
        problems.push(`"${t}" is part of the head, which trains fully (modules_to_save); adapt encoder modules instead`);
        continue;
      }
      const near = closestNames(t, leaves, 3);
      problems.push(`"${t}" matches no Linear module${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}`);
    }
  }
  if (problems.length) {
    throw new LoraTargetError(`"loraTargetModules" for this ${opts.modelType} model:\n- ${problems.join('\n- ')}\nIts Linear modules end in: ${leaves.join(', ')}.`);
  }
  const layerOf = (m: string) => Number(/(?:^|\.)(?:layer|layers)\.(\d+)\./.exec(`${m}.`)?.[1] ?? NaN);
  return available.filter((m) => matchesTarget(m.module, targets) && (!opts.layers || opts.layers.has(layerOf(m.module))));
}
