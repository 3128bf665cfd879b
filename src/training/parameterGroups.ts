// Which parameters train, and at what learning-rate multiplier, for each transfer strategy. Works on Hugging Face
// parameter names only, so it serves every family whose names follow `<base>.encoder.layer.<i>.` / `transformer.layer.<i>.`.
import type { StrategyId } from './strategies';

export type ParamRole = { kind: 'embeddings' } | { kind: 'layer'; index: number } | { kind: 'head' } | { kind: 'pooler' };

const LAYER = /(?:^|\.)(?:encoder\.layer|transformer\.layer|layers?)\.(\d+)\./;

export function roleOf(name: string): ParamRole {
  const m = LAYER.exec(name);
  if (m) return { kind: 'layer', index: Number(m[1]) };
  // ELECTRA's embeddings_project (embedding size → hidden size) belongs to the embeddings, not to the task head.
  if (/(?:^|\.)embeddings(?:_project)?\./.test(name)) return { kind: 'embeddings' };
  // DeBERTa's relative-position table and its LayerNorm, and MPNet's relative attention bias, feed every layer's
  // attention, so they cannot belong to one layer: like the absolute position embeddings of BERT they sit below layer 0
  // (frozen with the embeddings, unfrozen with them, the embeddings' learning rate under layer-wise decay).
  if (/(?:^|\.)encoder\.(?:rel_embeddings|LayerNorm|relative_attention_bias)\./.test(name)) return { kind: 'embeddings' };
  // ModernBERT's final_norm sits between the last layer and the head, where BERT has its pooler: frozen with the
  // encoder by feature extraction, trained from the first epoch of gradual unfreezing.
  if (/(?:^|\.)(?:pooler\.|final_norm\.)/.test(name)) return { kind: 'pooler' };
  return { kind: 'head' };
}

/** discriminative-lr's decay when none is set: lr × 0.95^(layers − layer), ULMFiT's / the tutorial's value. */
export const DEFAULT_LAYER_DECAY = 0.95;

/** partial's frozen bottom layers when none is set: half of them. */
export const defaultFreezeLayers = (numLayers: number): number => Math.floor(numLayers / 2);

export interface StrategyOptions {
  /** partial: how many bottom layers stay frozen (the embeddings always are). */
  freezeLayers?: number;
  /** gradual-unfreezing: the epoch (0-based) the plan is for; `unfreezeSchedule` lists layers to add per epoch instead. */
  epoch?: number;
  unfreezeSchedule?: number[][];
  /** discriminative-lr: the decay factor (e.g. 0.95). */
  layerDecay?: number;
}

export interface ParameterPlan {
  trainable: string[];
  /** Multiplier of the scheduled lr per trainable parameter (1 unless layer-wise decay applies). */
  lrMultipliers: Record<string, number>;
}

/** The encoder body excludes the task head: what feature extraction freezes and what MLM / SetFit adapt. */
export function isBodyParam(name: string): boolean {
  return roleOf(name).kind !== 'head';
}

export function planParameters(names: string[], numLayers: number, strategy: StrategyId, o: StrategyOptions = {}): ParameterPlan {
  const pick = (keep: (r: ParamRole, name: string) => boolean) => names.filter((n) => keep(roleOf(n), n));
  let trainable: string[];
  const lrMultipliers: Record<string, number> = {};
  switch (strategy) {
    case 'feature-extraction':
      trainable = pick((r) => r.kind === 'head');
      break;
    case 'full':
    case 'lora':
    case 'mlm':
    case 'setfit':
      trainable = [...names];
      break;
    case 'partial': {
      const frozen = o.freezeLayers ?? defaultFreezeLayers(numLayers);
      if (frozen < 0 || frozen > numLayers) throw new Error(`freezeLayers must be between 0 and ${numLayers} (the model has ${numLayers} layers), got ${frozen}`);
      trainable = pick((r) => r.kind !== 'embeddings' && !(r.kind === 'layer' && r.index < frozen));
      break;
    }
    case 'gradual-unfreezing': {
      const epoch = o.epoch ?? 0;
      const layers = new Set<number>();
      if (o.unfreezeSchedule) {
        for (let e = 0; e <= epoch && e < o.unfreezeSchedule.length; e++) for (const l of o.unfreezeSchedule[e]) layers.add(l);
      } else {
        // Epoch 0: head only; epoch e: the top e layers; one past the bottom layer: the embeddings too.
        for (let k = 0; k < Math.min(epoch, numLayers); k++) layers.add(numLayers - 1 - k);
      }
      const embeddings = !o.unfreezeSchedule && epoch > numLayers;
      trainable = pick((r) => r.kind === 'head' || r.kind === 'pooler' || (r.kind === 'layer' && layers.has(r.index)) || (r.kind === 'embeddings' && embeddings));
      break;
    }
    case 'discriminative-lr': {
      const decay = o.layerDecay ?? DEFAULT_LAYER_DECAY;
      if (!(decay > 0 && decay <= 1)) throw new Error(`layerDecay must be in (0, 1], got ${decay}`);
      trainable = [...names];
      for (const n of names) {
        const r = roleOf(n);
        // lr_layer = base × decay^(L − layer) with layers counted from 1; embeddings sit below layer 1; head at base.
        const depth = r.kind === 'layer' ? numLayers - r.index : r.kind === 'embeddings' ? numLayers + 1 : 0;
        lrMultipliers[n] = decay ** depth;
      }
      break;
    }
  }
  for (const n of trainable) lrMultipliers[n] ??= 1;
  return { trainable, lrMultipliers };
}
