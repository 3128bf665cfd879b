// The read side of a model's weights, whatever file holds them (weightSource.ts picks one). Its own module so the
// sources (checkpoint.ts, the ONNX source) and their consumers share the contract without importing each other.

export interface WeightEntry {
  /** Safetensors-style dtype name ("F32", "F16", ...). */
  dtype: string;
  shape: number[];
  /** The file the tensor is read from, for messages. */
  file: string;
}

/** The read side of a checkpoint, whatever holds it. loadWeights() takes one. */
export interface WeightSource {
  readonly dir: string;
  readonly format: 'safetensors' | 'onnx';
  names(): string[];
  has(name: string): boolean;
  entry(name: string): WeightEntry;
  readFloat32(name: string): Float32Array;
  /** Why a weight the model needs may be absent from this source (ends loadWeights' "lacks encoder weights" error). */
  missingReason(): string;
}
