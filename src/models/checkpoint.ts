// Finds and opens a model folder's weights: model.safetensors, or shards listed in model.safetensors.index.json.
// Pickle checkpoints (pytorch_model.bin) are refused: unpickling executes arbitrary code from the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsEntry, SafetensorsError, SafetensorsFile } from './safetensors';
import type { WeightSource } from './weightSourceTypes';

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export const PICKLE_REFUSAL =
  'is a PyTorch pickle checkpoint. Fine-Tune Studio never loads pickle files because unpickling runs arbitrary code ' +
  'from the file. Get a safetensors copy instead: use the Hub\'s "Convert to Safetensors" Space ' +
  '(https://huggingface.co/spaces/safetensors/convert) to open a PR with model.safetensors on the repo, or in Python run ' +
  '`AutoModel.from_pretrained(path).save_pretrained(out, safe_serialization=True)`; a repo with onnx/model.onnx also works.';

/** Every tensor of a checkpoint, wherever it is stored. Folders without safetensors: see openWeightSource(). */
export class Checkpoint implements WeightSource {
  readonly format = 'safetensors';

  private constructor(readonly dir: string, private readonly files: Map<string, SafetensorsFile>, private readonly owner: Map<string, string>) {}

  static open(dir: string): Checkpoint {
    const single = path.join(dir, 'model.safetensors');
    const index = path.join(dir, 'model.safetensors.index.json');
    if (fs.existsSync(single)) {
      const f = SafetensorsFile.open(single);
      return new Checkpoint(dir, new Map([[single, f]]), new Map(f.names().map((n) => [n, single])));
    }
    if (fs.existsSync(index)) return Checkpoint.openSharded(dir, index);
    for (const pickle of ['pytorch_model.bin', 'pytorch_model.bin.index.json']) {
      if (fs.existsSync(path.join(dir, pickle))) throw new CheckpointError(`${path.join(dir, pickle)} ${PICKLE_REFUSAL}`);
    }
    throw new CheckpointError(`${dir}: no model.safetensors or model.safetensors.index.json found.`);
  }

  private static openSharded(dir: string, index: string): Checkpoint {
    let parsed: { weight_map?: unknown };
    try {
      parsed = JSON.parse(fs.readFileSync(index, 'utf8'));
    } catch (e) {
      throw new CheckpointError(`${index}: not valid JSON (${(e as Error).message}).`);
    }
    const map = parsed.weight_map;
    if (map === null || typeof map !== 'object') throw new CheckpointError(`${index}: missing "weight_map" object (tensor name → shard file).`);
    const files = new Map<string, SafetensorsFile>();
    const owner = new Map<string, string>();
    for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
      if (typeof shard !== 'string' || shard.includes('..') || path.isAbsolute(shard)) {
        throw new CheckpointError(`${index}: tensor "${name}" maps to ${JSON.stringify(shard)}; expected a shard file name in the same folder.`);
      }
      const file = path.join(dir, shard);
      let f = files.get(file);
      if (!f) {
        if (!fs.existsSync(file)) throw new CheckpointError(`${index}: tensor "${name}" is in shard ${shard}, which is missing from ${dir}.`);
        f = SafetensorsFile.open(file);
        files.set(file, f);
      }
      if (!f.entries.has(name)) throw new CheckpointError(`${index}: tensor "${name}" should be in ${file} but that shard does not contain it.`);
      owner.set(name, file);
    }
    return new Checkpoint(dir, files, owner);
  }

  names(): string[] {
    return [...this.owner.keys()];
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  entry(name: string): SafetensorsEntry & { file: string } {
    const file = this.fileOf(name);
    return { ...(this.files.get(file) as SafetensorsFile).entry(name), file };
  }

  readFloat32(name: string): Float32Array {
    return (this.files.get(this.fileOf(name)) as SafetensorsFile).readFloat32(name);
  }

  missingReason(): string {
    return 'it does not match config.json';
  }

  private fileOf(name: string): string {
    const file = this.owner.get(name);
    if (!file) throw new SafetensorsError(`${this.dir}: the checkpoint has no tensor "${name}".`);
    return file;
  }
}
