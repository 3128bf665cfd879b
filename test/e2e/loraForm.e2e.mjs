// LoRA in the "New fine-tune" form, in the real workbench: choosing the LoRA strategy shows its fields with the
// trainer's defaults (the family's target modules, r 8, alpha 16, LoRA's 5e-4 learning rate and why), the layer picture
// puts adapters on the layers; partial fine-tuning offers "Train LoRA adapters instead of the weights"; a target the
// model lacks ("q" on a BERT) is refused inline with the closest name; fixed, Save and Start carry the LoRA settings as
// the trainer reads them, and the Runs view names the run "LoRA r=4 α=8". (The training itself is the trainer's.)
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, until, webviewFrame } from './ui.mjs';

const state = { workspace: '', estimated: { trainable: 0, total: 0 } };
const formFrame = (page) => webviewFrame(page, '#sec-model vscode-dropdown');

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
const errorText = async (frame, key) => ((await frame.locator(`#err-${key}`).textContent()) ?? '').trim();
const startDisabled = async (frame) => (await frame.locator('#btn-start').getAttribute('disabled')) !== null;
const placeholder = (frame, id) => frame.locator(`#${id}`).getAttribute('placeholder');
/** Picture cells for one group: 'frozen', 'trains' or 'adapters', per phase column. */
const pictureRow = (frame, group) => frame.locator(`#layer-picture td[data-group="${group}"]`).allTextContents();
const adaptersOf = (frame, group) => frame.locator(`#layer-picture td[data-adapters="${group}"]`).textContent();

/** tiny-bert's sizes, from its config.json: what the adapter counts follow from. */
function tinyBert() {
  const c = JSON.parse(readFileSync(path.join(state.workspace, 'models', 'tiny-bert', 'config.json'), 'utf8'));
  return { hidden: c.hidden_size, layers: c.num_hidden_layers };
}

export const steps = [
  {
    name: 'LoRA chosen: its fields with the trainer\'s defaults, the 5e-4 learning rate and why, adapters in the picture',
    async run({ page, workspace, screenshot }) {
      state.workspace = workspace;
      const { hidden, layers } = tinyBert();
      await runCommand(page, 'Fine-Tune Studio: New fine-tune');
      const frame = await formFrame(page);
      await choose(frame, 'f-model', 'tiny-bert · bert');
      await choose(frame, 'f-data', 'data/sentiment_train.csv');
      await choose(frame, 'f-strategy', 'LoRA (low-rank adapters)');
      await until('LoRA fields', async () => (await frame.locator('#f-loraRank').count()) === 1);
      for (const id of ['f-loraAlpha', 'f-loraDropout', 'f-useRslora', 'f-loraTargetModules', 'f-loraModulesToSave']) assert.equal(await frame.locator(`#${id}`).count(), 1, id);
      assert.equal(await placeholder(frame, 'f-loraRank'), '8');
      assert.equal(await placeholder(frame, 'f-loraAlpha'), '16');
      assert.equal(await placeholder(frame, 'f-loraTargetModules'), 'query, value');
      assert.equal(await placeholder(frame, 'f-learningRate'), '0.0005');
      assert.match(await frame.locator('[data-field="learningRate"] .field-hint').textContent(), /LoRA: 0\.0005 unless set: .*2e-5.*barely move/);
      // Every layer trains adapters on query and value (r · (in + out) each); the head trains; the embeddings do not.
      await until('adapters in the picture', async () => (await pictureRow(frame, 'layer 0'))[0] === 'adapters');
      assert.deepEqual(await pictureRow(frame, `layer ${layers - 1}`), ['adapters']);
      assert.deepEqual(await pictureRow(frame, 'head'), ['trains']);
      assert.deepEqual(await pictureRow(frame, 'embeddings'), ['frozen']);
      assert.equal(await adaptersOf(frame, 'layer 0'), `query, value · +${(2 * 8 * (hidden + hidden)).toLocaleString('en-US')}`);
      const adapters = layers * 2 * 8 * (hidden + hidden);
      await until('the estimate counts the adapters', async () => (await frame.locator('#estimate-lines').textContent())
        .includes(`LoRA r=8 α=16 on ${2 * layers} modules (query, value): ${adapters.toLocaleString('en-US')} adapter parameters`));
      await screenshot('lora-form');
    },
  },
  {
    name: 'partial fine-tuning offers the adapter box: ticked, the LoRA fields appear and only the upper layers get adapters',
    async run({ page }) {
      const frame = await formFrame(page);
      const { layers } = tinyBert();
      await choose(frame, 'f-strategy', 'Partial fine-tuning');
      await until('the adapter box', async () => (await frame.locator('#f-adapter').count()) === 1);
      assert.equal(await frame.locator('#f-loraRank').count(), 0, 'no LoRA fields before the box is ticked');
      await frame.locator('#f-adapter').click();
      await until('LoRA fields under partial', async () => (await frame.locator('#f-loraRank').count()) === 1);
      // Half the layers frozen by default: the bottom one has no adapters, the top one has.
      await until('adapters above the frozen layers', async () => (await pictureRow(frame, `layer ${layers - 1}`))[0] === 'adapters');
      assert.deepEqual(await pictureRow(frame, 'layer 0'), ['frozen']);
      await choose(frame, 'f-strategy', 'LoRA (low-rank adapters)');
      await until('LoRA fields again', async () => (await frame.locator('#f-adapter').count()) === 0 && (await frame.locator('#f-loraRank').count()) === 1);
    },
  },
  {
    name: 'a target the model lacks ("q") is refused inline with the closest name; fixed, Start is on again',
    async run({ page, screenshot }) {
      const frame = await formFrame(page);
      await typeInto(frame, 'f-loraTargetModules', 'q');
      await until('the closest-name message', async () => /"q" matches no Linear module \(did you mean "query"/.test(await errorText(frame, 'loraTargetModules')));
      assert.match(await errorText(frame, 'loraTargetModules'), /Its Linear modules end in: .*query.*value/);
      assert.equal(await startDisabled(frame), true);
      await frame.locator('[data-field="loraTargetModules"]').scrollIntoViewIfNeeded();
      await screenshot('lora-target-problem');
      await typeInto(frame, 'f-loraTargetModules', 'query, value');
      await typeInto(frame, 'f-loraRank', '4');
      await typeInto(frame, 'f-loraAlpha', '8');
      await typeInto(frame, 'f-maxSteps', '2');
      await typeInto(frame, 'f-configName', 'lora-e2e');
      await until('problem cleared, Start on', async () => (await errorText(frame, 'loraTargetModules')) === '' && !(await startDisabled(frame)));
      await until('the estimate at rank 4', async () => (await frame.locator('#estimate-lines').textContent()).includes('LoRA r=4 α=8'));
      // What the form says will train, to hold against what the trainer reports.
      const m = /Trainable parameters: ([\d,]+) of ([\d,]+)/.exec(await frame.locator('#estimate-lines').textContent());
      assert.ok(m, 'no trainable-parameter line in the estimate');
      state.estimated = { trainable: Number(m[1].replace(/,/g, '')), total: Number(m[2].replace(/,/g, '')) };
    },
  },
  {
    name: 'Save and Start carry the LoRA settings as the trainer reads them; the Runs view names the run by them',
    async run({ page }) {
      const frame = await formFrame(page);
      await frame.locator('#btn-save').click();
      const saved = path.join(state.workspace, '.finetune', 'configs', 'lora-e2e.json');
      await until('saved configuration', async () => existsSync(saved));
      const config = JSON.parse(readFileSync(saved, 'utf8'));
      assert.equal(config.strategy, 'lora');
      assert.deepEqual(config.settings, { loraRank: 4, loraAlpha: 8, loraTargetModules: ['query', 'value'], maxSteps: 2, learningRate: 5e-4 });
      await frame.locator('#btn-start').click();
      const root = path.join(state.workspace, '.finetune', 'runs');
      const runDir = await until('a run folder with run.json', async () => {
        const ids = existsSync(root) ? readdirSync(root).filter((d) => existsSync(path.join(root, d, 'run.json'))) : [];
        return ids.length ? path.join(root, ids[0]) : undefined;
      }, 60_000);
      const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
      assert.equal(run.config.strategy, 'lora');
      for (const [k, v] of Object.entries(config.settings)) assert.deepEqual(run.config.settings[k], v, k);
      await until('the Fine-Tune Studio side bar', async () => {
        await page.locator('.activitybar [aria-label^="Fine-Tune Studio"]').first().click({ timeout: 5000 });
        return page.locator('.pane-header', { hasText: 'Runs' }).first().isVisible();
      });
      const runRow = page.locator('.monaco-list-row', { hasText: path.basename(runDir) }).first();
      await until('the run named "LoRA r=4 α=8" in the Runs view', async () => (await runRow.textContent()).includes('LoRA r=4 α=8'), 60_000);
      // The trainer trained what the form showed: its resolved LoRA config and its trainable count.
      await until('the run completed', async () => JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).status === 'completed', 180_000);
      const done = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
      assert.deepEqual([done.lora?.rank, done.lora?.alpha, done.lora?.targetModules, done.lora?.adaptedModules], [4, 8, ['query', 'value'], 2 * tinyBert().layers]);
      const summary = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'summary');
      assert.equal(summary?.trainableParams, state.estimated.trainable, 'the trainer\'s trainable count is the form\'s estimate');
    },
  },
];
