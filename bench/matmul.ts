// Bench: the machine's MatMul limit as ORT reaches it, one big square float32 MatMul (n³ multiply-adds).
import { GraphBuilder } from '../src/onnx/builder';
import { DEFAULT_IR_VERSION, DEFAULT_OPSET } from '../src/onnx/ir';
import { modelToBytes } from '../src/onnx/serialize';
import * as ort from 'onnxruntime-node';
import { Rng } from '../src/util/rng';
import { serve } from './lib/serve';
import { args, emit, median, timeRuns } from './lib/stats';

function matmulModel(): Uint8Array {
  const b = new GraphBuilder('matmul');
  b.input('a', 'float32', ['n', 'n']);
  b.input('b', 'float32', ['n', 'n']);
  b.op('MatMul', ['a', 'b'], {}, { output: 'c' });
  b.output('c', 'float32', ['n', 'n']);
  return modelToBytes({ graph: b.build(), opsetImports: [{ domain: '', version: DEFAULT_OPSET }], irVersion: DEFAULT_IR_VERSION, producerName: 'finetune-studio-bench' });
}

async function main(): Promise<void> {
  const a = args();
  const n = Number(a.get('n') ?? 1024);
  const threads = (a.get('threads') ?? '1,2').split(',').map(Number);
  const ep = a.get('ep') ?? 'cpu';
  const rng = new Rng(7);
  const x = new ort.Tensor('float32', Float32Array.from({ length: n * n }, () => rng.normal()), [n, n]);
  const y = new ort.Tensor('float32', Float32Array.from({ length: n * n }, () => rng.normal()), [n, n]);
  if (a.get('serve') === 'true') {
    const s = await ort.InferenceSession.create(matmulModel(), { executionProviders: [ep], intraOpNumThreads: threads[0], interOpNumThreads: 1, logSeverityLevel: 3 });
    await serve(async () => {
      await s.run({ a: x, b: y });
    }, { engine: 'ort-matmul', ep, n, threads: threads[0], flops: 2 * n ** 3 });
    await s.release();
    return;
  }
  const results: Record<string, unknown>[] = [];
  for (const t of threads) {
    const s = await ort.InferenceSession.create(matmulModel(), { executionProviders: [ep], intraOpNumThreads: t, interOpNumThreads: 1, logSeverityLevel: 3 });
    const times = await timeRuns(() => s.run({ a: x, b: y }), 2, Number(a.get('reps') ?? 7));
    await s.release();
    const flops = 2 * n ** 3;
    results.push({ threads: t, medianSeconds: median(times.seconds), gflops: flops / median(times.seconds) / 1e9, gflopsPerCpuSecond: flops / median(times.cpuSeconds) / 1e9 });
  }
  emit({ engine: 'ort-matmul', ep, n, results });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
