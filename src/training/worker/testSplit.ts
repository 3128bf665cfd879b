// The test split's one evaluation, for both trainers: in a session of its own over the model being exported, after the
// best checkpoint and early stopping are settled, so nothing of it can reach selection. Recorded in metrics.jsonl,
// run.json and the run log.
import type * as ortTypes from 'onnxruntime-node';
import type { Batch } from '../../data/batching';
import type { RunLog } from '../runLog';
import { appendMetrics, type RunRecord } from '../runStore';
import { evaluate, sessionLogits, type EvalResult, type TaskKind } from './evaluate';
import type { BatchEvaluator } from './tokenTaskEval';

export interface TestSplitRun {
  ort: typeof ortTypes;
  /** The exported model as ONNX bytes. */
  model: Uint8Array;
  sessionOptions: ortTypes.InferenceSession.SessionOptions;
  batches: readonly Batch[];
  task: TaskKind;
  labels: string[];
  /** How the token tasks score (windows mapped back to words and answers); classification scores per row. */
  evaluator?: BatchEvaluator;
  runDir: string;
  record: RunRecord;
  /** The optimizer step whose weights are evaluated. */
  step: number;
  /** Where the test split came from, for the log (splitRoles' description). */
  source: string;
  log: RunLog['log'];
}

export async function evaluateTestSplit(o: TestSplitRun): Promise<Record<string, number>> {
  const session = await o.ort.InferenceSession.create(o.model, o.sessionOptions);
  let r: EvalResult;
  try {
    r = o.evaluator ? await o.evaluator(sessionLogits(session), o.batches) : await evaluate(sessionLogits(session), o.batches, o.task, o.labels);
  } finally {
    await session.release();
  }
  appendMetrics(o.runDir, { type: 'test', step: o.step, examples: r.examples, metrics: r.metrics, perClass: r.perClass, confusion: r.confusion, confusionLabels: r.confusionLabels });
  o.record.test = { step: o.step, examples: r.examples, metrics: r.metrics };
  o.log(`test (${o.source}, ${r.examples} examples, weights of step ${o.step}, evaluated once): ${formatMetrics(r.metrics)}`);
  return r.metrics;
}

export function formatMetrics(m: Record<string, number>): string {
  return Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
}
