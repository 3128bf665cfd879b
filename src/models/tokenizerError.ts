// Its own module so tokenizer loading and tokenizer-file resolution can both throw it without importing each other.
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}
