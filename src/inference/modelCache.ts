// Keeps loaded models warm, keyed by task + folder + device. Two at most: a zero-shot model and a fine-tuned one are the
// usual pair, and each holds its weights in memory, so older ones are disposed.
import type { Classifier } from './classifier';
import type { ModelRef } from './protocol';

export class ModelCache<T extends { dispose(): Promise<void> } = Classifier> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly load: (ref: ModelRef) => Promise<T>, private readonly capacity = 2) {}

  static key(ref: ModelRef): string {
    return `${ref.task}\u0000${ref.folder}\u0000${ref.device ?? 'cpu'}`;
  }

  has(ref: ModelRef): boolean {
    return this.entries.has(ModelCache.key(ref));
  }

  /** The model for `ref`, loading it once; a failed load is forgotten so the next request retries. */
  get(ref: ModelRef): Promise<T> {
    const key = ModelCache.key(ref);
    const entry = this.entries.get(key);
    if (entry) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry;
    }
    const loading = this.load(ref);
    this.entries.set(key, loading);
    // Older models make room only once this one has loaded: a folder that fails to load must not cost a warm model.
    loading.then(() => this.evict(key), () => {
      if (this.entries.get(key) === loading) this.entries.delete(key);
    });
    return loading;
  }

  /** Least recently used first, never `keep` (the model that just loaded, about to serve its request). */
  private evict(keep: string): void {
    for (const [key, entry] of [...this.entries]) {
      if (this.entries.size <= this.capacity) break;
      if (key === keep) continue;
      this.entries.delete(key);
      void entry.then((c) => c.dispose()).catch(() => undefined);
    }
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.then((c) => c.dispose()).catch(() => undefined)));
  }
}
