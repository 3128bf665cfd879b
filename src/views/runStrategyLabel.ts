// A run's strategy as the Runs view and the comparison table name it: the strategy id, and under LoRA its rank and
// alpha ("LoRA r=8 α=16", "partial + LoRA r=4 α=8"), so two LoRA runs of different ranks are told apart at a glance.
// run.json's resolved LoRA config wins (a run continued from an adapter folder takes the folder's rank, not settings);
// else its settings. Older runs (no LoRA at all) read as before.
import { DEFAULT_ARGS } from '../training/hyperparameters';
import type { RunLora } from '../training/runStore';

const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

export function runStrategyLabel(strategy: string, settings?: Readonly<Record<string, unknown>>, resolved?: Partial<Pick<RunLora, 'rank' | 'alpha' | 'useRslora'>>): string {
  const lora = strategy === 'lora' || settings?.adapter === 'lora' || resolved !== undefined;
  if (!lora) return strategy;
  // A hand-written run.json may leave the settings out: the trainer's defaults ran then.
  const rank = positive(resolved?.rank) ?? positive(settings?.loraRank) ?? DEFAULT_ARGS.loraRank;
  const alpha = positive(resolved?.alpha) ?? positive(settings?.loraAlpha) ?? DEFAULT_ARGS.loraAlpha;
  const rs = resolved?.useRslora ?? settings?.useRslora === true;
  const text = `LoRA r=${rank} α=${alpha}${rs ? ' (rsLoRA)' : ''}`;
  return strategy === 'lora' ? text : `${strategy} + ${text}`;
}
