// Runs a multi-step quick-input flow with Back and Escape: each step reads and writes one shared state object, so a
// step shown again after Back finds its earlier answer there (pre-selected / pre-filled) and later steps keep theirs.
// Pure (no vscode import): the flow's navigation is unit-tested without a workbench.

/** What a step's prompt ended with: answered (go on), Back (the step before), or dismissed (the whole flow stops). */
export type StepAnswer = 'next' | 'back' | 'cancel';

export interface StepContext {
  /** A step was shown before this one, so the prompt offers Back. */
  canGoBack: boolean;
}

export interface FlowStep<S> {
  /** For messages and tests. */
  readonly name: string;
  /** True when the step does not apply to the state (a preset value, a field of another strategy): never shown. */
  skip?(state: S): boolean;
  run(state: S, context: StepContext): Promise<StepAnswer>;
}

/**
 * Runs `steps` in order over `state`. Back returns to the step shown last before the current one: skipped steps are
 * skipped going back too, because only shown steps are remembered. Resolves with the state once the last step is
 * answered, or undefined when one is dismissed (Escape discards the flow, as it always has).
 */
export async function runSteps<S>(steps: readonly FlowStep<S>[], state: S): Promise<S | undefined> {
  const shown: number[] = [];
  let i = 0;
  while (i < steps.length) {
    const step = steps[i];
    if (step.skip?.(state)) {
      i++;
      continue;
    }
    const answer = await step.run(state, { canGoBack: shown.length > 0 });
    if (answer === 'cancel') return undefined;
    if (answer === 'back') {
      // The first step offers no Back; should one arrive anyway, the step is asked again.
      if (shown.length) i = shown.pop()!;
      continue;
    }
    shown.push(i);
    i++;
  }
  return state;
}
