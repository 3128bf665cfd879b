// The LoRA graph transform: every matched Linear y = x·Wᵀ (+ b) of a forward graph becomes
//   y = x·Wᵀ + scaling · (dropout(x)·Aᵀ)·Bᵀ (+ b)          A [r, in], B [out, r]
// as PEFT's lora.Linear computes it (the frozen base output plus the scaled low-rank path, the bias once). W stays an
// initializer; A and B are new initializers named `<module>.lora_A.weight` / `<module>.lora_B.weight` (PEFT's names
// without the "base_model.model." prefix), so a plan trains them like any parameter, roleOf() finds their layer, and
// generateArtifacts' frozen prefix still ends where the first adapter begins. Standard ONNX ops only.
import { cloneModel, int, ints, type Model, type Node } from '../../onnx/ir';
import { linearModules } from './loraTargets';

export interface AdapterValues {
  module: string;
  /** lora_A.weight [r, in] and lora_B.weight [out, r], row-major. */
  a: Float32Array;
  b: Float32Array;
  rank: number;
}

export interface LoraGraphOptions {
  /** lora_alpha / r, or lora_alpha / √r with rsLoRA. */
  scaling: number;
  /** lora_dropout on the adapter's input; applied only when `training` (eval and export graphs are deterministic). */
  dropout: number;
  training: boolean;
}

export const loraAName = (module: string) => `${module}.lora_A.weight`;
export const loraBName = (module: string) => `${module}.lora_B.weight`;

/** A copy of `model` with an adapter on each module of `adapters`; throws if a module is not a Linear of the graph. */
export function addLoraAdapters(model: Model, adapters: readonly AdapterValues[], opts: LoraGraphOptions): Model {
  const out = cloneModel(model);
  const g = out.graph;
  const linear = new Map(linearModules(g).map((m) => [m.module, m]));
  const scale = 'lora_scaling';
  g.initializers.set(scale, { dtype: 'float32', dims: [], data: new Float32Array([opts.scaling]) });
  const withDropout = opts.training && opts.dropout > 0;
  if (withDropout) {
    g.initializers.set('lora_dropout_ratio', { dtype: 'float32', dims: [], data: new Float32Array([opts.dropout]) });
    g.initializers.set('lora_dropout_training', { dtype: 'bool', dims: [], data: new Uint8Array([1]) });
  }
  /** New nodes to insert after the node that produced each base output. */
  const after = new Map<Node, Node[]>();
  for (const ad of adapters) {
    const m = linear.get(ad.module);
    if (!m) throw new Error(`LoRA: "${ad.module}" is not a Linear module of the graph (a weight read through Transpose into MatMul)`);
    if (ad.a.length !== ad.rank * m.inFeatures || ad.b.length !== m.outFeatures * ad.rank) {
      throw new Error(`LoRA: adapter "${ad.module}" has A of ${ad.a.length} and B of ${ad.b.length} values; rank ${ad.rank} on [${m.outFeatures}, ${m.inFeatures}] needs ${ad.rank * m.inFeatures} and ${m.outFeatures * ad.rank}`);
    }
    const aName = loraAName(ad.module);
    const bName = loraBName(ad.module);
    g.initializers.set(aName, { dtype: 'float32', dims: [ad.rank, m.inFeatures], data: ad.a });
    g.initializers.set(bName, { dtype: 'float32', dims: [m.outFeatures, ad.rank], data: ad.b });
    const aT = `${ad.module}.lora_A.weight_T`;
    const bT = `${ad.module}.lora_B.weight_T`;
    const weightT = g.nodes.filter((n) => n.opType === 'Transpose' && n.inputs[0] === `${ad.module}.weight`).map((n) => n.outputs[0]);
    const matmuls = g.nodes.filter((n) => n.opType === 'MatMul' && weightT.includes(n.inputs[1]));
    if (!matmuls.length) throw new Error(`LoRA: no MatMul reads "${ad.module}.weight"`);
    // The transposed factors are computed once per module, next to the first use (DeBERTa's shared key_proj has two).
    const transposes: Node[] = [
      node('Transpose', [aName], [aT], `${ad.module}.lora_A.transpose`, { perm: ints([1, 0]) }),
      node('Transpose', [bName], [bT], `${ad.module}.lora_B.transpose`, { perm: ints([1, 0]) }),
    ];
    matmuls.forEach((mm, k) => {
      const tag = matmuls.length > 1 ? `${ad.module}.lora.${k}` : `${ad.module}.lora`;
      const y = mm.outputs[0];
      const base = `${y}__base`;
      mm.outputs[0] = base;
      let x = mm.inputs[0];
      const inserted: Node[] = k === 0 ? [...transposes] : [];
      if (withDropout) {
        // Same keep-alive multiply as arch/common.ts' dropout: ORT drops a Dropout whose mask nobody reads.
        inserted.push(
          node('Dropout', [x, 'lora_dropout_ratio', 'lora_dropout_training'], [`${tag}.dropout`, `${tag}.dropout_mask`], `${tag}.dropout`),
          node('Cast', [`${tag}.dropout_mask`], [`${tag}.dropout_mask_f`], `${tag}.dropout_mask_cast`, { to: int(1) }),
          node('Mul', [`${tag}.dropout`, `${tag}.dropout_mask_f`], [`${tag}.dropped`], `${tag}.dropout_keep`),
        );
        x = `${tag}.dropped`;
      }
      inserted.push(
        node('MatMul', [x, aT], [`${tag}.xa`], `${tag}.a`),
        node('MatMul', [`${tag}.xa`, bT], [`${tag}.xab`], `${tag}.b`),
        node('Mul', [`${tag}.xab`, scale], [`${tag}.delta`], `${tag}.scale`),
        node('Add', [base, `${tag}.delta`], [y], `${tag}.add`),
      );
      after.set(mm, inserted);
    });
  }
  g.nodes = g.nodes.flatMap((n) => [n, ...(after.get(n) ?? [])]);
  return out;
}

function node(opType: string, inputs: string[], outputs: string[], name: string, attrs: Node['attrs'] = {}): Node {
  return { opType, domain: '', name, inputs, outputs, attrs };
}

/** The adapter values a graph holds now (after training, from the trainer's weights map). */
export function adapterNames(modules: readonly string[]): string[] {
  return modules.flatMap((m) => [loraAName(m), loraBName(m)]);
}
