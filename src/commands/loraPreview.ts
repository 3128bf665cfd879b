// LoRA as the form, the layer picture and the run estimate see it before a run exists: the adapted modules and the
// trainable set worked out from the model's parameter list (config.json → modelParameters), with the trainer's own
// resolution (resolveLoraConfig, planLoraParameters), so what the form promises is what the run trains. No forward
// graph is built: a Linear module is read off the parameter shapes, which agree with the graph's (a test checks it).
import type { HeadKind } from '../models/arch/parameters';
import { basePrefix } from '../models/arch/parameters';
import type { ModelSpec } from '../models/modelSpec';
import type { TrainingArgs } from '../training/hyperparameters';
import { defaultFreezeLayers, type ParameterPlan } from '../training/parameterGroups';
import { LORA_DEFAULT_LR } from '../training/lora/loraChoice';
import { resolveLoraConfig, type LoraConfig } from '../training/lora/loraConfig';
import { adaptedLayers, LORA_STRATEGIES, planLoraParameters } from '../training/lora/loraPlan';
import type { LinearModule } from '../training/lora/loraTargets';
import type { StrategyId } from '../training/strategies';

/**
 * The learning rate of a LoRA run whose learningRate is unset (the trainer's LoRA default, one copy): the adapters' B
 * starts at zero and the update is scaled by alpha / r, so full fine-tuning's 2e-5 barely moves them in a few epochs.
 */
export const LORA_LEARNING_RATE = LORA_DEFAULT_LR;

/** The strategies a "train LoRA adapters instead of the weights" choice applies to (the 'lora' strategy implies it). */
export const LORA_ADAPTER_STRATEGIES: readonly StrategyId[] = LORA_STRATEGIES.filter((s) => s !== 'lora' && s !== 'full');

/** Whether a run of `strategy` with these settings trains LoRA adapters. */
export function usesLora(strategy: StrategyId, adapter: unknown): boolean {
  return strategy === 'lora' || (adapter === 'lora' && LORA_STRATEGIES.includes(strategy));
}

/**
 * Embedding tables are rank-2 `.weight` parameters read by Gather, never Linear modules: the token, position and type
 * tables (`*_embeddings`, ModernBERT's tok_embeddings, DeBERTa's rel_embeddings) and MPNet's relative attention bias.
 */
const EMBEDDING_TABLE = /(?:embeddings|relative_attention_bias)\.weight$/;

/** The Linear modules (`<module>.weight` of [out, in]) among a model's parameters, in parameter order. */
export function linearModulesOf(params: readonly ParamShape[]): LinearModule[] {
  return params
    .filter((p) => p.name.endsWith('.weight') && p.shape.length === 2 && !EMBEDDING_TABLE.test(p.name))
    .map((p) => ({ module: p.name.slice(0, -'.weight'.length), outFeatures: p.shape[0], inFeatures: p.shape[1] }));
}

/** The model facts LoRA needs besides the parameter list: family and type (targets, messages) and the head trained. */
export interface LoraModel {
  spec: ModelSpec;
  head: HeadKind;
}

/** A parameter's HF name and shape (modelParameters' entries, or the form's copies of them). */
export interface ParamShape {
  name: string;
  shape: readonly number[];
}

type LoraArgs = Pick<TrainingArgs, 'loraRank' | 'loraAlpha' | 'loraDropout' | 'useRslora' | 'loraTargetModules' | 'loraModulesToSave' | 'freezeLayers'>;

/**
 * The run's LoRA configuration as the trainer resolves it (throws LoraTargetError / LoraTargetConfigError with the
 * closest module names). Parameters the checkpoint lacks are not known before loading it: the head, which is always
 * saved, is the usual one.
 */
export function loraConfigFor(model: LoraModel, params: readonly ParamShape[], strategy: StrategyId, args: LoraArgs): LoraConfig {
  const numLayers = model.spec.numLayers;
  const freeze = args.freezeLayers ?? defaultFreezeLayers(numLayers);
  return resolveLoraConfig({
    spec: model.spec, head: model.head, paramNames: params.map((p) => p.name), initialised: [], base: basePrefix(model.spec.family),
    linear: linearModulesOf(params), args, layers: adaptedLayers(strategy, numLayers, freeze),
  });
}

/** The adapters' parameter shapes: lora_A [r, in] and lora_B [out, r] per adapted module (PEFT's names). */
export function adapterShapes(c: Pick<LoraConfig, 'modules' | 'rank'>): ParamShape[] {
  return c.modules.flatMap((m) => [
    { name: `${m.module}.lora_A.weight`, shape: [c.rank, m.inFeatures] },
    { name: `${m.module}.lora_B.weight`, shape: [m.outFeatures, c.rank] },
  ]);
}

/** r · (in + out) per adapted module: what the adapters add to the model. */
export function adapterParamCount(c: Pick<LoraConfig, 'modules' | 'rank'>): number {
  return c.modules.reduce((s, m) => s + c.rank * (m.inFeatures + m.outFeatures), 0);
}

/** The trainable set of one epoch under LoRA (planLoraParameters over the base strategy's plan). */
export function loraPlanFor(c: LoraConfig, params: readonly ParamShape[], numLayers: number, strategy: StrategyId, o: { epoch?: number; freezeLayers?: number; layerDecay?: number; unfreezeSchedule?: number[][] }): ParameterPlan {
  return planLoraParameters(params.map((p) => p.name), numLayers, strategy, o, c);
}
