// The error a bad config.json raises, and the activations the graph builders implement: shared by modelSpec.ts and the
// per-family config readers it calls (so those need not import modelSpec.ts back).
export type HiddenAct = 'gelu' | 'gelu_new' | 'relu';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
