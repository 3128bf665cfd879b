// Plain-Node side of tokenTasks.test.ts, forked by it so that onnxruntime and transformers.js never load into the
// extension host: builds the token-classification and question-answering exports from the tiny fixture BERT, and
// computes what those models give outside VS Code for a text (the expected values of the test).
// Request: argv[2] = JSON of Request; answer: one IPC message { ok: true, value } or { ok: false, error }.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Checkpoint } from '../../src/models/checkpoint';
import { exportModel } from '../../src/models/export';
import type { HeadKind } from '../../src/models/arch/parameters';
import { readModelSpec, withLabels } from '../../src/models/modelSpec';
import { loadWeights } from '../../src/models/weights';
import { loadTokenTaskModel } from '../../src/inference/tokenTaskModel';
import { Rng } from '../../src/util/rng';

export type Request =
  | { kind: 'build'; base: string; outDir: string; head: 'token-classification' | 'question-answering'; labels?: string[]; seed: number }
  | { kind: 'entities'; folder: string; texts: string[] }
  | { kind: 'answer'; folder: string; question: string; context: string };

/**
 * An export as a fine-tuning run leaves it (<run>/model with config.json, tokenizer, onnx/model.onnx, and run.json
 * beside it), from the base model's encoder and a seeded head scaled up so its predictions are decided (a fresh
 * 0.02-std head gives near-uniform tags, where ties would make the comparison meaningless).
 */
function build(r: Extract<Request, { kind: 'build' }>): string[] {
  const base = readModelSpec(r.base);
  const spec = r.labels ? withLabels(base, r.labels) : base;
  const head: HeadKind = r.head;
  const { tensors } = loadWeights(Checkpoint.open(r.base), spec, head, { ignoreMismatchedHead: true, seed: r.seed });
  const rng = new Rng(r.seed);
  for (const [name, w] of tensors) {
    if (!/^(classifier|qa_outputs)\./.test(name)) continue;
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 0.6;
  }
  const { files } = exportModel({ sourceDir: r.base, outDir: r.outDir, spec, head, weights: tensors, labels: r.labels, quantize: false });
  const runDir = path.dirname(r.outDir);
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ id: path.basename(runDir), status: 'completed', updatedAt: new Date().toISOString() }));
  return files;
}

async function answer(r: Request): Promise<unknown> {
  if (r.kind === 'build') return build(r);
  if (r.kind === 'entities') {
    const model = await loadTokenTaskModel({ folder: r.folder, task: 'token-classification', device: 'cpu' });
    try {
      return await model.extractEntities(r.texts);
    } finally {
      await model.dispose();
    }
  }
  const model = await loadTokenTaskModel({ folder: r.folder, task: 'question-answering', device: 'cpu' });
  try {
    return await model.answer(r.question, r.context);
  } finally {
    await model.dispose();
  }
}

if (require.main === module) {
  answer(JSON.parse(process.argv[2]) as Request).then(
    (value) => process.send?.({ ok: true, value }, () => process.exit(0)),
    (e: unknown) => process.send?.({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }, () => process.exit(1)),
  );
}
