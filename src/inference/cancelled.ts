// Shared by the worker (stops between texts) and the client (rejects the caller's promise) so callers can tell a
// cancel from a failure with instanceof on either side.
export class CancelledError extends Error {
  constructor() {
    super('Classification cancelled.');
    this.name = 'CancelledError';
  }
}
