// `finetune-studio push` through the real CLI against the loopback Hub: HF_TOKEN / HF_ENDPOINT only, the URL alone on
// stdout, progress and messages on stderr, completed runs only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HubTestServer } from '../../support/hubServer';
import { checkModelCard } from '../../support/modelCardValidator';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const TINY = path.join(ROOT, 'test/fixtures/generated/workspace/models/tiny-bert');
const TRAIN_CSV = path.join(ROOT, 'test/fixtures/generated/workspace/data/sentiment_train.csv');
const TOKEN = 'hf_cli_writer';

let server: HubTestServer;
let root: string;

/** Async on purpose: the loopback server answers from this process's event loop. */
function cli(args: string[], env: Record<string, string | undefined>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env, HF_TOKEN: undefined, HF_ENDPOINT: undefined, ...env };
    const child = child_process.spawn(process.execPath, [CLI, 'push', ...args], { cwd: ROOT, env: clean as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function run(id: string, status: string, withAdapter = false): string {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  const at = new Date(Date.now() - 60_000).toISOString();
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ id, status, createdAt: at, updatedAt: at, config: { model: TINY, data: '/d.csv', strategy: withAdapter ? 'lora' : 'full' }, step: 10, totalSteps: 10 }));
  fs.cpSync(TINY, path.join(dir, 'model'), { recursive: true });
  if (withAdapter) {
    fs.mkdirSync(path.join(dir, 'adapter'));
    fs.writeFileSync(path.join(dir, 'adapter', 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 4, base_model_name_or_path: 'tiny-bert' }));
    fs.writeFileSync(path.join(dir, 'adapter', 'adapter_model.safetensors'), Buffer.alloc(40_000, 7));
  }
  return dir;
}

before(async () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  server = await HubTestServer.start();
  server.accounts.set(TOKEN, { user: 'carol', orgs: ['lab'] });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-push-'));
});
after(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test('push: a completed run goes to a private repo named after the run; stdout is the URL, the weights read back equal', async () => {
  const dir = run('20261207-120000-tiny-bert-full', 'completed');
  const r = await cli(['--run', dir], { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url });
  assert.equal(r.status, 0, r.stderr);
  const repoId = 'carol/20261207-120000-tiny-bert-full';
  assert.equal(r.stdout, `${server.url}/${repoId}\n`);
  assert.match(r.stderr, new RegExp(`created private repo ${repoId} at commit ${server.commitOf(repoId).slice(0, 8)}`));
  assert.match(server.commits.at(-1)!.summary, /^Upload model of run 20261207-120000-tiny-bert-full \(full\) from Fine-Tune Studio$/);
  const info = await (await fetch(`${server.url}/api/models/${repoId}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { private: boolean; siblings: { rfilename: string }[] };
  assert.equal(info.private, true);
  assert.deepEqual(info.siblings.map((s) => s.rfilename).filter((f) => f !== '.gitattributes').sort(),
    fs.readdirSync(TINY, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(TINY, path.join(e.parentPath, e.name))).sort());
  const weights = await fetch(`${server.url}/${repoId}/resolve/main/model.safetensors`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.ok(Buffer.from(await weights.arrayBuffer()).equals(fs.readFileSync(path.join(TINY, 'model.safetensors'))));
});

test('push of a real run: the README.md on the Hub is its model card made again under the repo name, valid by the Hub rules', async () => {
  const runs = path.join(root, 'real');
  const trained = child_process.spawnSync(process.execPath, [CLI, 'train', '--model', TINY, '--data', TRAIN_CSV, '--strategy', 'full', '--runs', runs, '--set', 'epochs=1'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(trained.status, 0, trained.stderr);
  const [id] = fs.readdirSync(runs);
  const dir = path.join(runs, id);
  const exported = fs.readFileSync(path.join(dir, 'model', 'README.md'), 'utf8');
  const r = await cli(['--run', dir, '--repo', 'lab/sentiment-tiny'], { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url });
  assert.equal(r.status, 0, r.stderr);
  const res = await fetch(`${server.url}/lab/sentiment-tiny/resolve/main/README.md`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  const pushed = await res.text();
  const check = checkModelCard(pushed);
  assert.deepEqual(check.errors, []);
  const index = check.metadata?.['model-index'] as { name: string; results: { metrics: { type: string; value: number }[] }[] }[];
  assert.equal(index[0].name, 'lab/sentiment-tiny', 'the pushed card names the repo');
  assert.equal((checkModelCard(exported).metadata?.['model-index'] as { name: string }[])[0].name, id, 'the exported card names the run');
  // Everything but the name is the export's card: the same results.
  assert.deepEqual(index[0].results, (checkModelCard(exported).metadata?.['model-index'] as typeof index)[0].results);
  assert.ok(index[0].results[0].metrics.length > 0);
});

test('push --adapter --public --repo ORG/NAME --message M --endpoint URL', async () => {
  const dir = run('20261207-130000-tiny-bert-lora', 'completed', true);
  const r = await cli(['--run', dir, '--adapter', '--public', '--repo', 'lab/tiny-adapter', '--message', 'LoRA r=4', '--endpoint', server.url], { HF_TOKEN: TOKEN });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${server.url}/lab/tiny-adapter\n`);
  const last = server.commits.at(-1)!;
  assert.equal(last.summary, 'LoRA r=4');
  assert.deepEqual([...last.files, ...last.lfsFiles].sort(), ['adapter_config.json', 'adapter_model.safetensors']);
  assert.equal((await fetch(`${server.url}/api/models/lab/tiny-adapter`)).status, 200, 'public: anonymous readers see it');
});

test('push refuses what it cannot do, with the reason and the next step', async () => {
  const cancelled = run('20261207-140000-tiny-bert-full', 'cancelled');
  const commits = server.commits.length;
  let r = await cli(['--run', cancelled], { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is cancelled.*only a completed run is pushed.*finetune-studio train --resume/);
  const done = run('20261207-150000-tiny-bert-full', 'completed');
  r = await cli(['--run', done], { HF_ENDPOINT: server.url });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /HF_TOKEN/);
  r = await cli(['--run', done], { HF_TOKEN: 'hf_expired', HF_ENDPOINT: server.url });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error: The Hub refused the access token \(HTTP 401/);
  r = await cli(['--run', done, '--adapter'], { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url });
  assert.match(r.stderr, /has no LoRA adapter to push/);
  r = await cli(['--run', done, '--repo', 'no spaces'], { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url });
  assert.match(r.stderr, /contains " "/);
  assert.equal(r.stdout, '');
  assert.equal(server.commits.length, commits, 'none of these committed anything');
});
