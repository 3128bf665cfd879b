// The model card written with every export: real runs on the generated fixtures (classification with gradual
// unfreezing and a test split, LoRA under discriminative-lr on a base in the Hugging Face cache layout with its own
// card, NER without a test split, SetFit) each leave a README.md whose metadata passes the Hub-rules validator, whose
// model-index numbers are run.json's, whose results table is metrics.jsonl's evaluations and whose hyperparameters are
// the run's settings. Broken cards fail the validator, and a card that cannot be built costs the run only a warning.
// Needs `npm run fixtures` (npm test runs it first).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dump } from 'js-yaml';
import type { FromWorker, RunConfig } from '../../../src/training/protocol';
import { readMetrics, readRun, type RunRecord } from '../../../src/training/runStore';
import { runTraining } from '../../../src/training/run';
import { modelCardFor, writeModelCardOrWarn } from '../../../src/training/modelCard/modelCard';
import { checkModelCard } from '../../support/modelCardValidator';
import { fixtureModel, fixtureWorkspace } from '../models/support';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'out/src/cli.js');
const WS = fixtureWorkspace();
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-model-card-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

async function train(config: Omit<RunConfig, 'runsRoot' | 'device'>): Promise<{ runDir: string; record: RunRecord }> {
  const messages: FromWorker[] = [];
  await runTraining({ ...config, runsRoot: path.join(TMP, 'runs'), device: 'cpu' }, { emit: (m) => messages.push(m), isCancelled: () => false, isPaused: () => false });
  const done = messages.find((m) => m.type === 'done');
  assert.ok(done && done.type === 'done' && done.status === 'completed', `run did not complete: ${JSON.stringify(messages.filter((m) => m.type === 'error'))}`);
  return { runDir: done.runDir, record: readRun(done.runDir) };
}

/** A copy of the fixture BERT where the HF cache keeps a Hub model, with the base card a Hub repo carries. */
function hubCacheBase(): string {
  const dir = path.join(TMP, 'hub', 'models--acme--tiny-bert', 'snapshots', '0123456789abcdef0123456789abcdef01234567');
  fs.cpSync(fixtureModel('tiny-bert'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), '---\nlicense: apache-2.0\nlanguage:\n- en\ndatasets:\n- bookcorpus\n- wikipedia\ntags:\n- exbert\n---\n\n# tiny bert\n');
  return dir;
}

/** A few examples per class for SetFit (it is a few-shot method), the rest of the fixture as validation. */
function setfitData(): string {
  const lines = fs.readFileSync(path.join(WS, 'data/sentiment_train.csv'), 'utf8').trim().split('\n');
  const rows = lines.slice(1).filter((l) => !l.startsWith('"'));
  const pick = (label: string) => rows.filter((l) => l.endsWith(`,${label}`)).slice(0, 6);
  const dir = path.join(TMP, 'setfit-data');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'train.csv'), [lines[0], ...pick('positive'), ...pick('negative')].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'dev.csv'), [lines[0], ...rows.slice(100, 124)].join('\n') + '\n');
  return path.join(dir, 'train.csv');
}

const SMALL = { batchSize: 16, maxLength: 32, threads: 1, seed: 5 };
// One run after another (the machine's cores are shared, and each run takes seconds); one failing fails only its tests.
const inTurn = <T>(previous: Promise<unknown>, next: () => Promise<T>): Promise<T> => previous.catch(() => undefined).then(next);
const classificationRun = train({ model: fixtureModel('tiny-bert'), data: path.join(WS, 'data/sentiment_train.csv'), strategy: 'gradual-unfreezing', settings: { ...SMALL, epochs: 2, learningRate: 1e-3 } });
const loraRun = inTurn(classificationRun, () => train({ model: hubCacheBase(), data: path.join(WS, 'data/sentiment_train.csv'), strategy: 'discriminative-lr', settings: { ...SMALL, epochs: 1, adapter: 'lora', loraRank: 4, loraAlpha: 8, layerDecay: 0.8 } }));
const nerRun = inTurn(loraRun, () => train({ model: fixtureModel('tiny-bert'), data: path.join(WS, 'data/ner/train.conll'), strategy: 'full', settings: { ...SMALL, stride: 8, epochs: 2, learningRate: 5e-3 } }));
const setfitRun = inTurn(nerRun, () => train({ model: fixtureModel('tiny-bert'), data: setfitData(), strategy: 'setfit', settings: { ...SMALL, learningRate: 1e-3, setfitIterations: 2 } }));

interface IndexMetric { type: string; value: number; name?: string; args?: unknown }
interface Meta {
  [key: string]: unknown;
  library_name: string;
  pipeline_tag: string;
  tags: string[];
  'model-index': { name: string; results: { task: { type: string; name?: string }; dataset: { name: string; type: string; split?: string }; metrics: IndexMetric[] }[] }[];
}
/** The object at a path inside parsed YAML, for the broken-card edits. */
const at = (o: unknown, ...keys: (string | number)[]): Record<string, unknown> => keys.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], o) as Record<string, unknown>;

function card(runDir: string, folder = 'model'): string {
  const text = fs.readFileSync(path.join(runDir, folder, 'README.md'), 'utf8');
  // A card is meant to be shared: file names, never the folders of the machine that trained.
  for (const local of [WS, TMP]) assert.ok(!text.includes(local), `the card names no local folder (${local})`);
  return text;
}
function valid(markdown: string) {
  const r = checkModelCard(markdown);
  assert.deepEqual(r.errors, [], 'the card passes the Hub-rules validator');
  assert.ok(r.ok && r.metadata);
  return { meta: r.metadata as Meta, body: r.body };
}
/** A `## …` / `### …` section's text, up to the next heading of any level. */
function section(body: string, heading: string): string {
  const start = body.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `the card has a "${heading}" section`);
  const rest = body.slice(start + heading.length + 1);
  const next = rest.search(/^#{1,3} /m);
  return next < 0 ? rest : rest.slice(0, next);
}
const tableRows = (text: string) => text.split('\n').filter((l) => l.startsWith('|')).slice(2).map((l) => l.slice(1, -1).split(' | ').map((c) => c.trim()));
const evalsOf = (runDir: string) => readMetrics(runDir).filter((m) => m.type === 'eval') as unknown as { step: number; epoch: number; metrics: Record<string, number> }[];

/** The table holds every evaluation, in order: step, validation loss and each other metric (4 decimals, as HF's card). */
function assertResultsTable(runDir: string, body: string): void {
  const evals = evalsOf(runDir);
  const trains = readMetrics(runDir).filter((m) => m.type === 'train') as unknown as { step: number; loss: number }[];
  const rows = tableRows(section(body, '### Training results'));
  assert.equal(rows.length, evals.length, 'one row per eval record');
  assert.ok(rows.length > 0);
  rows.forEach((row, i) => {
    const e = evals[i];
    assert.equal(Number(row[2]), e.step);
    // HF's column: the last training loss logged since the previous evaluation.
    const train = trains.filter((t) => t.step > (evals[i - 1]?.step ?? -1) && t.step <= e.step).at(-1);
    assert.equal(row[0], train ? train.loss.toFixed(4) : 'No log');
    assert.ok(Math.abs(Number(row[1]) - e.epoch) < 1e-4);
    assert.equal(row[3], e.metrics.loss.toFixed(4));
    assert.deepEqual(row.slice(4), Object.entries(e.metrics).filter(([k]) => k !== 'loss').map(([, v]) => v.toFixed(4)));
  });
}

/** Every setting run.json recorded, with its value, and nothing else. */
function assertHyperparameters(record: RunRecord, body: string): void {
  const listed = Object.fromEntries(section(body, '### Training hyperparameters').split('\n').filter((l) => l.startsWith('- ')).map((l) => {
    const [k, ...v] = l.slice(2).split(': ');
    const text = v.join(': ');
    try {
      return [k, JSON.parse(text)];
    } catch {
      return [k, text];
    }
  }));
  const settings = Object.fromEntries(Object.entries(record.config.settings ?? {}).filter(([, v]) => v !== undefined));
  assert.deepEqual(listed, settings);
}

test('classification (gradual unfreezing, a test split): a valid card whose model-index is run.json\'s test metrics', async () => {
  const { runDir, record } = await classificationRun;
  const { meta, body } = valid(card(runDir));
  assert.equal(meta.library_name, 'transformers');
  assert.equal(meta.pipeline_tag, 'text-classification');
  // A local base with no card: nothing is invented.
  for (const k of ['base_model', 'license', 'language', 'datasets']) assert.equal(meta[k], undefined, `${k} is left out`);
  const [index] = meta['model-index'];
  assert.equal(index.name, record.id);
  assert.equal(index.results.length, 1);
  const result = index.results[0];
  assert.deepEqual(result.task, { type: 'text-classification', name: 'Text Classification' });
  assert.deepEqual(result.dataset, { name: 'sentiment_train.csv (local file)', type: 'csv', split: 'test' });
  assert.ok(record.test, 'the fixture has a test split (sentiment_test.csv)');
  assert.deepEqual(result.metrics.map((m) => m.value), Object.values(record.test!.metrics));
  assert.deepEqual(result.metrics.map((m) => [m.type, m.args]), [
    ['loss', undefined], ['accuracy', undefined], ['f1', { average: 'macro' }], ['f1', { average: 'micro' }], ['f1', { average: 'weighted' }],
  ]);
  assertResultsTable(runDir, body);
  assertHyperparameters(record, body);
  // The unfreezing schedule the run logged: one phase per lrGroups record.
  const phases = tableRows(section(body, '### Strategy'));
  const logged = readMetrics(runDir).filter((m) => m.type === 'lrGroups') as unknown as { step: number; groups: Record<string, number> }[];
  assert.equal(logged.length, 2);
  assert.deepEqual(phases.map((r) => [Number(r[1]), r[3]]), logged.map((g) => [g.step, Object.keys(g.groups).join(', ')]));
  assert.deepEqual(phases.map((r) => r[2]), ['0', '1']);
  // Labels, placeholders marked as such, framework versions.
  assert.deepEqual(tableRows(section(body, '## Training and evaluation data')), record.dataset.labels.map((l, i) => [String(i), l]));
  assert.match(section(body, '## Intended uses & limitations'), /More information needed\n\n> Placeholder:/);
  assert.match(section(body, '## Model description'), /More information needed\n\n> Placeholder:/);
  const versions = section(body, '### Framework versions');
  for (const v of Object.values(record.versions)) assert.ok(versions.includes(v), `framework versions name ${v}`);
  assert.match(body, new RegExp(`local data file \`sentiment_train.csv\``));
  assert.ok(body.includes(record.dataset.fingerprint), 'the card says exactly which file trained the model');
});

test('the card follows `export --run`, and modelCardFor names the card after the Hub repo when given one', async () => {
  const { runDir } = await classificationRun;
  const out = path.join(TMP, 'exported');
  const r = child_process.spawnSync(process.execPath, [CLI, 'export', '--run', runDir, '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), card(runDir));
  const named = valid(modelCardFor(runDir, { folder: 'model', repoId: 'someone/tiny-sentiment' }));
  assert.equal(named.meta['model-index'][0].name, 'someone/tiny-sentiment');
  assert.match(named.body, /^# someone\/tiny-sentiment$/m);
});

test('LoRA on a base from the HF cache: both cards valid, base_model and license from the base, adapter card is PEFT\'s', async () => {
  const { runDir, record } = await loraRun;
  assert.ok(record.lora);
  const model = valid(card(runDir));
  const adapter = valid(card(runDir, 'adapter'));
  assert.equal(model.meta.library_name, 'transformers');
  assert.equal(adapter.meta.library_name, 'peft');
  for (const { meta } of [model, adapter]) {
    assert.equal(meta.base_model, 'acme/tiny-bert');
    assert.equal(meta.license, 'apache-2.0');
    assert.deepEqual(meta.language, ['en']);
    // The base's pre-training data is not this run's data.
    assert.equal(meta.datasets, undefined);
    assert.deepEqual(meta['model-index'][0].results[0].metrics.map((m) => m.value), Object.values(record.test!.metrics));
  }
  assert.ok(adapter.meta.tags.includes('peft') && adapter.meta.tags.includes('lora'));
  // The LoRA configuration run.json resolved, and the layer-wise decay the run logged.
  const strategy = section(adapter.body, '### Strategy');
  const rows = Object.fromEntries(tableRows(strategy).map((r) => [r[0], r.slice(1)]));
  assert.deepEqual(rows['r (rank)'], [String(record.lora!.rank)]);
  assert.deepEqual(rows['lora_alpha'], [String(record.lora!.alpha)]);
  assert.deepEqual(rows['adapted modules'], [String(record.lora!.adaptedModules)]);
  const [groups] = readMetrics(runDir).filter((m) => m.type === 'lrGroups') as unknown as { groups: Record<string, number> }[];
  for (const [g, m] of Object.entries(groups.groups)) assert.equal(Number(rows[g]?.[0]), Number(m.toPrecision(6)), `decay multiplier of ${g}`);
  assert.match(strategy, /Layer-wise learning-rate decay 0\.8/);
  assertHyperparameters(record, adapter.body);
  assertResultsTable(runDir, model.body);
});

test('NER without a test split: token-classification card reporting the last validation evaluation', async () => {
  const { runDir, record } = await nerRun;
  const { meta, body } = valid(card(runDir));
  assert.equal(record.test, undefined);
  assert.equal(meta.pipeline_tag, 'token-classification');
  const result = meta['model-index'][0].results[0];
  assert.equal(result.task.type, 'token-classification');
  assert.equal(result.dataset.split, 'validation');
  assert.equal(result.dataset.type, 'text');
  const last = evalsOf(runDir).at(-1)!;
  assert.deepEqual(result.metrics.map((m) => m.value), Object.values(last.metrics));
  assert.deepEqual(tableRows(section(body, '## Training and evaluation data')).map((r) => r[1]), record.dataset.labels);
  assertResultsTable(runDir, body);
  assertHyperparameters(record, body);
});

test('SetFit: a valid card for the ONNX classifier folder (transformers.js), with its evaluations', async () => {
  const { runDir, record } = await setfitRun;
  const { meta, body } = valid(card(runDir));
  assert.equal(meta.library_name, 'transformers.js');
  assert.equal(meta.pipeline_tag, 'text-classification');
  assert.ok(meta.tags.includes('setfit'));
  const last = evalsOf(runDir).at(-1)!;
  assert.deepEqual(meta['model-index'][0].results[0].metrics.map((m) => m.value), Object.values(last.metrics));
  assertResultsTable(runDir, body);
  assertHyperparameters(record, body);
});

test('the validator fails broken cards: a local path as base_model, a metric without type, and other Hub rule breaks', async () => {
  const { runDir } = await classificationRun;
  const good = checkModelCard(card(runDir));
  assert.ok(good.ok);
  const rewrite = (change: (m: Record<string, unknown>) => void) => {
    const meta = structuredClone(good.metadata!);
    change(meta);
    return checkModelCard(`---\n${dump(meta)}---\n${good.body}`);
  };
  const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['local path as base_model', (m) => { m.base_model = '/home/me/models/tiny-bert'; }, /base_model/],
    ['relative path as base_model', (m) => { m.base_model = './models/tiny-bert'; }, /base_model/],
    ['metric without type', (m) => { delete at(m, 'model-index', 0, 'results', 0, 'metrics', 1).type; }, /metrics\[1\]|metrics\/1/],
    ['dataset without type', (m) => { delete at(m, 'model-index', 0, 'results', 0, 'dataset').type; }, /dataset/],
    ['result without task', (m) => { delete at(m, 'model-index', 0, 'results', 0).task; }, /task/],
    ['license outside the Hub list', (m) => { m.license = 'Apache 2.0'; }, /license/],
    ['license other without a name', (m) => { m.license = 'other'; }, /license_name/],
    ['unknown pipeline_tag', (m) => { m.pipeline_tag = 'sentiment'; }, /pipeline_tag/],
    ['language name instead of code', (m) => { m.language = ['english']; }, /language/],
    ['unknown language code', (m) => { m.language = 'qq'; }, /language/],
    ['unknown library', (m) => { m.library_name = 'fine-tune-studio'; }, /library_name/],
    ['no model-index name', (m) => { delete at(m, 'model-index', 0).name; }, /name/],
  ];
  for (const [what, change, where] of cases) {
    const r = rewrite(change);
    assert.equal(r.ok, false, `${what} must fail`);
    assert.ok(r.errors.some((e) => where.test(e)), `${what}: ${r.errors.join('; ')}`);
  }
  assert.equal(checkModelCard('# no front matter\n').ok, false);
  assert.ok(rewrite((m) => { m.base_model = 'google-bert/bert-base-uncased'; m.language = ['en', 'fr']; m.license = 'mit'; }).ok, 'Hub ids and codes pass');
});

test('a card that cannot be built is a warning in the log, never an error', () => {
  const dir = path.join(TMP, 'broken-run');
  fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), '{ not json');
  fs.writeFileSync(path.join(dir, 'model', 'config.json'), '{}');
  const logged: [string, string | undefined][] = [];
  writeModelCardOrWarn(dir, (message, level) => logged.push([message, level]));
  assert.equal(logged.length, 1);
  assert.equal(logged[0][1], 'warn');
  assert.match(logged[0][0], /model card \(README\.md\) was not written: .*run\.json/);
  assert.equal(fs.existsSync(path.join(dir, 'model', 'README.md')), false);
});
