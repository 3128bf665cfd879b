// Renders bench/run.mjs results as the markdown table BENCHMARKS.md quotes. Every ratio is computed here from the
// raw medians in latest.json, so the table can always be re-derived from the JSON.

const f = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const failed = (r) => !r || r.error !== undefined;
const why = (r) => (r?.error ? `failed: ${String(r.error).slice(0, 120)}` : 'not run');

function trainRows(section) {
  const out = [];
  const mm = section.matmul?.results ?? [];
  const best = mm.reduce((m, r) => Math.max(m, r.gflops), 0);
  const bestCpu = mm.reduce((m, r) => Math.max(m, r.gflopsPerCpuSecond ?? 0), 0);
  if (mm.length) out.push(`| ORT MatMul limit (${section.matmul.n}² float32) | ${mm.map((r) => `${f(r.gflops, 0)} GFLOP/s @ ${r.threads} thr`).join(', ')} | per CPU-second: ${mm.map((r) => `${f(r.gflopsPerCpuSecond, 0)} @ ${r.threads} thr`).join(', ')} | best ${f(best, 0)} GFLOP/s wall, ${f(bestCpu, 0)} per CPU-s |`);
  else out.push(`| ORT MatMul limit | ${why(section.matmul)} | | |`);
  for (const row of section.rows) {
    const c = row.config;
    const b = c.batch;
    const tag = `${c.id}, batch ${b}×${c.seq}`;
    if (failed(row.ours)) {
      out.push(`| ${tag}: engine train step | ${why(row.ours)} | | |`);
      continue;
    }
    const ours = b / row.ours.medianStepSeconds;
    const oursCpu = b / row.ours.medianCpuSeconds;
    const trainRate = c.trainFlops / row.ours.medianStepSeconds / 1e9;
    if (!failed(row.torch)) {
      const torch = b / row.torch.medianStepSeconds;
      const torchCpu = b / row.torch.medianCpuSeconds;
      const dLoss = Math.max(...row.ours.losses.map((l, i) => Math.abs(l - row.torch.losses[i])));
      out.push(`| ${tag}: train step samples/s (wall) | **${f(ours)}** | PyTorch ${f(torch)} | **${f(ours / torch)}×** |`);
      out.push(`| ${tag}: samples per CPU-second | ${f(oursCpu)} | PyTorch ${f(torchCpu)} | ${f(oursCpu / torchCpu)}× |`);
      out.push(`| ${tag}: peak RSS (MiB) | ${f(row.ours.peakRssMiB, 0)} | PyTorch ${f(row.torch.peakRssMiB, 0)} | ${f(row.ours.peakRssMiB / row.torch.peakRssMiB)}× |`);
      out.push(`| ${tag}: same losses? (${row.ours.losses.length} steps) | max abs loss diff ${dLoss.toExponential(1)} | | |`);
    } else {
      out.push(`| ${tag}: train step samples/s (wall) | **${f(ours)}** | PyTorch ${why(row.torch)} | |`);
      out.push(`| ${tag}: peak RSS (MiB) | ${f(row.ours.peakRssMiB, 0)} | | |`);
    }
    if (row.ours.threadReason) out.push(`| ${tag}: engine threads | ${row.ours.threads}: ${row.ours.threadReason} | | |`);
    const trainCpuRate = c.trainFlops / row.ours.medianCpuSeconds / 1e9;
    if (!failed(row.forward)) {
      const fwdRate = c.forwardFlops / row.forward.medianSeconds / 1e9;
      const fwdCpuRate = c.forwardFlops / row.forward.medianCpuSeconds / 1e9;
      out.push(`| ${tag}: train-step FLOP rate vs ORT forward-only rate (wall) | ${f(trainRate, 1)} GFLOP/s | forward ${f(fwdRate, 1)} GFLOP/s | ${f((100 * trainRate) / fwdRate, 0)}% (target ≥ 50%) |`);
      out.push(`| ${tag}: the same per CPU-second (load-independent) | ${f(trainCpuRate, 1)} GFLOP/CPU-s | forward ${f(fwdCpuRate, 1)} GFLOP/CPU-s | **${f((100 * trainCpuRate) / fwdCpuRate, 0)}%** |`);
    }
    if (row.forward1 && !failed(row.forward1)) {
      out.push(`| ${tag}: ORT forward-only, 1 thread | ${f(c.forwardFlops / row.forward1.medianSeconds / 1e9, 1)} GFLOP/s | ${threadsOf(row.forward)} threads ${f(c.forwardFlops / row.forward.medianSeconds / 1e9, 1)} GFLOP/s | |`);
    }
    if (row.matmul && !failed(row.matmul)) {
      // The MatMul that took turns with this row's steps: the limit under the same load.
      const mmRate = row.matmul.flops / row.matmul.medianSeconds / 1e9;
      const mmCpuRate = row.matmul.flops / row.matmul.medianCpuSeconds / 1e9;
      out.push(`| ${tag}: model FLOPs utilisation (train rate / ORT MatMul ${row.matmul.n}² rate, interleaved) | ${f((100 * trainRate) / mmRate, 0)}% wall (MatMul ${f(mmRate, 1)} GFLOP/s) | ${f((100 * trainCpuRate) / mmCpuRate, 0)}% per CPU-second (MatMul ${f(mmCpuRate, 1)} GFLOP/CPU-s) | |`);
    } else if (best > 0) out.push(`| ${tag}: model FLOPs utilisation (train rate / MatMul limit) | ${f((100 * trainRate) / best, 0)}% wall | ${f((100 * trainCpuRate) / bestCpu, 0)}% per CPU-second | |`);
    const base = row.variantBaseline && !failed(row.variantBaseline) ? row.variantBaseline : row.ours;
    for (const [name, v] of Object.entries(row.variants ?? {})) {
      if (failed(v)) out.push(`| ${tag}: engine, ${name} | ${why(v)} | | |`);
      else {
        out.push(`| ${tag}: engine, ${name} | ${f(b / v.medianStepSeconds)} samples/s (${f(b / v.medianCpuSeconds)} per CPU-s), peak ${f(v.peakRssMiB, 0)} MiB | default ${f(b / base.medianStepSeconds)} samples/s (${f(b / base.medianCpuSeconds)} per CPU-s), ${f(base.peakRssMiB, 0)} MiB | ${f(base.medianStepSeconds / v.medianStepSeconds)}× wall, ${f(base.medianCpuSeconds / v.medianCpuSeconds)}× CPU |`);
      }
    }
    if (row.torchByThreads) {
      // Best setting of each side, from the same turns: the fairest single ratio on a machine where threads do not scale.
      const cands = [['default', base], ...Object.entries(row.variants ?? {})].filter(([, v]) => !failed(v) && v.losses?.length);
      const [bestName, bestOurs] = cands.reduce((m, x) => (x[1].medianStepSeconds < m[1].medianStepSeconds ? x : m));
      const torches = Object.entries(row.torchByThreads).filter(([, v]) => !failed(v));
      if (torches.length) {
        for (const [t, v] of torches) out.push(`| ${tag}: PyTorch with ${t} thread(s) (settings turns) | | ${f(b / v.medianStepSeconds)} samples/s (${f(b / v.medianCpuSeconds)} per CPU-s), peak ${f(v.peakRssMiB, 0)} MiB | |`);
        const [bt, bestTorch] = torches.reduce((m, x) => (x[1].medianStepSeconds < m[1].medianStepSeconds ? x : m));
        out.push(`| ${tag}: best engine setting (${bestName}) vs best PyTorch (${bt} thread(s)) | **${f(b / bestOurs.medianStepSeconds)}** samples/s | PyTorch ${f(b / bestTorch.medianStepSeconds)} samples/s | **${f(bestTorch.medianStepSeconds / bestOurs.medianStepSeconds)}×** |`);
      }
    }
  }
  return out;
}

const threadsOf = (r) => r?.threads ?? '?';

export function renderTable(results) {
  const m = results.machine;
  const lines = [
    `Run ${results.date}${results.quick ? ' (--quick)' : ''}, EP ${results.ep}, ${results.threads} threads; ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; PyTorch ${results.torch}.`,
    `Load average at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd?.join(' / ')} (1/5/15 min).`,
    '',
    '| measurement | ours | reference (same run) | ratio |',
    '| --- | --- | --- | --- |',
  ];
  const s = results.sections;
  if (s.train) lines.push(...trainRows(s.train));
  if (s.cache) {
    const c = s.cache;
    if (failed(c)) lines.push(`| feature-extraction cache | ${why(c)} | | |`);
    else {
      lines.push(`| feature extraction, ${c.examples} examples: epoch 1 (encode once + train head) | ${f(c.firstEpochSeconds)} s | no cache: ${f(c.noCacheEpochSeconds)} s per epoch | |`);
      lines.push(`| feature extraction: epochs 2..${c.epochs} (cached features) | ${f(c.cachedEpochSeconds, 3)} s per epoch | no cache: ${f(c.noCacheEpochSeconds)} s per epoch | **${f(c.noCacheEpochSeconds / c.cachedEpochSeconds, 0)}×** (CPU time ${f(c.noCacheEpochCpuSeconds / c.cachedEpochCpuSeconds, 0)}×) |`);
    }
  }
  if (s.bucketing) {
    const b = s.bucketing;
    if (failed(b)) lines.push(`| length bucketing | ${why(b)} | | |`);
    else {
      lines.push(`| length bucketing, ${b.examples} real reviews, batch ${b.batchSize}: pad tokens | ${b.bucketed.padTokens} of ${b.bucketed.totalTokens} | pad-to-max ${b.padToMax.padTokens} of ${b.padToMax.totalTokens} | ${f(b.padToMax.totalTokens / b.bucketed.totalTokens, 1)}× fewer tokens |`);
      lines.push(`| length bucketing: epoch of train steps (${b.model}) | ${f(b.bucketed.seconds)} s | pad-to-max ${f(b.padToMax.seconds)} s | **${f(b.padToMax.seconds / b.bucketed.seconds, 1)}×** (CPU time ${f(b.padToMax.cpuSeconds / b.bucketed.cpuSeconds, 1)}×) |`);
    }
  }
  if (s.zeroshot) {
    const z = s.zeroshot;
    if (failed(z)) lines.push(`| zero-shot latency | ${why(z)} | | |`);
    else if (Array.isArray(z.rows)) for (const r of z.rows) lines.push(`| ${r.measurement ?? 'zero-shot'} | ${r.ours ?? ''} | ${r.reference ?? ''} | ${r.ratio ?? ''} |`);
    else lines.push(`| zero-shot latency | ${JSON.stringify(z).slice(0, 160)} | | |`);
  }
  if (s.activation) {
    const a = s.activation;
    if (failed(a)) lines.push(`| extension activation | ${why(a)} | | |`);
    else {
      lines.push(`| extension activation: require(dist/extension.js) | ${f(a.requireMs, 1)} ms | | |`);
      lines.push(`| extension activation: activate() with a stub vscode API | ${f(a.activateMs, 1)} ms (median of ${a.reps}) | onnxruntime-node loaded at activation? ${a.ortLoaded ? 'YES' : 'no'} | |`);
    }
  }
  return lines.join('\n') + '\n';
}
