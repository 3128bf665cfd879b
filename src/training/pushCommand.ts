// `finetune-studio push --run RUN_DIR [--repo NAME|NS/NAME] [--public] [--adapter] [--message M] [--endpoint URL]`:
// the token only from HF_TOKEN, the endpoint from --endpoint or HF_ENDPOINT; progress on stderr, the URL alone on
// stdout so scripts can capture it.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HUB_ENDPOINT } from '../hub/hubClient';
import { describePushProgress, megabytes as mb, pushFolder, type PushProgress } from '../hub/hubPush';
import { pushSource } from './pushSource';


/** One status line on a terminal; a line per phase and per 10% of it in logs. */
function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { update(p: PushProgress): void; done(): void } {
  let lastKey = '';
  let open = false; // a status line is on the terminal without its newline
  return {
    update(p) {
      const frac = p.totalBytes ? p.doneBytes / p.totalBytes : 0;
      const text = describePushProgress(p);
      if (stream.isTTY) {
        stream.write(`\r${text}\x1b[K`);
        open = true;
        return;
      }
      const key = `${p.phase}:${Math.floor(frac * 10)}`;
      if (key !== lastKey) {
        lastKey = key;
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

export async function pushCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { run: { type: 'string' }, repo: { type: 'string' }, public: { type: 'boolean' }, adapter: { type: 'boolean' }, message: { type: 'string' }, endpoint: { type: 'string' } },
  });
  if (!values.run) throw new Error('push needs --run RUN_DIR (a folder under .finetune/runs/)');
  const token = env.HF_TOKEN?.trim();
  if (!token) throw new Error('push needs a Hugging Face token with the "write" role in HF_TOKEN (huggingface.co/settings/tokens).');
  const source = pushSource(path.resolve(values.run), values.adapter ? 'adapter' : 'model');
  const printer = progressPrinter();
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    console.error('\ncancelling the push (Ctrl-C again to quit at once)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await pushFolder({
      folder: source.folder,
      repoId: values.repo ?? source.defaultRepoName,
      private: !values.public,
      token,
      endpoint: values.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT,
      commitMessage: values.message ?? source.commitMessage,
      extraFiles: source.extraFiles,
      onProgress: (p) => printer.update(p),
      signal: abort.signal,
    });
    printer.done();
    console.error(`${result.created ? 'created' : 'updated'} ${result.private ? 'private' : 'public'} repo ${result.repoId} at commit ${result.commit.slice(0, 8)} (${mb(result.uploadedBytes)} sent)`);
    console.log(result.url);
    return 0;
  } finally {
    printer.done();
    process.off('SIGINT', onSigint);
  }
}
