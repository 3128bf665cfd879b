// Shared helpers for the model tests: generated fixtures, the PyTorch reference, and running graphs in ORT.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { DEFAULT_OUT, DEFAULT_SEED, generateFixtures } from '../../../scripts/fixtures/generate';
import type { Model } from '../../../src/onnx/ir';
import { modelToBytes } from '../../../src/onnx/serialize';

export const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const WORKSPACE = path.join(REPO, DEFAULT_OUT);

const FIXTURE_MODELS = ['tiny-bert', 'tiny-nli-bert', 'tiny-roberta', 'tiny-distilbert', 'tiny-electra', 'tiny-deberta', 'tiny-deberta-v2', 'tiny-mpnet', 'tiny-modernbert'];

/**
 * `dir`, generated here when `complete()` says it is not (`npm run fixtures` did not run). Test files run in parallel
 * processes, so each generates into its own folder and renames it into place; the first rename wins.
 */
export function generatedOnce(dir: string, complete: () => boolean, generate: (into: string) => void): string {
  if (complete()) return dir;
  const staging = `${dir}.tmp-${process.pid}`;
  generate(staging);
  if (!complete()) {
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(staging, dir);
    } catch {
      // Another test process put a complete folder there first.
    }
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return dir;
}

/** The generated fixture workspace (tiny models and datasets). */
export function fixtureWorkspace(): string {
  const complete = () => FIXTURE_MODELS.every((m) => fs.existsSync(path.join(WORKSPACE, 'models', m, 'onnx', 'model.onnx')))
    && fs.existsSync(path.join(WORKSPACE, 'data', 'reviews.txt'));
  return generatedOnce(WORKSPACE, complete, (into) => generateFixtures(into, DEFAULT_SEED));
}

export function fixtureModel(name: string): string {
  return path.join(fixtureWorkspace(), 'models', name);
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fts-${tag}-`));
}

/** Why PyTorch-backed tests cannot run here (Debian python3-torch missing), or false when they can. */
export const torchMissing: string | false = (() => {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? false : `PyTorch is not importable by /usr/bin/python3 (apt install python3-torch libopenblas0-pthread): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
})();

export interface ReferenceReply {
  output: unknown;
  shape: number[];
  loss?: number;
  grads?: Record<string, { shape: number[]; data: number[] }>;
}

/** Runs test/reference/bert_reference.py (Debian's PyTorch needs /usr/bin/python3); a list gets a list back. */
export function runReference(request: Record<string, unknown>): ReferenceReply;
export function runReference(request: Record<string, unknown>[]): ReferenceReply[];
export function runReference(request: Record<string, unknown> | Record<string, unknown>[]): ReferenceReply | ReferenceReply[] {
  const script = path.join(REPO, 'test', 'reference', 'bert_reference.py');
  const r = spawnSync('/usr/bin/python3', [script], {
    input: JSON.stringify(request), env: { ...process.env, OMP_NUM_THREADS: '2' }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`PyTorch reference failed (status ${r.status}): ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as ReferenceReply | ReferenceReply[];
}

export function flatten(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [v as number];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export async function ortSession(model: Model | string): Promise<InferenceSession> {
  const ort = await import('onnxruntime-node');
  return typeof model === 'string' ? ort.InferenceSession.create(model) : ort.InferenceSession.create(modelToBytes(model));
}

export async function int64Tensor(rows: number[][]): Promise<Tensor> {
  const ort = await import('onnxruntime-node');
  const seq = rows[0].length;
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, seq]);
}

/** Feeds only the inputs the session declares (RoBERTa/DistilBERT graphs take no token_type_ids). */
export async function runSession(session: InferenceSession, inputs: Record<string, number[][]>): Promise<Record<string, Tensor>> {
  const feeds: Record<string, Tensor> = {};
  for (const name of session.inputNames) {
    if (!inputs[name]) throw new Error(`no value for graph input ${name}`);
    feeds[name] = await int64Tensor(inputs[name]);
  }
  return session.run(feeds);
}

export function toRows(data: BigInt64Array, batch: number, seq: number): number[][] {
  return Array.from({ length: batch }, (_, b) => Array.from(data.subarray(b * seq, (b + 1) * seq), Number));
}
