// Whether a run trains LoRA adapters: the 'lora' strategy, "adapter": "lora" under a strategy LoRA composes with, or a
// PEFT adapter folder as the model. Refuses, before any run folder exists, LoRA settings on a run without adapters,
// adapters under a strategy without layers to adapt, and settings that contradict an adapter folder's own config.
import type { RunConfig } from '../protocol';
import { SettingsError, type TrainingArgs } from '../hyperparameters';
import { LORA_STRATEGIES } from './loraPlan';

/** LoRA's learning rate when none is set: 2e-5 (full fine-tuning's) barely moves adapters that start at zero. */
export const LORA_DEFAULT_LR = 5e-4;
const LORA_SETTINGS = ['loraRank', 'loraAlpha', 'loraDropout', 'useRslora', 'loraTargetModules', 'loraModulesToSave'] as const;

/** Whether the run trains LoRA adapters, refusing LoRA settings or strategies that cannot go together (before any run folder exists). */
export function usesLora(config: RunConfig, args: Pick<TrainingArgs, 'adapter'>, adapterIn: { dir: string } | undefined): boolean {
  const lora = config.strategy === 'lora' || args.adapter === 'lora' || adapterIn !== undefined;
  if (lora && !LORA_STRATEGIES.includes(config.strategy)) {
    throw new SettingsError(`LoRA adapters train under the strategies ${LORA_STRATEGIES.join(', ')}; ${config.strategy} ${adapterIn ? `cannot continue the adapter in ${adapterIn.dir}` : 'with "adapter": "lora" is not one of them'}: choose strategy "lora" (or remove the adapter setting).`);
  }
  if (!lora) {
    const set = LORA_SETTINGS.filter((k) => config.settings?.[k] !== undefined);
    if (set.length) throw new SettingsError(`${set.map((k) => `"${k}"`).join(', ')} ${set.length > 1 ? 'apply' : 'applies'} to LoRA runs only: choose strategy "lora", or set "adapter": "lora" with ${LORA_STRATEGIES.filter((x) => x !== 'lora').join(', ')}.`);
  }
  if (lora && adapterIn) {
    const set = LORA_SETTINGS.filter((k) => config.settings?.[k] !== undefined);
    if (set.length) throw new SettingsError(`${set.map((k) => `"${k}"`).join(', ')}: the run continues the adapter in ${adapterIn.dir}, whose adapter_config.json fixes its LoRA configuration; remove ${set.length > 1 ? 'them' : 'it'}.`);
  }
  return lora;
}
