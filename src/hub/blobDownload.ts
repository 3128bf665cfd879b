// Downloads one file into blobs/<name> the way huggingface_hub does: bytes go to `<name>.incomplete`, which survives a
// failure and is resumed with an HTTP Range request; the checksum is verified before the blob gets its final name.
// The transfer itself is ours because @huggingface/hub's downloadFileToCacheDir has no resume, progress, cancel or
// integrity check.
import * as fs from 'node:fs/promises';
import { HubApiError } from '@huggingface/hub';
import { HubError } from './hubErrors';
import { gitBlobSha1OfFile, sha256OfFile } from './integrity';

export interface BlobDownloadRequest {
  /** The file's URL as resolved by fileDownloadInfo (may redirect to a CDN). */
  url: string;
  size: number;
  blobPath: string;
  expected: { sha256?: string; gitSha1?: string };
  fetch: typeof fetch;
  accessToken?: string;
  signal?: AbortSignal;
  /** Abort a transfer that receives nothing for this long. */
  idleTimeoutMs: number;
  /** Extra attempts after a dropped connection; each resumes where the last stopped. */
  retries: number;
  /** Called with byte deltas (negative when a server ignored Range and the partial file restarts). */
  onBytes(delta: number): void;
  /** Repo-relative name, for messages. */
  label: string;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/** Appends the response body to the partial file; returns when the body ends or throws on error/idle timeout. */
async function transfer(req: BlobDownloadRequest, incomplete: string, start: number): Promise<void> {
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new DOMException(`no data for ${req.idleTimeoutMs} ms`, 'TimeoutError')), req.idleTimeoutMs);
  };
  const headers: Record<string, string> = {};
  if (start > 0) headers.Range = `bytes=${start}-`;
  if (req.accessToken) headers.Authorization = `Bearer ${req.accessToken}`;
  arm();
  try {
    const signal = req.signal ? AbortSignal.any([req.signal, idle.signal]) : idle.signal;
    const response = await req.fetch(req.url, { headers, signal });
    if (response.status === 416 && start > 0) {
      // The partial is not a prefix the server recognises: start over rather than guess.
      await response.body?.cancel();
      await fs.truncate(incomplete, 0);
      req.onBytes(-start);
      return transfer(req, incomplete, 0);
    }
    if (!response.ok) throw new HubApiError(response.url, response.status, response.headers.get('x-request-id') ?? undefined, `HTTP ${response.status} while downloading ${req.label}`);
    let offset = start;
    if (start > 0 && response.status !== 206) {
      // The server ignored Range and sends the whole file.
      req.onBytes(-start);
      offset = 0;
    }
    const handle = await fs.open(incomplete, offset === 0 ? 'w' : 'a');
    try {
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          arm();
          await handle.write(chunk);
          req.onBytes(chunk.byteLength);
        }
      }
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (idle.signal.aborted && !req.signal?.aborted) throw idle.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function isRetryable(err: unknown): boolean {
  if (err instanceof HubApiError) return err.statusCode >= 500;
  for (let e: unknown = err, d = 0; e && typeof e === 'object' && d < 5; e = (e as { cause?: unknown }).cause, d++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'EROFS') return false;
    if ((e as { name?: unknown }).name === 'AbortError') return false;
  }
  // dropped sockets surface as TypeError('terminated' / 'fetch failed') or ECONNRESET
  return true;
}

/** Returns how many bytes were already on disk from an earlier attempt (0 for a fresh download). */
export async function downloadBlob(req: BlobDownloadRequest): Promise<{ resumedFrom: number }> {
  const incomplete = `${req.blobPath}.incomplete`;
  let have = await sizeOf(incomplete);
  if (have > req.size) {
    await fs.truncate(incomplete, 0);
    have = 0;
  }
  const resumedFrom = have;
  req.onBytes(have);
  if (req.size === 0) await fs.writeFile(incomplete, '');
  for (let attempt = 0; have < req.size; attempt++) {
    try {
      await transfer(req, incomplete, have);
    } catch (err) {
      req.signal?.throwIfAborted();
      if (attempt >= req.retries || !isRetryable(err)) throw err;
    }
    have = await sizeOf(incomplete);
    if (attempt >= req.retries) break; // a body that ended short without an error: the size check below reports it
  }

  const got = await sizeOf(incomplete);
  if (got !== req.size) {
    await fs.rm(incomplete, { force: true });
    throw new HubError('integrity', `${req.label}: received ${got} bytes but the Hub announced ${req.size}. The partial file was deleted; download again.`, { file: req.label });
  }
  const check = req.expected.sha256
    ? { algo: 'sha256', want: req.expected.sha256, got: await sha256OfFile(incomplete) }
    : req.expected.gitSha1
      ? { algo: 'git sha1', want: req.expected.gitSha1, got: await gitBlobSha1OfFile(incomplete, req.size) }
      : undefined;
  if (check && check.got !== check.want) {
    await fs.rm(incomplete, { force: true });
    throw new HubError(
      'integrity',
      `${req.label} is corrupt: its ${check.algo} is ${check.got} but the Hub says ${check.want}. The file was deleted; download again. If this repeats, a proxy or mirror is altering the file.`,
      { file: req.label },
    );
  }
  await fs.rename(incomplete, req.blobPath);
  return { resumedFrom };
}
