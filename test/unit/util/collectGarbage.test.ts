import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectGarbage } from '../../../src/util/collectGarbage';

test('collectGarbage frees an unreachable 64 MB buffer at once, without --expose-gc', async () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test must run without --expose-gc to mean anything');
  let freed = false;
  const registry = new FinalizationRegistry(() => (freed = true));
  (() => registry.register(new Float32Array(16 << 20), 'buffer'))();
  collectGarbage();
  // Finalizers run from the task queue after the collection.
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(freed, true);
  collectGarbage(); // a second call reuses the same function
});
