// The hyperparameter input boxes of the quick-pick flow: which boxes a strategy shows, the default each is pre-filled
// with, and how typed text becomes a setting. Empty text means the default, never Number('') = 0. Pure.
import { DEFAULT_ARGS, resolveArgs, type TrainingArgs } from '../training/hyperparameters';
import { DEFAULT_LAYER_DECAY, defaultFreezeLayers } from '../training/parameterGroups';
import type { StrategyId } from '../training/strategies';
import { LORA_LEARNING_RATE } from './loraPreview';

export type NumericSetting = 'learningRate' | 'epochs' | 'batchSize' | 'maxLength' | 'warmupRatio' | 'weightDecay' | 'freezeLayers' | 'layerDecay' | 'loraRank' | 'loraAlpha';

export interface SettingField {
  key: NumericSetting;
  label: string;
  /** What an empty box means; also what the box is pre-filled with. */
  defaultValue: number;
  /** A range the model sets (freezeLayers: at most its layer count). */
  max?: number;
}

const COMMON: [NumericSetting, string][] = [
  ['learningRate', 'Learning rate'], ['epochs', 'Epochs'], ['batchSize', 'Batch size'], ['maxLength', 'Max length (tokens)'], ['warmupRatio', 'Warmup ratio'], ['weightDecay', 'Weight decay'],
];

/** The boxes shown for `strategy` on a model of `numLayers` encoder layers, in the order they are asked. */
export function settingFields(strategy: StrategyId, numLayers: number): SettingField[] {
  // LoRA's learning rate default is the trainer's for LoRA (its adapters start at zero; 2e-5 barely moves them).
  const fields: SettingField[] = COMMON.map(([key, label]) => ({ key, label, defaultValue: key === 'learningRate' && strategy === 'lora' ? LORA_LEARNING_RATE : DEFAULT_ARGS[key] as number }));
  if (strategy === 'partial') fields.push({ key: 'freezeLayers', label: `Bottom layers to freeze (of ${numLayers})`, defaultValue: defaultFreezeLayers(numLayers), max: numLayers });
  if (strategy === 'discriminative-lr') fields.push({ key: 'layerDecay', label: 'Layer-wise LR decay', defaultValue: DEFAULT_LAYER_DECAY });
  if (strategy === 'lora') {
    fields.push({ key: 'loraRank', label: 'LoRA rank (r)', defaultValue: DEFAULT_ARGS.loraRank });
    fields.push({ key: 'loraAlpha', label: 'LoRA alpha (adapter output × alpha / r)', defaultValue: DEFAULT_ARGS.loraAlpha });
  }
  return fields;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

export type ParsedSetting = { ok: true; value: number | undefined } | { ok: false; problem: string };

/** `value` undefined: the box was left empty, so the default applies (the setting is not written). */
export function parseSettingText(field: SettingField, text: string): ParsedSetting {
  const t = text.trim();
  if (t === '') return { ok: true, value: undefined };
  if (!NUMBER.test(t)) return { ok: false, problem: `"${t}" is not a number (leave the box empty for the default, ${field.defaultValue})` };
  const value = Number(t);
  try {
    resolveArgs({ [field.key]: value } as Partial<TrainingArgs>);
  } catch (e) {
    return { ok: false, problem: (e as Error).message.split('\n- ')[1] ?? (e as Error).message };
  }
  if (field.max !== undefined && value > field.max) return { ok: false, problem: `"${field.key}" must be at most ${field.max} (the model has ${field.max} layers), got ${value}` };
  return { ok: true, value };
}
