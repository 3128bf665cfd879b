// Training a zoo repo for a token task (NER, extractive QA) through the general trainer, and reading what came out:
// the run log, the export's config and tensors, the source checkpoint's tensors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../../src/models/safetensors';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { runTraining } from '../../../src/training/run';
import { tempDir } from '../models/support';

export interface TokenRun {
  runDir: string;
  logs: string[];
}

/** 2 steps of full fine-tuning of `model` on `data`; fails the test unless the run completes. */
export async function trainTwoSteps(model: string, data: string, settings: RunConfig['settings'] = {}): Promise<TokenRun> {
  const messages: FromWorker[] = [];
  const config: RunConfig = {
    model, data, strategy: 'full', runsRoot: tempDir('zoo-token-runs'), device: 'cpu',
    settings: { batchSize: 4, maxLength: 64, learningRate: 1e-4, maxSteps: 2, seed: 5, threads: 2, ...settings },
  };
  await runTraining(config, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done' && done.status === 'completed', `${model}: run did not complete: ${JSON.stringify(messages.filter((m) => m.type === 'error' || m.type === 'done'))}`);
  return { runDir: done.runDir, logs: messages.flatMap((m) => (m.type === 'log' ? [m.message] : [])) };
}

/** Float tensors of a safetensors file by name (int buffers left out: the models have none to compare). */
export function floatTensors(file: string): Map<string, Float32Array> {
  const st = SafetensorsFile.open(file);
  return new Map(st.names().map((n) => [n, st.readFloat32(n)]));
}

export const exportedTensors = (runDir: string) => floatTensors(path.join(runDir, 'model', 'model.safetensors'));
export const exportedConfig = (runDir: string) => JSON.parse(fs.readFileSync(path.join(runDir, 'model', 'config.json'), 'utf8')) as Record<string, unknown>;

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'tensor sizes');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const sortedNames = (m: Map<string, unknown>) => [...m.keys()].sort();
