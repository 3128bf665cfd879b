// The form's LoRA boxes as settings the trainer reads, and their check against the chosen model: target modules typed
// as "query, value" (names, matched at the end of a module's name as PEFT matches them) or as one regular expression
// over full names, extra saved modules as a comma-separated list, and names the model lacks refused before Start with
// the closest real names (a BERT has no "q": "did you mean query?"), in the trainer's own words.
import { loraConfigFor, type LoraModel, type ParamShape } from '../commands/loraPreview';
import { resolveArgs } from '../training/hyperparameters';
import { LoraTargetConfigError } from '../training/lora/loraConfig';
import { LoraTargetError } from '../training/lora/loraTargets';
import type { StrategyId } from '../training/strategies';

/** Characters no module name holds: text with one of them is a regular expression, commas included ("{1,2}"). */
const REGEX_SYNTAX = /[*+?()[\]{}|^$\\]/;

/** "query, value" → ["query", "value"]; ".*\.(query|value)" → that regular expression, as one string. */
export function parseTargetModules(text: string): string[] | string {
  const t = text.trim();
  return REGEX_SYNTAX.test(t) ? t : parseModuleList(t);
}

/** "pooler, dense" → ["pooler", "dense"]; empty entries (a trailing comma) are dropped. */
export function parseModuleList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A regular expression that does not compile, said before a model is chosen (resolveTargets says it after). */
export function targetSyntaxProblem(targets: unknown): string | undefined {
  if (typeof targets !== 'string') return undefined;
  try {
    new RegExp(targets);
    return undefined;
  } catch (e) {
    return `"loraTargetModules" ${JSON.stringify(targets)} is not a valid regular expression: ${(e as Error).message}`;
  }
}

/** The keys the model check reads; a problem already shown on one of them is not repeated by it. */
export const LORA_MODEL_KEYS = ['loraTargetModules', 'loraModulesToSave', 'loraRank', 'freezeLayers'] as const;

/**
 * Problems by key of the LoRA settings against the model's real modules: what resolveLoraConfig refuses when the run
 * starts (targets that match nothing, saved modules the model lacks). `settings` are the form's parsed values.
 */
export function loraModelProblems(model: LoraModel & { params: readonly ParamShape[] }, strategy: StrategyId, settings: Readonly<Record<string, unknown>>): Record<string, string> {
  const picked = Object.fromEntries(LORA_MODEL_KEYS.filter((k) => k in settings).map((k) => [k, settings[k]]));
  try {
    loraConfigFor(model, model.params, strategy, resolveArgs(picked));
    return {};
  } catch (e) {
    if (e instanceof LoraTargetError) return { loraTargetModules: e.message };
    if (e instanceof LoraTargetConfigError) return { loraModulesToSave: e.message };
    throw e;
  }
}
