// What one CLI training run left behind, read back for a benchmark row: the summary line and per-step throughput of
// metrics.jsonl, run.json's LoRA record, and the bytes on disk of each part of the run folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Apparent size in bytes of a file or folder tree (0 when absent: a full fine-tuning run has no adapter/). */
export function bytesUnder(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((s, name) => s + bytesUnder(path.join(p, name)), 0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};

/** Every checkpoint file with its size: shows how a checkpoint splits into weights and AdamW moments. */
function checkpointFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().flatMap((step) => {
    const d = path.join(dir, step);
    return fs.statSync(d).isDirectory() ? fs.readdirSync(d).sort().map((f) => ({ file: `${step}/${f}`, bytes: bytesUnder(path.join(d, f)) })) : [];
  });
}

/**
 * The figures of one completed run folder. samplesPerSecond is the trainer's summary (all steps, the first included:
 * it pays ORT's first-run allocations); steadySamplesPerSecond is the median of the per-step lines after the first
 * (needs loggingSteps 1), which is what a longer run converges to.
 */
export function readRunFolder(runDir) {
  const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const summary = lines.findLast((l) => l.type === 'summary');
  if (!summary) throw new Error(`${runDir}/metrics.jsonl has no summary line: the run did not complete`);
  const steps = lines.filter((l) => l.type === 'train');
  const evals = lines.filter((l) => l.type === 'eval');
  const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  return {
    runDir,
    samplesPerSecond: summary.samplesPerSecond,
    trainSeconds: summary.trainSeconds,
    steadySamplesPerSecond: steps.length > 1 ? median(steps.slice(1).map((s) => s.samplesPerSecond)) : undefined,
    stepSamplesPerSecond: steps.map((s) => s.samplesPerSecond),
    losses: steps.map((s) => s.loss),
    trainableParams: summary.trainableParams,
    totalParams: summary.totalParams,
    finalValidation: evals.at(-1)?.metrics,
    test: run.test?.metrics,
    lora: run.lora,
    threads: run.device?.threads,
    bytes: {
      checkpoints: bytesUnder(path.join(runDir, 'checkpoints')),
      adapter: bytesUnder(path.join(runDir, 'adapter')),
      adapterWeights: bytesUnder(path.join(runDir, 'adapter', 'adapter_model.safetensors')),
      model: bytesUnder(path.join(runDir, 'model')),
      artifacts: bytesUnder(path.join(runDir, 'artifacts')),
      runFolder: bytesUnder(runDir),
    },
    checkpointFiles: checkpointFiles(path.join(runDir, 'checkpoints')),
  };
}
