// MatMul and Gemm: the adjoint of a matrix product is a product with the other operand transposed.
import { attrFloat, attrInt, int } from '../../../onnx/ir';
import { GradBuilder } from '../gradBuilder';
import { registerRule } from '../registry';

/** Swaps the last two axes. */
function swapLast(g: GradBuilder, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return g.op('Transpose', [x], { perm: { type: 'ints', value: perm } });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

registerRule('MatMul', ({ node, dy, needs, g }) => {
  const [a, b] = node.inputs;
  const d = dy[0]!;
  const ra = g.rank(a, `MatMul node "${node.name}"`);
  const rb = g.rank(b, `MatMul node "${node.name}"`);
  const unsq = (x: string, axis: number) => g.op('Unsqueeze', [x, g.int64s([axis])]);
  if (ra === 1 && rb === 1) return [needs[0] ? g.mul(d, b) : undefined, needs[1] ? g.mul(d, a) : undefined];
  if (rb === 1) {
    // y[..., m] = Σ_k a[..., m, k] b[k]
    const da = needs[0] ? g.reduceTo(g.mul(unsq(d, -1), b), a) : undefined;
    const db = needs[1] ? g.reduceSum(g.mul(a, unsq(d, -1)), range(ra - 1), false) : undefined;
    return [da, db];
  }
  if (ra === 1) {
    // y[..., n] = Σ_k a[k] b[..., k, n]
    const da = needs[0] ? g.reduceSum(g.mul(b, unsq(d, -2)), range(rb).filter((i) => i !== rb - 2), false) : undefined;
    const db = needs[1] ? g.reduceTo(g.mul(unsq(a, -1), unsq(d, -2)), b) : undefined;
    return [da, db];
  }
  const da = needs[0] ? g.reduceTo(g.op('MatMul', [d, swapLast(g, b, rb)]), a) : undefined;
  let db: string | undefined;
  if (needs[1]) {
    if (rb === 2 && ra > 2) {
      // A weight shared across the batch: fold the batch into rows and do one GEMM instead of a batched product + sum.
      const a2 = g.op('Flatten', [a], { axis: int(ra - 1) });
      // With a 2-D right operand the output has the left operand's rank.
      const d2 = g.op('Flatten', [d], { axis: int(ra - 1) });
      db = g.op('Gemm', [a2, d2], { transA: int(1) });
    } else {
      db = g.reduceTo(g.op('MatMul', [swapLast(g, a, ra), d]), b);
    }
  }
  return [da, db];
});

registerRule('Gemm', ({ node, dy, needs, g }) => {
  const [a, b, c] = node.inputs;
  const d = dy[0]!;
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const ta = attrInt(node, 'transA', 0);
  const tb = attrInt(node, 'transB', 0);
  const gemm = (x: string, y: string, tx: number, ty: number) => g.op('Gemm', [x, y], { alpha: { type: 'float', value: alpha }, transA: int(tx), transB: int(ty) });
  const da = needs[0] ? (ta ? gemm(b, d, tb, 1) : gemm(d, b, 0, tb ? 0 : 1)) : undefined;
  const db = needs[1] ? (tb ? gemm(d, a, 1, ta) : gemm(a, d, ta ? 0 : 1, 0)) : undefined;
  let dc: string | undefined;
  if (c && needs[2]) dc = g.reduceTo(beta === 1 ? d : g.mul(d, g.scalarLike(beta, d)), c);
  return [da, db, dc];
});
