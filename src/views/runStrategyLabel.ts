// A run's strategy as the Runs view and the comparison table name it: the strategy id, and under LoRA its rank and
// alpha ("LoRA r=8 α=16", "partial + LoRA r=4 α=8"), read from run.json's settings, so two LoRA runs of different
// ranks are told apart at a glance. Older runs (no LoRA settings) read as before.
import { DEFAULT_ARGS } from '../training/hyperparameters';

const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

export function runStrategyLabel(strategy: string, settings?: Readonly<Record<string, unknown>>): string {
  const lora = strategy === 'lora' || settings?.adapter === 'lora';
  if (!lora) return strategy;
  // run.json holds the resolved settings; a hand-written one may leave them out, and then the trainer's defaults ran.
  const rank = positive(settings?.loraRank) ?? DEFAULT_ARGS.loraRank;
  const alpha = positive(settings?.loraAlpha) ?? DEFAULT_ARGS.loraAlpha;
  const text = `LoRA r=${rank} α=${alpha}${settings?.useRslora === true ? ' (rsLoRA)' : ''}`;
  return strategy === 'lora' ? text : `${strategy} + ${text}`;
}
