// The training worker: a forked child process (session.run blocks its thread, never the extension host's). It speaks
// only the messages of protocol.ts over the IPC channel.
import { FromWorker, ToWorker } from '../protocol';
import { runTraining } from '../run';

const send = (m: FromWorker) => process.send?.(m);
let cancelled = false;
let paused = false;

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'cancel':
      cancelled = true;
      break;
    case 'pause':
      paused = true;
      break;
    case 'resume':
      paused = false;
      break;
    case 'start':
      runTraining(m.config, { emit: send, isCancelled: () => cancelled, isPaused: () => paused }, m.resumeFrom)
        .then(() => process.exit(0))
        .catch((e: Error) => {
          send({ type: 'error', message: e.message, stack: e.stack });
          // Let the IPC message flush before exiting.
          setTimeout(() => process.exit(1), 100);
        });
      break;
  }
});

// The extension going away must not leave an orphan burning CPU.
process.on('disconnect', () => process.exit(0));
