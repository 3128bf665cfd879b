// Which parameters a LoRA run trains, composed with the strategy it runs under: the strategy's plan over the base
// weights says which layers train (and at what learning-rate multiplier); under LoRA a trainable layer trains its
// adapters instead of its weights, and the saved modules (the head) train fully. So gradual unfreezing unfreezes
// adapters top down, layer-wise decay scales each layer's adapters, and partial gives adapters to the top layers only.
import { planParameters, type ParameterPlan, type StrategyOptions } from '../parameterGroups';
import type { StrategyId } from '../strategies';
import { isSavedParam, type LoraConfig } from './loraConfig';
import { loraAName, loraBName } from './loraGraph';

/** The strategies LoRA composes with; the others have no layers to adapt (feature extraction) or no PEFT task head. */
export const LORA_STRATEGIES: readonly StrategyId[] = ['lora', 'full', 'partial', 'gradual-unfreezing', 'discriminative-lr'];

export function planLoraParameters(paramNames: readonly string[], numLayers: number, strategy: StrategyId, o: StrategyOptions, lora: Pick<LoraConfig, 'modules' | 'modulesToSave'>): ParameterPlan {
  const base = planParameters([...paramNames], numLayers, strategy === 'lora' ? 'full' : strategy, o);
  const baseTrainable = new Set(base.trainable);
  const trainable: string[] = [];
  const lrMultipliers: Record<string, number> = {};
  for (const m of lora.modules) {
    const w = `${m.module}.weight`;
    if (!baseTrainable.has(w)) continue;
    for (const n of [loraAName(m.module), loraBName(m.module)]) {
      trainable.push(n);
      lrMultipliers[n] = base.lrMultipliers[w] ?? 1;
    }
  }
  for (const n of paramNames) {
    if (!isSavedParam(n, lora.modulesToSave)) continue;
    trainable.push(n);
    lrMultipliers[n] = base.lrMultipliers[n] ?? 1;
  }
  return { trainable, lrMultipliers };
}

/** partial + LoRA: the layers that get adapters (PEFT layers_to_transform); undefined: all. */
export function adaptedLayers(strategy: StrategyId, numLayers: number, freezeLayers: number): number[] | undefined {
  if (strategy !== 'partial') return undefined;
  return Array.from({ length: numLayers - freezeLayers }, (_, k) => freezeLayers + k);
}
