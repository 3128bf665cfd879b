// The quick-pick flow's navigation: Back returns to the step shown before (with its answer kept), skipped steps are
// skipped going back too, Escape anywhere ends the flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSteps, type FlowStep, type StepAnswer } from '../../../src/commands/quickSteps';

interface State {
  answers: Record<string, string>;
  /** What each step saw when shown: its own earlier answer and whether Back was offered. */
  seen: string[];
}

/** A step that answers from a script of replies, one per time it is shown. */
function scripted(name: string, replies: (StepAnswer | string)[], skip?: (s: State) => boolean): FlowStep<State> {
  let shown = 0;
  return {
    name,
    skip,
    async run(s, { canGoBack }) {
      s.seen.push(`${name}:${s.answers[name] ?? '-'}:${canGoBack ? 'back' : 'noback'}`);
      const reply = replies[shown++];
      if (reply === 'back' || reply === 'cancel') return reply;
      s.answers[name] = reply;
      return 'next';
    },
  };
}

test('Back returns to the previous step with its answer kept, and forward again keeps the later ones', async () => {
  const state: State = { answers: {}, seen: [] };
  const result = await runSteps([scripted('model', ['bert', 'roberta']), scripted('data', ['a.csv', 'back', 'a.csv']), scripted('strategy', ['back', 'full'])], state);
  assert.deepEqual(result?.answers, { model: 'roberta', data: 'a.csv', strategy: 'full' });
  assert.deepEqual(state.seen, [
    'model:-:noback', 'data:-:back', 'strategy:-:back',
    // Back from strategy: data shows its answer; Back again: model shows "bert".
    'data:a.csv:back', 'model:bert:noback',
    'data:a.csv:back', 'strategy:-:back',
  ]);
});

test('steps skipped going forward are skipped going back; a skip that changes with the answers is re-evaluated', async () => {
  const state: State = { answers: {}, seen: [] };
  const preset = scripted('model', ['never asked'], () => true);
  // "edit" is shown only when choice is "edit".
  const result = await runSteps([preset, scripted('choice', ['edit', 'defaults']), scripted('edit', ['back'], (s) => s.answers.choice !== 'edit'), scripted('last', ['done'])], state);
  assert.deepEqual(state.seen, ['choice:-:noback', 'edit:-:back', 'choice:edit:noback', 'last:-:back']);
  assert.deepEqual(result?.answers, { choice: 'defaults', last: 'done' });
});

test('Escape on any step ends the flow with nothing', async () => {
  const state: State = { answers: {}, seen: [] };
  // After a Back too: the earlier answers are discarded with the flow.
  assert.equal(await runSteps([scripted('a', ['x', 'cancel']), scripted('b', ['back'])], { answers: {}, seen: [] }), undefined);
  assert.equal(await runSteps([scripted('a', ['x']), scripted('b', ['cancel'])], state), undefined);
  assert.deepEqual(state.seen, ['a:-:noback', 'b:-:back']);
});

test('a Back on the first step (it offers none) asks that step again instead of leaving the flow', async () => {
  const state: State = { answers: {}, seen: [] };
  const result = await runSteps([scripted('a', ['back', 'x'])], state);
  assert.deepEqual(result?.answers, { a: 'x' });
  assert.deepEqual(state.seen, ['a:-:noback', 'a:-:noback']);
});
