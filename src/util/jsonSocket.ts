// Newline-delimited JSON over a local socket (a unix socket, or a named pipe on Windows): the channel between a
// detached worker and whichever window connects to it. Unlike a fork's IPC channel it is not tied to the parent
// process, so a window that was reloaded can reach a worker started by its predecessor.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A fresh local socket address. Unix socket paths are limited to about 104 bytes, so the name is short and lives in
 * the temp folder rather than in the (possibly deep) workspace.
 */
export function localSocketAddress(prefix: string): string {
  const name = `${prefix}-${crypto.randomBytes(6).toString('hex')}`;
  return process.platform === 'win32' ? `\\\\.\\pipe\\${name}` : path.join(os.tmpdir(), `${name}.sock`);
}

/** One end of a connection: values go out as one JSON line each; lines that do not parse are dropped. */
export interface JsonPeer<Out> {
  send(value: Out): void;
  /** Ends the connection after what was sent has been written. */
  close(): void;
  readonly closed: Promise<void>;
}

function peerOf<In, Out>(socket: net.Socket, onValue: (value: In) => void): JsonPeer<Out> {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.trim()) continue;
      let value: In;
      try {
        value = JSON.parse(line) as In;
      } catch {
        continue;
      }
      onValue(value);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // A peer that vanished surfaces as 'close'; the error itself carries nothing the caller can act on.
  socket.on('error', () => undefined);
  return {
    send: (value) => {
      if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(value) + '\n');
    },
    close: () => socket.end(),
    closed,
  };
}

export interface JsonServer<Out> {
  /** Sends `value` to every connected peer. */
  broadcast(value: Out): void;
  readonly connections: number;
  /** Ends every connection (after their pending writes) and stops listening; the socket file is removed. */
  close(): Promise<void>;
}

/** Listens on `address` (owner-only on unix); `onConnect` gets each new peer, `onValue` every value it sends. */
export async function serveJson<In, Out>(
  address: string,
  handlers: { onConnect?(peer: JsonPeer<Out>): void; onValue(value: In, peer: JsonPeer<Out>): void },
): Promise<JsonServer<Out>> {
  const peers = new Set<JsonPeer<Out>>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const peer: JsonPeer<Out> = peerOf<In, Out>(socket, (v) => handlers.onValue(v, peer));
    peers.add(peer);
    socket.once('close', () => {
      peers.delete(peer);
      sockets.delete(socket);
    });
    handlers.onConnect?.(peer);
  });
  // A socket file left by a killed process with the same name would make listen fail with EADDRINUSE.
  if (process.platform !== 'win32') fs.rmSync(address, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (process.platform !== 'win32') fs.chmodSync(address, 0o600);
  return {
    broadcast: (value) => {
      for (const p of peers) p.send(value);
    },
    get connections() {
      return peers.size;
    },
    close: async () => {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.end();
      // Peers that do not read their end would keep close() waiting: give them a moment, then cut them off.
      const cut = setTimeout(() => sockets.forEach((s) => s.destroy()), 2000);
      await closing;
      clearTimeout(cut);
      if (process.platform !== 'win32') fs.rmSync(address, { force: true });
    },
  };
}

/** Connects to a server at `address`; rejects (ECONNREFUSED, ENOENT) when nothing listens there. */
export function connectJson<In, Out>(address: string, onValue: (value: In) => void): Promise<JsonPeer<Out>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(peerOf<In, Out>(socket, onValue));
    });
  });
}
