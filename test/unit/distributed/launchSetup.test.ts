// What data-parallel training reads before any rank connects: where the gloo addon is looked for and what is said
// when it is missing, and the NCCL line of the run log (the launcher's environment: dataParallelParts.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { addonCandidates, glooAvailable, loadGlooAddon } from '../../../src/training/distributed/glooAddon';
import { findNccl, ncclStatus, type NcclProbe } from '../../../src/training/distributed/nccl';

test('the addon is looked for beside the bundle and in dist/ above the compiled module; FTS_GLOO_ADDON overrides', () => {
  const from = path.join('/repo', 'out', 'src', 'training', 'distributed');
  const platform = `${process.platform}-${process.arch}`;
  const found = addonCandidates({}, from);
  assert.equal(found[0], path.join(from, 'native', platform, 'gloo.node'));
  assert.ok(found.includes(path.join('/repo', 'dist', 'native', platform, 'gloo.node')), found.join('\n'));
  assert.deepEqual(addonCandidates({ FTS_GLOO_ADDON: '/opt/fts/gloo.node' }, from), ['/opt/fts/gloo.node']);
});

test('a missing addon is an error saying where it was looked for and how to build it', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'linux-x64 message' : false }, () => {
  const nowhere = path.join(os.tmpdir(), 'no-such-dir', 'gloo.node');
  const reason = glooAvailable({ FTS_GLOO_ADDON: nowhere });
  assert.deepEqual(reason, {
    ok: false,
    reason: `Data-parallel training needs the gloo addon (dist/native/linux-x64/gloo.node): not found at ${nowhere}; build it with \`sudo apt-get install libgloo-dev && npm run build:gloo\``,
  });
  assert.throws(() => loadGlooAddon({ FTS_GLOO_ADDON: nowhere }), /not found at/);
});

test('a file that is not a loadable addon says so, with the libraries it needs', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'linux-x64 message' : false }, () => {
  const notAnAddon = __filename; // a .js file: dlopen refuses it
  const reason = glooAvailable({ FTS_GLOO_ADDON: notAnAddon });
  assert.equal(reason.ok, false);
  assert.match((reason as { reason: string }).reason, /is there but does not load \(.+\)\. It needs libgloo\.so\.0 beside it .*libhiredis0\.14 and libibverbs1/);
});

function probe(files: string[], ldconfig = '', env: NodeJS.ProcessEnv = {}): NcclProbe {
  return { env, exists: (f) => files.includes(f), ldconfig: () => ldconfig };
}

test('NCCL is found through LD_LIBRARY_PATH, then the linker cache, then common folders', () => {
  assert.equal(findNccl(probe(['/opt/x/libnccl.so.2'], '', { LD_LIBRARY_PATH: '/nope:/opt/x' })), '/opt/x/libnccl.so.2');
  const cache = '\tlibnccl.so.2 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnccl.so.2\n\tlibnccl-net.so (libc6,x86-64) => /x\n';
  assert.equal(findNccl(probe([], cache)), '/usr/lib/x86_64-linux-gnu/libnccl.so.2');
  assert.equal(findNccl(probe(['/usr/local/cuda/lib64/libnccl.so.2'])), '/usr/local/cuda/lib64/libnccl.so.2');
  assert.equal(findNccl(probe([])), undefined);
});

test('the NCCL status says what was found and why gloo reduces the gradients either way', () => {
  const found = ncclStatus(probe(['/usr/local/cuda/lib64/libnccl.so.2']));
  assert.equal(found.available, true);
  assert.equal(found.reason, 'libnccl.so.2 found at /usr/local/cuda/lib64/libnccl.so.2, but onnxruntime-node returns outputs to the host even on CUDA, so gradients are host buffers and gloo reduces them');
  const missing = ncclStatus(probe([]));
  assert.equal(missing.available, false);
  assert.match(missing.reason, /^libnccl\.so\.2 not found \(LD_LIBRARY_PATH, ldconfig -p, \/usr\/lib\/x86_64-linux-gnu, .*\); onnxruntime-node returns outputs to the host even on CUDA, so gradients are host buffers and gloo reduces them anyway$/);
});
