// Fine-tuned models ready for inference: `<runsRoot>/<id>/model/` folders that hold config.json, tokenizer.json and
// an ONNX export. Unfinished or failed runs have no such folder and are simply not listed.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What an export does, read off config.json architectures (BertForTokenClassification → token-classification). */
export type ExportTask = 'sequence-classification' | 'token-classification' | 'question-answering' | 'other';

export function exportTask(architectures: unknown): ExportTask {
  const names = Array.isArray(architectures) ? architectures.map(String) : [];
  if (names.some((a) => a.endsWith('ForTokenClassification'))) return 'token-classification';
  if (names.some((a) => a.endsWith('ForQuestionAnswering'))) return 'question-answering';
  if (names.some((a) => a.endsWith('ForSequenceClassification'))) return 'sequence-classification';
  return 'other';
}

export interface ExportedModel {
  runId: string;
  folder: string;
  task: ExportTask;
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

/** `task`: only exports of that kind (the commands offer only models that can do what they ask). */
export function listExportedModels(runsRoot: string, o: { task?: ExportTask } = {}): ExportedModel[] {
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
    const task = exportTask(config.architectures);
    if (o.task && task !== o.task) continue;
    out.push({
      runId,
      folder,
      task,
      labels,
      status: typeof run?.status === 'string' ? run.status : undefined,
      bestMetric: best && typeof best.name === 'string' && typeof best.value === 'number' ? { name: best.name, value: best.value } : undefined,
      updatedAt: Number.isFinite(stamp) ? stamp : fs.statSync(folder).mtimeMs,
    });
  }
  return out.sort((a, b) => b.updatedAt - a.updatedAt || (a.runId < b.runId ? 1 : -1));
}
