// Which file events under a runs folder refresh the Models view's "Fine-tuned" section (src/views/runExportPaths.ts):
// the export (renamed into <run>/model from a staging folder) and run.json (rewritten when the run completes), not
// the metrics.jsonl a running run appends to every few steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { isRunExportChange } from '../../../src/views/runExportPaths';

const root = path.join('/ws', '.finetune', 'runs');
const at = (...p: string[]) => path.join(root, ...p);

test('the export, run.json and run folders refresh; metrics, checkpoints, staging and other folders do not', () => {
  assert.equal(isRunExportChange(root, at('r1', 'model')), true);
  assert.equal(isRunExportChange(root, at('r1', 'model', 'config.json')), true);
  assert.equal(isRunExportChange(root, at('r1', 'model', 'onnx', 'model.onnx')), true);
  assert.equal(isRunExportChange(root, at('r1', 'run.json')), true);
  assert.equal(isRunExportChange(root, at('r1')), true);
  assert.equal(isRunExportChange(root, at('r1', 'metrics.jsonl')), false);
  assert.equal(isRunExportChange(root, at('r1', 'checkpoints', 'step-10', 'weights.bin')), false);
  assert.equal(isRunExportChange(root, at('r1', 'model.tmp-123-456', 'config.json')), false);
  assert.equal(isRunExportChange(root, at('r1', 'artifacts', 'run.json')), false);
  assert.equal(isRunExportChange(root, root), false);
  assert.equal(isRunExportChange(root, path.join('/ws', 'models', 'tiny-bert', 'config.json')), false);
});
