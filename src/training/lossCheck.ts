// A loss that is NaN or infinite ends the run, with the cause it can have: before any weight update the learning rate
// cannot be it (a warmup's first lr is often 0), so the message points at the weights and the data instead.

/** Throws when `loss` is not finite; `updatesSoFar` is how many optimizer steps have changed the weights. */
export function assertFiniteLoss(loss: number, o: { step: number; lr: number; updatesSoFar: number; hint?: string }): void {
  if (Number.isFinite(loss)) return;
  const at = `the loss became ${loss} at step ${o.step} (lr ${o.lr.toExponential(2)})`;
  if (o.updatesSoFar === 0) {
    throw new Error(`${at}, before any weight update, so the learning rate is not the cause: check the inputs and labels (a label outside the classes, a non-finite regression target) and the model's weights.`);
  }
  throw new Error(`${at}: lower the learning rate${o.hint ?? ''}.`);
}
