// Whether NCCL is on this machine, for the run log's one line about it. It is never used: onnxruntime-node hands
// every output back as a host tensor, CUDA included (its Node binding has no device-resident outputs for CUDA), so
// the gradients to reduce are host buffers and gloo over TCP is the path. NCCL would first need them copied back to a
// GPU, which costs more than it saves.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const NCCL_LIBRARY = 'libnccl.so.2';

const WHY_GLOO = 'onnxruntime-node returns outputs to the host even on CUDA, so gradients are host buffers and gloo reduces them';

/** Where libnccl usually lives: distro packages (libnccl2), NVIDIA's CUDA and NCCL tarballs, conda-free layouts. */
const COMMON_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/cuda/lib64', '/usr/local/nccl/lib', '/usr/local/lib', '/opt/nccl/lib'];

export interface NcclProbe {
  env: NodeJS.ProcessEnv;
  exists(file: string): boolean;
  /** `ldconfig -p` output, or '' when it cannot run. */
  ldconfig(): string;
}

const systemProbe: NcclProbe = {
  env: process.env,
  exists: (file) => fs.existsSync(file),
  ldconfig: () => {
    for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
      try {
        return execFileSync(bin, ['-p'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        // next candidate: ldconfig is often outside a non-root PATH
      }
    }
    return '';
  },
};

/** Finds libnccl.so.2: LD_LIBRARY_PATH first (what the loader would use), then the linker cache, then common folders. */
export function findNccl(probe: NcclProbe = systemProbe): string | undefined {
  for (const dir of (probe.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    const file = path.join(dir, NCCL_LIBRARY);
    if (probe.exists(file)) return file;
  }
  const cached = probe.ldconfig().split('\n').find((line) => line.trim().startsWith(`${NCCL_LIBRARY} `));
  if (cached) {
    const arrow = cached.indexOf('=>');
    if (arrow >= 0) return cached.slice(arrow + 2).trim();
  }
  return COMMON_DIRS.map((dir) => path.join(dir, NCCL_LIBRARY)).find((file) => probe.exists(file));
}

/**
 * `available`: whether libnccl.so.2 is installed. `reason`: the run log's words after "NCCL: not used (", saying what
 * was found and why gloo reduces the gradients either way.
 */
export function ncclStatus(probe: NcclProbe = systemProbe): { available: boolean; reason: string } {
  const found = findNccl(probe);
  if (found) return { available: true, reason: `${NCCL_LIBRARY} found at ${found}, but ${WHY_GLOO}` };
  return { available: false, reason: `${NCCL_LIBRARY} not found (LD_LIBRARY_PATH, ldconfig -p, ${COMMON_DIRS.join(', ')}); ${WHY_GLOO} anyway` };
}
