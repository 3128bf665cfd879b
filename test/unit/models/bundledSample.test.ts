// The walkthrough's sample: found in a development checkout and in a packaged extension's sample/, copied into a
// workspace without touching what the user already has, and the same files the CLI trains by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_DEFAULT } from '../../../src/cli';
import { bundledSampleRoot, copySample, SAMPLE_FILES, SAMPLE_FOLDER, samplePaths } from '../../../src/models/bundledSample';
import { inspectModelFolder, trainability } from '../../../src/models/modelFolder';
import { fixtureWorkspace, REPO, tempDir } from './support';

const filesUnder = (dir: string): string[] =>
  fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).flatMap((f) => filesUnder(path.join(dir, f)).map((g) => (g ? path.join(f, g) : f))) : [''];

test('a development checkout finds the sample among the generated fixtures; a packaged sample/ wins over them', () => {
  fixtureWorkspace();
  assert.equal(bundledSampleRoot(REPO), path.join(REPO, 'test', 'fixtures', 'generated', 'workspace'));
  const packaged = tempDir('packaged-ext');
  assert.equal(bundledSampleRoot(packaged), undefined, 'an extension folder without the files has no sample');
  copySample(bundledSampleRoot(REPO)!, packaged);
  fs.renameSync(path.join(packaged, SAMPLE_FOLDER), path.join(packaged, 'sample'));
  assert.equal(bundledSampleRoot(packaged), path.join(packaged, 'sample'));
  // Half a sample is no sample: the CSV alone does not count.
  fs.rmSync(path.join(packaged, 'sample', SAMPLE_FILES.model), { recursive: true });
  assert.equal(bundledSampleRoot(packaged), undefined);
});

test('the CLI with no arguments trains the same model and file the walkthrough copies', () => {
  const paths = samplePaths(bundledSampleRoot(REPO)!);
  assert.equal(BUNDLED_DEFAULT.model, paths.model);
  assert.equal(BUNDLED_DEFAULT.data, paths.train);
});

test('copySample puts a trainable model folder and both CSV files into finetune-sample/, byte for byte', () => {
  fixtureWorkspace();
  const source = bundledSampleRoot(REPO)!;
  const workspace = tempDir('sample-ws');
  const copy = copySample(source, workspace);
  assert.deepEqual(copy.copied, Object.values(SAMPLE_FILES));
  assert.deepEqual(copy.kept, []);
  assert.equal(copy.paths.model, path.join(workspace, SAMPLE_FOLDER, 'models', 'tiny-bert'));
  const info = inspectModelFolder(copy.paths.model);
  assert.ok(info && trainability(info).ok, 'the copied folder is a model the picker offers');
  const modelFiles = filesUnder(path.join(source, SAMPLE_FILES.model)).sort();
  assert.ok(modelFiles.includes('model.safetensors') && modelFiles.includes(path.join('onnx', 'model.onnx')), modelFiles.join(', '));
  assert.deepEqual(filesUnder(copy.paths.model).sort(), modelFiles);
  for (const f of modelFiles) assert.ok(fs.readFileSync(path.join(copy.paths.model, f)).equals(fs.readFileSync(path.join(source, SAMPLE_FILES.model, f))), f);
  assert.equal(fs.readFileSync(copy.paths.train, 'utf8'), fs.readFileSync(path.join(source, SAMPLE_FILES.train), 'utf8'));
  assert.equal(fs.readFileSync(copy.paths.train, 'utf8').split('\n')[0], 'text,label');
  // No temp names left behind next to what was copied.
  assert.deepEqual(fs.readdirSync(path.join(workspace, SAMPLE_FOLDER, 'data')).sort(), ['sentiment_test.csv', 'sentiment_train.csv']);
  assert.deepEqual(fs.readdirSync(path.join(workspace, SAMPLE_FOLDER, 'models')), ['tiny-bert']);
});

test('copying again keeps what the user edited and restores only what is missing', () => {
  const source = bundledSampleRoot(REPO)!;
  const workspace = tempDir('sample-again');
  const first = copySample(source, workspace);
  fs.writeFileSync(first.paths.train, 'text,label\nmy own row,positive\n');
  fs.rmSync(first.paths.test);
  const again = copySample(source, workspace);
  assert.deepEqual(again.copied, [SAMPLE_FILES.test]);
  assert.deepEqual(again.kept, [SAMPLE_FILES.model, SAMPLE_FILES.train]);
  assert.equal(fs.readFileSync(first.paths.train, 'utf8'), 'text,label\nmy own row,positive\n');
  assert.ok(fs.existsSync(first.paths.test));
});

test('the fixture tool writes a packaged sample/ equal to the development one (what scripts/package.mjs ships)', () => {
  const out = tempDir('fixtures-for-sample');
  const sample = path.join(tempDir('staged-ext'), 'sample');
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'tools', 'fixtures.js'), '--no-zoo', '--out', out, '--sample-out', sample], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const dev = bundledSampleRoot(REPO)!;
  const staged = filesUnder(sample).sort();
  assert.deepEqual(staged, Object.values(SAMPLE_FILES).flatMap((rel) => filesUnder(path.join(dev, rel)).map((f) => (f ? path.join(rel, f) : rel))).sort());
  for (const f of staged) assert.ok(fs.readFileSync(path.join(sample, f)).equals(fs.readFileSync(path.join(dev, f))), `${f} differs from the development sample`);
});
