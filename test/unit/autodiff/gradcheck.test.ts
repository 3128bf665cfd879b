import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGradcheck } from '../../../src/training/gradcheck';
import { registeredOps } from '../../../src/training/autodiff/registry';
import '../../../src/training/autodiff/rules';

const REQUIRED = [
  'MatMul', 'Gemm', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Neg', 'Exp', 'Log', 'Erf', 'Tanh', 'Relu', 'Sigmoid', 'Softmax',
  'LogSoftmax', 'ReduceMean', 'ReduceSum', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice',
  'Gather', 'Where', 'Expand', 'Cast', 'Identity', 'Dropout', 'LayerNormalization', 'Gelu', 'com.microsoft.Gelu', 'com.microsoft.FastGelu',
];

test('every op the issue lists has a registered gradient rule', () => {
  const names = registeredOps().map((k) => (k.domain ? `${k.domain}.${k.opType}` : k.opType));
  for (const op of REQUIRED) assert.ok(names.includes(op), `missing rule for ${op}`);
});

test('every registered rule passes a float64 finite-difference check (max rel error ≤ 1e-6)', async () => {
  const results = await runGradcheck();
  assert.equal(results.length, registeredOps().length);
  for (const r of results) {
    assert.ok(r.cases > 0, `${r.op}: no case`);
    assert.ok(r.ok && r.maxRelError <= 1e-6, `${r.op}: max rel error ${r.maxRelError} ${r.note ?? ''}`);
  }
});

test('gradcheck reports an unknown op as failed instead of skipping it', async () => {
  const [r] = await runGradcheck({ ops: ['NoSuchOp'] });
  assert.equal(r.ok, false);
  assert.equal(r.maxRelError, Infinity);
  assert.match(r.note ?? '', /no gradient rule/);
});
