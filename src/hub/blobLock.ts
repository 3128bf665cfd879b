// Serialises work on one blob inside this process: two downloads of the same model (the Models view and a zero-shot
// fetch, say) would otherwise append to the same `.incomplete` file at once. Across processes (Python writing the
// same cache) the checksum check is what catches a clash.
const tails = new Map<string, Promise<void>>();

export async function withBlobLock<T>(blobPath: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(blobPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
  tails.set(blobPath, mine);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(blobPath) === mine) tails.delete(blobPath);
  }
}
