// Checksums the Hub publishes for files: LFS files are named by the sha256 of their content, regular git files by
// git's blob sha1 ("blob <size>\0" + content). Checking them catches truncated resumes and altering proxies.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

async function hashFile(file: string, algorithm: 'sha256' | 'sha1', prefix?: string): Promise<string> {
  const hash = createHash(algorithm);
  if (prefix !== undefined) hash.update(prefix);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256OfFile(file: string): Promise<string> {
  return hashFile(file, 'sha256');
}

export function gitBlobSha1OfFile(file: string, size: number): Promise<string> {
  return hashFile(file, 'sha1', `blob ${size}\0`);
}

/** ETag header → bare value: drops the weak marker and quotes (`W/"abc"` → `abc`), as huggingface_hub does. */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export const isSha256Hex = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);
export const isSha1Hex = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);
