// The CLI's `--json` output as it arrives: one protocol message per line, handed over as soon as its line is whole
// (tests signal a run at a given step, so they cannot wait for the process to end).
import type { Readable } from 'node:stream';
import type { FromWorker } from '../../../src/training/protocol';

export function onCliMessages(stdout: Readable, onMessage: (m: FromWorker) => void): void {
  let buf = '';
  stdout.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, nl)) as FromWorker;
      buf = buf.slice(nl + 1);
      onMessage(m);
    }
  });
}
