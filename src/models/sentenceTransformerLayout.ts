// What a sentence-transformers body folder says about itself beyond the transformer: modules.json (Transformer,
// Pooling, Normalize, ...) and the pooler weights its BertModel holds. A SetFit export keeps both as the source has
// them: all-MiniLM-L6-v2 ends in 2_Normalize, so its embeddings (and SetFit's head inputs) are unit vectors, and its
// BertModel loads pooler.* (unused by mean pooling, but missing weights would be re-initialised with a warning).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { basePrefix } from './arch/parameters';
import type { ModelSpec } from './modelSpec';
import type { WeightSource } from './weightSourceTypes';

export interface SentenceTransformerModule {
  idx: number;
  name: string;
  path: string;
  type: string;
}

export interface SentenceTransformerLayout {
  modules: SentenceTransformerModule[];
  /** A sentence_transformers.models.Normalize module follows the pooling. */
  normalize: boolean;
  /** 1_Pooling/config.json (or wherever the Pooling module lives), when present. */
  pooling?: Record<string, unknown>;
}

export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

/** The folder's modules.json read and checked; undefined when the folder is not a sentence-transformers model. */
export function readSentenceTransformerLayout(dir: string): SentenceTransformerLayout | undefined {
  const file = path.join(dir, 'modules.json');
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LayoutError(`${file}: not valid JSON (${(e as Error).message}).`);
  }
  if (!Array.isArray(raw)) throw new LayoutError(`${file}: expected a JSON array of modules ({"idx", "name", "path", "type"}), got ${typeof raw}.`);
  const modules = raw.map((m, i): SentenceTransformerModule => {
    const o = m as Partial<SentenceTransformerModule> | null;
    if (!o || typeof o.type !== 'string' || typeof o.path !== 'string') throw new LayoutError(`${file}: module ${i} needs string "type" and "path", got ${JSON.stringify(m)}.`);
    return { idx: typeof o.idx === 'number' ? o.idx : i, name: typeof o.name === 'string' ? o.name : String(i), path: o.path, type: o.type };
  });
  const poolingModule = modules.find((m) => m.type.endsWith('.Pooling'));
  let pooling: Record<string, unknown> | undefined;
  const poolingFile = poolingModule ? path.join(dir, poolingModule.path, 'config.json') : undefined;
  if (poolingFile && fs.existsSync(poolingFile)) pooling = JSON.parse(fs.readFileSync(poolingFile, 'utf8')) as Record<string, unknown>;
  return { modules, normalize: modules.some((m) => m.type.endsWith('.Normalize')), pooling };
}

/** The pooling modes a Pooling config turns on ("mean", "cls", ...), to compare with the mean pooling SetFit trains. */
export function poolingModes(pooling: Record<string, unknown>): string[] {
  return Object.entries(pooling).filter(([k, v]) => k.startsWith('pooling_mode_') && v === true).map(([k]) => k.replace(/^pooling_mode_/, '').replace(/_tokens?$/, ''));
}

/**
 * The source's pooler weights under bare BertModel names (pooler.dense.*), read as they are: SetFit's mean pooling
 * never uses them, so they leave the run unchanged. Empty for families without a pooler (DistilBERT, ELECTRA).
 */
export function sourcePooler(ws: WeightSource, spec: ModelSpec): { name: string; shape: number[]; data: Float32Array }[] {
  const out: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const p of ['pooler.dense.weight', 'pooler.dense.bias']) {
    const source = [p, `${basePrefix(spec.family)}.${p}`].find((n) => ws.has(n));
    if (source) out.push({ name: p, shape: ws.entry(source).shape, data: ws.readFloat32(source) });
  }
  return out;
}
