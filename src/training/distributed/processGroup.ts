// A process group for data-parallel training: every rank runs the same steps on its own shard of the data and sums
// its gradients with the others' before the optimizer step. gloo over TCP is the only backend: onnxruntime-node
// returns outputs to the host even on CUDA, so gradients are host buffers (see nccl.ts for why NCCL is not used).
import { loadGlooAddon, type GlooHandle } from './glooAddon';

export interface ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: 'gloo';
  /** The address this rank's connections use and why (GLOO_SOCKET_IFNAME, loopback, hostname, route to MASTER_ADDR). */
  readonly transport: string;
  /** Element-wise sum over all ranks, written into `buf` on every rank. */
  allreduceSum(buf: Float32Array | Float64Array): Promise<void>;
  /** Rank `root`'s contents of `buf` into every rank's `buf`. */
  broadcast(buf: Float32Array | Float64Array, root: number): Promise<void>;
  barrier(): Promise<void>;
  /** Idempotent; later ops reject. */
  close(): void;
}

export interface GlooGroupOptions {
  rank: number;
  worldSize: number;
  /** torchrun's MASTER_ADDR: rank 0 serves the rendezvous store there. Default 127.0.0.1. */
  masterAddr?: string;
  /** torchrun's MASTER_PORT, free for rank 0 to bind. Not needed with storePath. */
  masterPort?: number;
  /**
   * A folder every rank sees (shared file system): rendezvous through files instead of the TCP store. It must be
   * empty of an earlier job's keys (gloo would read that job's addresses): use a fresh folder or a distinct prefix.
   */
  storePath?: string;
  /** How long rendezvous and each op may take before they reject (the launch contract's FTS_DIST_TIMEOUT_S). */
  timeoutMs: number;
  /** Store key prefix; distinct prefixes let several groups share one store. */
  prefix?: string;
}

/** Connects to the other ranks; rejects (naming the rank and the cause) when they do not all arrive in time. */
export async function openGlooGroup(opts: GlooGroupOptions): Promise<ProcessGroup> {
  const addon = loadGlooAddon();
  const handle = await addon.createGroup({
    rank: opts.rank,
    size: opts.worldSize,
    masterAddr: opts.masterAddr ?? '127.0.0.1',
    masterPort: opts.masterPort,
    storePath: opts.storePath,
    timeoutMs: opts.timeoutMs,
    prefix: opts.prefix,
  });
  return glooGroup(handle);
}

function glooGroup(handle: GlooHandle): ProcessGroup {
  let closed = false;
  return {
    rank: handle.rank,
    worldSize: handle.size,
    backend: 'gloo',
    transport: handle.transport,
    // async: a wrong argument (the addon throws a TypeError) rejects like every other failure.
    allreduceSum: async (buf) => handle.allreduce(buf),
    broadcast: async (buf, root) => handle.broadcast(buf, root),
    barrier: async () => handle.barrier(),
    close: () => {
      if (closed) return;
      closed = true;
      handle.close();
    },
  };
}
