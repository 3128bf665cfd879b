// Fine-tuned models ready for inference: `<runsRoot>/<id>/model/` folders that hold config.json, tokenizer.json and
// an ONNX export. Unfinished or failed runs have no such folder and are simply not listed.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ExportedModel {
  runId: string;
  folder: string;
  labels: string[];
  status?: string;
  bestMetric?: { name: string; value: number };
  /** run.json's updatedAt (else the folder's mtime), for newest-first order. */
  updatedAt: number;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function listExportedModels(runsRoot: string): ExportedModel[] {
  let ids: string[];
  try {
    ids = fs.readdirSync(runsRoot);
  } catch {
    return [];
  }
  const out: ExportedModel[] = [];
  for (const runId of ids) {
    const folder = path.join(runsRoot, runId, 'model');
    const config = readJson(path.join(folder, 'config.json'));
    const hasOnnx = ['onnx/model.onnx', 'onnx/model_quantized.onnx'].some((f) => fs.existsSync(path.join(folder, f)));
    if (!config || !hasOnnx || !fs.existsSync(path.join(folder, 'tokenizer.json'))) continue;
    const id2label = (config.id2label ?? {}) as Record<string, string>;
    const labels = Object.keys(id2label).sort((a, b) => Number(a) - Number(b)).map((k) => String(id2label[k]));
    const run = readJson(path.join(runsRoot, runId, 'run.json'));
    const best = run?.bestMetric as { name?: unknown; value?: unknown } | undefined;
    const stamp = typeof run?.updatedAt === 'string' ? Date.parse(run.updatedAt) : NaN;
    out.push({
      runId,
      folder,
      labels,
      status: typeof run?.status === 'string' ? run.status : undefined,
      bestMetric: best && typeof best.name === 'string' && typeof best.value === 'number' ? { name: best.name, value: best.value } : undefined,
      updatedAt: Number.isFinite(stamp) ? stamp : fs.statSync(folder).mtimeMs,
    });
  }
  return out.sort((a, b) => b.updatedAt - a.updatedAt || (a.runId < b.runId ? 1 : -1));
}
