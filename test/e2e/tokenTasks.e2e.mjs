// NER in the real workbench, as a user brings a CoNLL file: the "New fine-tune" form reads the task off the file
// (Token classification), hides the classifier's columns, does not offer SetFit, and Start trains it; the dashboard
// then shows entity F1 and the per-entity-type table with one row per type, and the confusion over O + the types.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, until, webviewFrame } from './ui.mjs';

const state = { workspace: '', runDir: '' };
const formFrame = (page) => webviewFrame(page, '#sec-model vscode-dropdown');
const gridRows = (frame, gridId) => frame.locator(`#${gridId} vscode-data-grid-row[data-row]`);

/** Picks an option of a toolkit dropdown as a user does: click it open, click the option. */
async function choose(frame, id, text) {
  await until(`"${text}" chosen in #${id}`, async () => {
    const dd = frame.locator(`#${id}`);
    await dd.click();
    await frame.locator(`#${id} vscode-option`, { hasText: text }).first().click({ timeout: 3000 });
    const chosen = await dd.evaluate((el) => el.selectedOptions?.[0]?.textContent ?? el.querySelector('vscode-option[selected]')?.textContent ?? '');
    return chosen.includes(text);
  });
}

const typeInto = (frame, id, text) => frame.locator(`#${id} input`).fill(text);

/** The entity types of the fixture's training file, from its tags (B-X / I-X → X). */
function entityTypes(file) {
  const tags = readFileSync(file, 'utf8').split('\n').map((l) => l.trim().split(/\s+/).at(-1)).filter((t) => t && /^[BI]-/.test(t));
  return [...new Set(tags.map((t) => t.slice(2)))].sort();
}

export const steps = [
  {
    name: 'a CoNLL file in the form: the task is detected, the columns give way to the loader note, SetFit is not offered',
    async run({ page, workspace, screenshot }) {
      state.workspace = workspace;
      await runCommand(page, 'Fine-Tune Studio: New fine-tune');
      const frame = await formFrame(page);
      await choose(frame, 'f-model', 'tiny-bert · bert');
      await choose(frame, 'f-data', 'data/ner/train.conll');
      await until('task detected', async () => (await frame.locator('#f-runTask').textContent()).includes('As detected: Token classification'));
      assert.equal(await frame.locator('#loader-note').count(), 1, 'the loader note replaces the column choices');
      assert.equal(await frame.locator('#f-col-text').count(), 0, 'no text-column field for a token task');
      const setfit = frame.locator('#f-strategy vscode-option', { hasText: 'SetFit' }).first();
      assert.match(await setfit.textContent(), /sequence classification only/);
      assert.notEqual(await setfit.getAttribute('disabled'), null, 'SetFit cannot be chosen for NER');
      await choose(frame, 'f-strategy', 'Full fine-tuning');
      await typeInto(frame, 'f-learningRate', '3e-3');
      await typeInto(frame, 'f-epochs', '6');
      await typeInto(frame, 'f-maxLength', '64');
      await until('Start enabled', async () => (await frame.locator('#btn-start').getAttribute('disabled')) === null);
      await screenshot('ner-form');
    },
  },
  {
    name: 'Start trains it; the dashboard shows entity F1, one row per entity type and the confusion over O and the types',
    async run({ page, screenshot }) {
      const frame = await formFrame(page);
      await frame.locator('#btn-start').click();
      const root = path.join(state.workspace, '.finetune', 'runs');
      state.runDir = await until('a run folder with run.json', async () => {
        const ids = existsSync(root) ? readdirSync(root).filter((d) => existsSync(path.join(root, d, 'run.json'))) : [];
        return ids.length ? path.join(root, ids[0]) : undefined;
      }, 60_000);
      await until('the run completed', async () => JSON.parse(readFileSync(path.join(state.runDir, 'run.json'), 'utf8')).status === 'completed', 240_000);
      const run = JSON.parse(readFileSync(path.join(state.runDir, 'run.json'), 'utf8'));
      assert.equal(run.config.task, 'token-classification', 'the form passes the detected task');
      assert.equal(run.dataset.task, 'token-classification');
      const types = entityTypes(path.join(state.workspace, 'data', 'ner', 'train.conll'));
      // Start opened the run's dashboard.
      const dash = await webviewFrame(page, '#per-class-title');
      await until('"Per entity type" table', async () => (await dash.locator('#per-class-title').textContent()).startsWith('Per entity type'));
      await until('one row per entity type', async () => (await gridRows(dash, 'per-class-grid').count()) === types.length, 60_000);
      const rows = await gridRows(dash, 'per-class-grid').allTextContents();
      for (const t of types) assert.ok(rows.some((r) => r.includes(t)), `no row for ${t}: ${rows.join(' | ')}`);
      const heads = await dash.locator('#confusion thead th').allTextContents();
      assert.deepEqual(heads.map((x) => x.trim()).filter(Boolean).slice(-types.length - 1), ['O', ...types]);
      const evals = readFileSync(path.join(state.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'eval');
      assert.ok(evals.at(-1).metrics.f1 > 0.5, `entity F1 ${evals.at(-1).metrics.f1}`);
      await screenshot('ner-dashboard');
    },
  },
];
