// Writes realistic run folders (.finetune/runs/<id>/run.json + metrics.jsonl) in the trainer's formats
// (src/training/runStore.ts), so the dashboard e2e has something real to draw without training for minutes.
// The curves follow what a small BERT fine-tune logs: warmup + linear decay LR, a noisy decaying loss, per-epoch
// eval with a confusion matrix from which every per-class figure is derived the way sklearn does.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: a tiny seeded PRNG so every test run draws the same curves. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function perClassFrom(labels, confusion) {
  return labels.map((label, j) => {
    const tp = confusion[j][j];
    const predicted = confusion.reduce((s, row) => s + row[j], 0);
    const support = confusion[j].reduce((a, b) => a + b, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support, predicted };
  });
}

/**
 * @param {string} runsRoot  e.g. <workspace>/.finetune/runs
 * @param {{ id: string, model: string, strategy: string, epochs: number, stepsPerEpoch: number, seed: number,
 *   finalAccuracy: number, samplesPerSecond: number, summary?: Record<string, number>, status?: string, collapsed?: boolean }} o
 *   collapsed: every evaluation predicts "negative" for everything (an imbalanced set trained without class weights)
 */
export function writeRun(runsRoot, o) {
  const dir = path.join(runsRoot, o.id);
  mkdirSync(dir, { recursive: true });
  const rand = rng(o.seed);
  const labels = ['negative', 'positive'];
  const totalSteps = o.epochs * o.stepsPerEpoch;
  const warmup = Math.round(totalSteps * 0.1);
  const baseLr = 5e-5;
  const evalRows = 200;
  // Run ids start with their UTC start time (src/training/runStore.ts newRunId): 20261127-100000-...
  const stamp = /^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)/.exec(o.id);
  const start = stamp ? Date.UTC(+stamp[1], +stamp[2] - 1, +stamp[3], +stamp[4], +stamp[5], +stamp[6]) : Date.parse('2026-11-27T10:00:00Z');
  const lines = [
    { time: new Date(start).toISOString(), type: 'log', level: 'warn', message: "1 row(s) repeat an earlier row's text (line 225); duplicates weigh those examples more." },
    { time: new Date(start).toISOString(), type: 'log', level: 'info', message: `train ${o.stepsPerEpoch * 16} examples, evaluate on 200; ${o.epochs} epoch(s) × ${o.stepsPerEpoch} step(s), batch 16` },
  ];
  const evals = [];
  let best;
  for (let step = 1; step <= totalSteps; step++) {
    const lr = step <= warmup ? (baseLr * step) / warmup : (baseLr * (totalSteps - step)) / (totalSteps - warmup);
    const progress = step / totalSteps;
    const loss = 0.25 + 0.45 * Math.exp(-4 * progress) + (rand() - 0.5) * 0.12;
    const sps = o.samplesPerSecond * (0.9 + 0.2 * rand());
    const epoch = step / o.stepsPerEpoch;
    lines.push({ time: new Date(start + step * 400).toISOString(), type: 'train', step, epoch, loss, lr, samplesPerSecond: sps, tokensPerSecond: sps * 48 });
    if (step % o.stepsPerEpoch === 0) {
      const e = step / o.stepsPerEpoch;
      const acc = 0.5 + (o.finalAccuracy - 0.5) * (e / o.epochs) ** 0.5;
      const half = evalRows / 2;
      const tn = Math.round(half * Math.min(1, acc + 0.03));
      const tp = Math.round(evalRows * acc) - tn;
      const confusion = o.collapsed
        ? [
            [half, 0],
            [half, 0],
          ]
        : [
            [tn, half - tn],
            [half - tp, tp],
          ];
      const perClass = perClassFrom(labels, confusion);
      const accuracy = (confusion[0][0] + confusion[1][1]) / evalRows;
      const macroF1 = perClass.reduce((s, c) => s + c.f1, 0) / labels.length;
      const metrics = { loss: 0.3 + 0.4 * Math.exp(-3 * progress), accuracy, macroF1, microF1: accuracy, weightedF1: macroF1 };
      lines.push({ time: new Date(start + step * 400 + 200).toISOString(), type: 'eval', step, epoch: e, metrics, perClass, confusion });
      evals.push({ step, epoch: e, metrics, perClass, confusion });
      if (!best || accuracy > best.value) best = { name: 'accuracy', value: accuracy, step };
    }
  }
  if (o.summary) lines.push({ time: new Date(start + totalSteps * 400 + 5000).toISOString(), type: 'summary', ...o.summary });
  const run = {
    id: o.id,
    status: o.status ?? 'completed',
    createdAt: new Date(start).toISOString(),
    updatedAt: new Date(start + totalSteps * 400 + 5000).toISOString(),
    config: { model: `models/${o.model}`, data: 'data/sentiment.csv', strategy: o.strategy, runsRoot, device: 'auto', settings: { epochs: o.epochs, learningRate: baseLr, batchSize: 16, warmupRatio: 0.1 } },
    model: { path: `models/${o.model}`, modelType: o.model.replace(/^tiny-/, '') },
    dataset: { path: 'data/sentiment.csv', fingerprint: `sha256:${'ab'.repeat(32)}`, labels, trainRows: o.stepsPerEpoch * 16, evalRows },
    versions: { 'finetune-studio': '0.1.0', 'onnxruntime-node': '1.30.0' },
    device: { executionProvider: 'cpu', reason: 'no GPU provider requested (device: auto, CUDA libraries not found)' },
    totalSteps,
    step: totalSteps,
    bestMetric: best,
  };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
  writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return { dir, run, evals, best, trainPoints: totalSteps, lines };
}
