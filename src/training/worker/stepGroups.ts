// Several optimizer steps per onnxruntime run (TrainingSession.trainSteps, an ONNX Loop): what the trainer does on
// CUDA, where onnxruntime-node copies every output back to the host, so weights and AdamW state would otherwise cross
// the bus twice per step. Here: how many steps a run takes, and where a group of micro-batches must end so that
// evaluations, checkpoints and the end of training still fall between runs, exactly where single steps put them.
import { collate, type Batch, type TokenizedExample } from '../../data/batching';
import type { ExecutionProvider } from '../../onnx/device';

/**
 * Steps per run for a provider. `setting` 0 (auto): 4 on CUDA; 1 elsewhere (the CPU provider reads its inputs in
 * place, so a Loop saves only one copy per step and its carried state costs memory; WebGPU keeps weights on the
 * device between runs already). Only the fused step (no gradient accumulation) can be looped.
 */
export function stepsPerRunFor(ep: ExecutionProvider, setting: number | undefined, fused: boolean): number {
  if (!fused) return 1;
  if (setting && setting > 0) return setting;
  return ep === 'cuda' ? 4 : 1;
}

export interface GroupBounds {
  /** Index of the group's first micro-batch in the epoch, and how many the epoch has. */
  micro: number;
  microsInEpoch: number;
  /** Optimizer steps done before the group, and the run's total. */
  step: number;
  totalSteps: number;
  /** The trainer's evalEvery ('epoch': the epoch's end bounds the group anyway). */
  evalEvery: 'epoch' | number;
  stepsPerRun: number;
}

/** How many micro-batches (one step each) the next run takes: never past an evaluation, the epoch or the last step. */
export function groupLength(b: GroupBounds): number {
  let n = Math.min(b.stepsPerRun, b.microsInEpoch - b.micro, b.totalSteps - b.step);
  if (typeof b.evalEvery === 'number') n = Math.min(n, b.evalEvery - (b.step % b.evalEvery));
  return Math.max(1, n);
}

/**
 * Collates the micro-batches of one group to a common shape, as a Loop needs: every batch padded to the group's
 * longest item (padding is masked, so each step's loss and gradients are those of its own batch). The group stops
 * before the first batch of another size (an epoch's short last batch), which then starts the next group.
 */
export function collateGroup(rows: readonly (readonly TokenizedExample[])[], indices: readonly (readonly number[])[], padId: number): Batch[] {
  const size = indices[0].length;
  const n = indices.findIndex((ix) => ix.length !== size);
  const take = n < 0 ? indices.length : n;
  let longest = 0;
  for (let g = 0; g < take; g++) for (const i of indices[g]) longest = Math.max(longest, rows[g][i].ids.length);
  return indices.slice(0, take).map((ix, g) => collate(rows[g], ix, { padId, padTo: longest }));
}
