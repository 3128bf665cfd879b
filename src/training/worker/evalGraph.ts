// The evaluation graph: the forward model built WITHOUT dropout, with the trainable weights turned into inputs so the
// session reads the current weights each call (no re-serialisation of the model per evaluation).
import { cloneModel, Model } from '../../onnx/ir';

export function evalModelWithWeightInputs(forward: Model, trainable: readonly string[]): Model {
  const m = cloneModel(forward);
  for (const name of trainable) {
    const t = m.graph.initializers.get(name);
    if (!t) throw new Error(`evaluation graph: "${name}" is not an initializer of the forward model`);
    m.graph.initializers.delete(name);
    m.graph.inputs.push({ name, dtype: t.dtype, shape: [...t.dims] });
  }
  return m;
}
