// "Export report…" on the dashboard, in the real browser workbench (code-server + Chromium): the button writes
// <run>/report/ (report.md, PNG charts, report.html), opens the Markdown preview with the charts showing, and a run
// whose trainer is gone is reported as interrupted, never as done.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeRun } from './dashboard.runs.mjs';
import { notificationTexts, openDashboard, until, UI_TIMEOUT } from './ui.mjs';

const RUN_DONE = '20261207-100000-tiny-bert-full';
const RUN_STOPPED = '20261207-110000-tiny-bert-partial';
const state = { root: '' };

/** Width and height from a PNG's IHDR chunk (bytes 16..24), after checking its signature. */
function pngSize(file) {
  const b = readFileSync(file);
  assert.equal(b.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${file} is a PNG`);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

async function clickReport(page, runId) {
  const frame = await openDashboard(page, runId);
  const button = frame.locator('#btn-report');
  await button.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await button.click();
  const md = path.join(state.root, runId, 'report', 'report.md');
  await until(`${md} written`, async () => existsSync(md) && existsSync(path.join(path.dirname(md), 'report.html')));
  return readFileSync(md, 'utf8');
}

export const steps = [
  {
    name: 'a completed run: "Export report…" writes report.md + PNG charts + report.html and opens the preview with its charts',
    async run({ page, screenshot, workspace }) {
      state.root = path.join(workspace, '.finetune', 'runs');
      const r = writeRun(state.root, { id: RUN_DONE, model: 'tiny-bert', strategy: 'full', epochs: 3, stepsPerEpoch: 20, seed: 11, finalAccuracy: 0.88, samplesPerSecond: 60, summary: { trainSeconds: 12.5, samplesPerSecond: 60 } });
      const md = await clickReport(page, RUN_DONE);
      assert.match(md, /\*\*State:\*\* completed \(60\/60 steps\)/);
      assert.match(md, new RegExp(`\\*\\*accuracy ${r.best.value.toFixed(4)}\\*\\* at step ${r.best.step}`));
      const report = path.join(state.root, RUN_DONE, 'report');
      for (const f of ['loss.png', 'learning-rate.png', 'eval-metrics.png']) {
        assert.ok(md.includes(`](${f})`), `report.md links ${f}`);
        assert.deepEqual(pngSize(path.join(report, f)), [1600, 720], f);
      }
      // The Markdown preview opens beside it and shows the charts (they load from the run folder).
      await until('the preview tab of report.md', async () => (await page.locator('.tab[aria-label*="Preview report.md"]').count()) > 0);
      await until('the loss chart loaded in the preview', async () => {
        for (const f of page.frames()) {
          const img = await f.$('img[src*="loss.png"]').catch(() => null);
          if (img && (await img.evaluate((el) => el.complete && el.naturalWidth)) === 1600) return true;
        }
        return false;
      });
      await screenshot('preview');
      const notes = await notificationTexts(page);
      assert.ok(notes.some((t) => t.startsWith('Run report written to') && t.includes(report)), `notification: ${notes.join(' | ')}`);
      assert.ok(!notes.some((t) => /failed|Could not/i.test(t)), `error notification: ${notes.join(' | ')}`);
    },
  },
  {
    name: 'a run whose trainer is gone: its report says INTERRUPTED and how to resume, not completed',
    async run({ page }) {
      // run.json still says "running", no lease, last written long ago: what a killed trainer leaves.
      writeRun(state.root, { id: RUN_STOPPED, model: 'tiny-bert', strategy: 'partial', epochs: 2, stepsPerEpoch: 10, seed: 4, finalAccuracy: 0.8, samplesPerSecond: 60, status: 'running' });
      const md = await clickReport(page, RUN_STOPPED);
      assert.match(md, /\*\*State: INTERRUPTED\*\* — interrupted at step 20\/20/);
      assert.match(md, /finetune-studio train --resume /);
      assert.doesNotMatch(md, /State:\*\* completed/);
    },
  },
];
