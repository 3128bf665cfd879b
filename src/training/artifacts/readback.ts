// The graph that brings device-resident weights and optimizer state back to the host: an Identity per tensor, run
// with host outputs, so onnxruntime copies each GPU buffer down (onnxruntime-node has no download for its tensors).
import { GraphBuilder } from '../../onnx/builder';
import { DEFAULT_IR_VERSION, DEFAULT_OPSET, Model } from '../../onnx/ir';
import type { ArtifactManifest } from './generateArtifacts';

/** Output name of tensor `name` in the readback model. */
export const hostName = (name: string) => `${name}_host`;

export function readbackModel(manifest: ArtifactManifest): Model {
  const b = new GraphBuilder('readback');
  const byParam = new Map(manifest.params.map((p) => [p.name, p]));
  const tensors = [...manifest.params, ...manifest.state.map((s) => ({ ...byParam.get(s.param)!, name: s.name }))];
  for (const t of tensors) {
    b.input(t.name, t.dtype, t.shape);
    b.op('Identity', [t.name], {}, { output: hostName(t.name) });
    b.output(hostName(t.name), t.dtype, t.shape);
  }
  return { graph: b.build(), opsetImports: [{ domain: '', version: DEFAULT_OPSET }], irVersion: DEFAULT_IR_VERSION, producerName: 'finetune-studio' };
}
