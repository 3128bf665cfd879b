// What a card takes from the base model: a Hub id only where one provably is (HF cache snapshot, a PEFT adapter's
// base_model_name_or_path that is no path), the license and language of the base's own card, and nothing from a card
// it cannot use (a license that is not a Hub identifier, YAML that does not parse), which the card reports instead.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baseModelInfo, frontMatter } from '../../../src/training/modelCard/baseModelCard';
import type { RunRecord } from '../../../src/training/runStore';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'fts-card-base-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function folder(rel: string, files: Record<string, string>): string {
  const dir = path.join(TMP, rel);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}
const recordFor = (model: string, hubId?: string) => ({ config: { model }, model: { path: model, modelType: 'bert', ...(hubId ? { hubId } : {}) } }) as unknown as RunRecord;

test('a local folder with no card: no Hub id, no license, no language', () => {
  const dir = folder('plain', { 'config.json': '{}' });
  assert.deepEqual(baseModelInfo(recordFor(dir)), { hubId: undefined, localName: 'plain' });
});

test('an HF cache snapshot is its repo; its card gives license (other: with its name and link), language and datasets', () => {
  const dir = folder('hub/models--org--name/snapshots/abc123', {
    'README.md': '---\nlicense: other\nlicense_name: acme-license\nlicense_link: LICENSE\nlanguage: fr\ndatasets:\n- oscar\n---\n# x\n',
  });
  assert.deepEqual(baseModelInfo(recordFor(dir)), { hubId: 'org/name', localName: 'org/name', license: 'other', licenseName: 'acme-license', licenseLink: 'LICENSE', language: ['fr'], datasets: ['oscar'] });
});

test('a license that is not a Hub identifier, or YAML that does not parse, is reported and not carried over', () => {
  const named = baseModelInfo(recordFor(folder('named', { 'README.md': '---\nlicense: Apache 2.0\n---\n' })));
  assert.equal(named.license, undefined);
  assert.match(named.problem ?? '', /"Apache 2.0", not a Hub license identifier/);
  const broken = baseModelInfo(recordFor(folder('broken', { 'README.md': '---\nlicense: [mit\n---\n' })));
  assert.equal(broken.license, undefined);
  assert.match(broken.problem ?? '', /README\.md could not be read as a model card/);
  assert.equal(frontMatter('# no front matter'), undefined);
});

test('a PEFT adapter folder: its base is the Hub id it names, or the local folder it points to (never a Hub id then)', () => {
  const hub = folder('adapter-hub', { 'adapter_config.json': JSON.stringify({ base_model_name_or_path: 'google-bert/bert-base-uncased' }) });
  assert.equal(baseModelInfo(recordFor(hub)).hubId, 'google-bert/bert-base-uncased');
  const base = folder('local-base', { 'README.md': '---\nlicense: mit\n---\n' });
  const local = folder('adapter-local', { 'adapter_config.json': JSON.stringify({ base_model_name_or_path: base }) });
  assert.deepEqual(baseModelInfo(recordFor(local)), { hubId: undefined, localName: 'local-base', license: 'mit', language: undefined, datasets: undefined });
  // A recorded hubId is the base's Hub id even when its folder is not in the cache layout.
  assert.equal(baseModelInfo(recordFor(folder('recorded', {}), 'acme/recorded')).hubId, 'acme/recorded');
});
