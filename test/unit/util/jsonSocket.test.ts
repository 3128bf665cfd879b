// The local-socket channel a detached worker serves: values both ways as JSON lines, several peers, bad lines
// dropped, and the socket file gone (and owner-only while it exists).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { connectJson, localSocketAddress, serveJson, type JsonPeer } from '../../../src/util/jsonSocket';

const until = async (what: string, fn: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
};

test('values go both ways, a broadcast reaches every peer, and the socket file is removed on close', async () => {
  const address = localSocketAddress('fts-test');
  const atServer: { value: unknown; peer: JsonPeer<unknown> }[] = [];
  const server = await serveJson<unknown, unknown>(address, {
    onConnect: (peer) => peer.send({ hello: true }),
    onValue: (value, peer) => {
      atServer.push({ value, peer });
      peer.send({ echo: value });
    },
  });
  if (process.platform !== 'win32') assert.equal(fs.statSync(address).mode & 0o777, 0o600);
  const a: unknown[] = [];
  const b: unknown[] = [];
  const pa = await connectJson<unknown, unknown>(address, (v) => a.push(v));
  const pb = await connectJson<unknown, unknown>(address, (v) => b.push(v));
  pa.send({ n: 1, text: 'line\nbreak inside a string' });
  await until('the echo', () => a.length === 2);
  assert.deepEqual(a, [{ hello: true }, { echo: { n: 1, text: 'line\nbreak inside a string' } }]);
  assert.equal(server.connections, 2);
  server.broadcast({ step: 7 });
  await until('the broadcast', () => a.length === 3 && b.length === 2);
  assert.deepEqual(b, [{ hello: true }, { step: 7 }]);
  await server.close();
  await Promise.all([pa.closed, pb.closed]);
  if (process.platform !== 'win32') assert.equal(fs.existsSync(address), false, 'socket file left behind');
  await assert.rejects(connectJson(address, () => undefined), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' || e.code === 'ECONNREFUSED');
});

test('a line that is not JSON is dropped and the values around it arrive, also when split across writes', async () => {
  const address = localSocketAddress('fts-test');
  const got: unknown[] = [];
  const server = await serveJson<unknown, unknown>(address, { onValue: (v) => got.push(v) });
  const raw = net.connect(address);
  await new Promise((r) => raw.once('connect', r));
  raw.write('{"a":1}\nnot json\n{"b":');
  await new Promise((r) => setTimeout(r, 20));
  raw.write('2}\n\n');
  await until('both values', () => got.length === 2);
  assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
  raw.end();
  await server.close();
});

test('a stale socket file of a killed server does not block a new one at the same address', async () => {
  if (process.platform === 'win32') return;
  const address = localSocketAddress('fts-test');
  fs.writeFileSync(address, '');
  const server = await serveJson<unknown, unknown>(address, { onValue: () => undefined });
  const peer = await connectJson(address, () => undefined);
  peer.close();
  await server.close();
  assert.equal(fs.existsSync(address), false);
});
