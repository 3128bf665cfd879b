// "Run on a cluster…" is contributed with its title and category, and the explorer offers it on saved configurations
// (.finetune/configs/<name>.json, Windows paths too) and on no other JSON file. The Runs-view menu is checked with
// the other run actions (views/runItemPresentation.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('contributed as "Fine-Tune Studio: Run on a cluster…"', () => {
  const command = (pkg.contributes.commands as { command: string; title: string; category: string }[]).find((c) => c.command === 'finetuneStudio.runOnCluster');
  assert.deepEqual(command, { command: 'finetuneStudio.runOnCluster', title: 'Run on a cluster…', category: 'Fine-Tune Studio' });
});

test('the explorer offers it on saved configurations only', () => {
  const items = (pkg.contributes.menus['explorer/context'] as { command: string; when: string }[]).filter((i) => i.command === 'finetuneStudio.runOnCluster');
  assert.equal(items.length, 1);
  const m = /^resourcePath =~ \/(.+)\/$/.exec(items[0].when);
  assert.ok(m, `unexpected when clause ${items[0].when}`);
  const re = new RegExp(m[1]);
  for (const p of ['/home/u/proj/.finetune/configs/sentiment.json', '/w/.finetune/configs/my config.json', 'c:\\Users\\u\\proj\\.finetune\\configs\\x.json']) assert.ok(re.test(p), p);
  for (const p of ['/w/data/train.json', '/w/.finetune/configs/sub/x.json', '/w/.finetune/configs/x.jsonl', '/w/my.finetune/configs/x.json', '/w/.finetune/runs/r/run.json']) assert.ok(!re.test(p), p);
});
