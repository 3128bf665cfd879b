// A configuration of this machine as a cluster job's: paths inside the workspace become relative (with "/", from
// Windows too), others stay as they are; the job's runs folder and device replace this machine's; settings are
// checked as the trainer checks them (SetFit's own keys included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkRunSettings, clusterPath, clusterRunConfig } from '../../../src/training/cluster/clusterRunConfig';

test('clusterPath: inside the workspace → relative with "/"; outside or already relative → unchanged', () => {
  assert.equal(clusterPath('/home/u/proj/models/tiny bert', '/home/u/proj', path.posix), 'models/tiny bert');
  assert.equal(clusterPath('/home/u/other/data.csv', '/home/u/proj', path.posix), '/home/u/other/data.csv');
  assert.equal(clusterPath('/home/u/proj-2/data.csv', '/home/u/proj', path.posix), '/home/u/proj-2/data.csv', 'a sibling sharing a prefix is outside');
  assert.equal(clusterPath('data/train.csv', '/home/u/proj', path.posix), 'data/train.csv');
  assert.equal(clusterPath('C:\\Users\\u\\proj\\data\\train set.csv', 'C:\\Users\\u\\proj', path.win32), 'data/train set.csv');
  assert.equal(clusterPath('D:\\models\\bert', 'C:\\Users\\u\\proj', path.win32), 'D:\\models\\bert');
});

test('clusterRunConfig keeps the run (strategy, task, mapping, settings) and drops this machine\'s runs folder and device', () => {
  const config = clusterRunConfig({
    model: '/w/models/m', data: '/w/data/d.csv', strategy: 'lora', task: 'classification', runsRoot: '/w/.finetune/runs', device: 'webgpu',
    mapping: { text: 'sentence' }, settings: { epochs: 3 },
  }, '/w', path.posix);
  assert.deepEqual(config, { model: 'models/m', data: 'data/d.csv', strategy: 'lora', task: 'classification', mapping: { text: 'sentence' }, settings: { epochs: 3 } });
  assert.deepEqual(clusterRunConfig({ model: '', data: '', strategy: 'full' }, '/w', path.posix), { strategy: 'full' }, 'no model or data: the bundled sample');
});

test('checkRunSettings says what the trainer would say', () => {
  assert.doesNotThrow(() => checkRunSettings({ strategy: 'setfit', settings: { setfitHead: 'logistic', epochs: 1 } }));
  assert.throws(() => checkRunSettings({ strategy: 'setfit', settings: { setfitHead: 'svm' } as never }), /setfitHead/);
  assert.throws(() => checkRunSettings({ strategy: 'full', settings: { setfitHead: 'logistic' } }), /unknown setting "setfitHead"/);
  assert.throws(() => checkRunSettings({ strategy: 'full', settings: { learningRate: -1 } }), /learningRate/);
  assert.throws(() => checkRunSettings({ strategy: 'magic' as never }), /"strategy" must be one of feature-extraction/);
});
