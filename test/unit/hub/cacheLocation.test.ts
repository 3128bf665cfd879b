import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseRepoFolderName, repoFolderName, resolveHubCacheDir } from '../../../src/hub/cacheLocation';

const home = path.resolve('/home/user');

test('cache folder precedence follows huggingface_hub', () => {
  assert.equal(resolveHubCacheDir(undefined, {}, home), path.join(home, '.cache', 'huggingface', 'hub'));
  assert.equal(resolveHubCacheDir(undefined, { XDG_CACHE_HOME: '/xdg' }, home), path.resolve('/xdg/huggingface/hub'));
  assert.equal(resolveHubCacheDir(undefined, { HF_HOME: '/hf', XDG_CACHE_HOME: '/xdg' }, home), path.resolve('/hf/hub'));
  assert.equal(resolveHubCacheDir(undefined, { HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/hf' }, home), path.resolve('/legacy'));
  assert.equal(resolveHubCacheDir(undefined, { HF_HUB_CACHE: '/c', HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/hf' }, home), path.resolve('/c'));
  assert.equal(resolveHubCacheDir('~/models', { HF_HUB_CACHE: '/c' }, home), path.join(home, 'models'));
  assert.equal(resolveHubCacheDir('  ', { HF_HOME: '~/hf' }, home), path.join(home, 'hf', 'hub'));
});

test('repo folder names round-trip', () => {
  assert.equal(repoFolderName('google-bert/bert-base-uncased'), 'models--google-bert--bert-base-uncased');
  assert.equal(repoFolderName('gpt2'), 'models--gpt2');
  assert.equal(repoFolderName('squad', 'dataset'), 'datasets--squad');
  assert.deepEqual(parseRepoFolderName('models--google-bert--bert-base-uncased'), { type: 'model', repoId: 'google-bert/bert-base-uncased' });
  assert.deepEqual(parseRepoFolderName('datasets--squad'), { type: 'dataset', repoId: 'squad' });
  assert.equal(parseRepoFolderName('.locks'), null);
  assert.equal(parseRepoFolderName('version.txt'), null);
  assert.throws(() => repoFolderName('a/b/c'), /not a valid Hugging Face repo id/);
});
