// The walkthrough "Your first fine-tune" in the real workbench, as a new user follows it: opened from the palette,
// "Add the sample" copies the tiny model and the reviews into the workspace, "Fine-tune the sample" opens the form
// with them (and the tiny model's settings) preselected, Start trains it, and each step is ticked off as it is done.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, UI_TIMEOUT, until, webviewFrame } from './ui.mjs';

const WALKTHROUGH = 'finetune-studio.finetune-studio#firstFineTune';
const state = { workspace: '' };

/** Runs a palette command, then picks `pick` in the quick pick it opens. */
async function runCommandPicking(page, title, pick) {
  await runCommand(page, title);
  const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: pick }).first();
  await item.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await item.click();
}

const stepButton = (page, id) => page.locator(`.getting-started-step[data-step-id="${WALKTHROUGH}#${id}"]`);
const stepDone = (page, id) => page.locator(`[data-done-step-id="${WALKTHROUGH}#${id}"]`).evaluate((el) => el.classList.contains('codicon-getting-started-step-checked'));

/** Expands a step and presses the button its description links to. */
async function pressStep(page, id, label) {
  await stepButton(page, id).click();
  const button = page.locator('.getting-started-step.expanded .button-container .monaco-button', { hasText: label }).first();
  await button.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await button.click();
}

async function showWalkthrough(page) {
  const tab = page.locator('.tabs-container .tab', { hasText: 'Welcome' }).first();
  if (await tab.isVisible().catch(() => false)) await tab.click();
  else await runCommandPicking(page, 'Welcome: Open Walkthrough', 'Your first fine-tune');
  await stepButton(page, 'addSample').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
}

const formFrame = (page) => webviewFrame(page, '#sec-model vscode-dropdown');

export const steps = [
  {
    name: 'the walkthrough opens from the palette with three steps, none done',
    async run({ page, workspace, screenshot }) {
      state.workspace = workspace || new URL(page.url()).searchParams.get('folder');
      await showWalkthrough(page);
      assert.equal(await page.locator(`.getting-started-step[data-step-id^="${WALKTHROUGH}#"]`).count(), 3);
      for (const id of ['addSample', 'chooseModelAndData', 'startAndWatch']) assert.equal(await stepDone(page, id), false, `${id} is ticked before anything was done`);
      await screenshot('open');
    },
  },
  {
    name: '"Add the sample" copies the tiny model and the reviews into finetune-sample/ and ticks step 1',
    async run({ page }) {
      await pressStep(page, 'addSample', 'Add the sample');
      const sample = path.join(state.workspace, 'finetune-sample');
      await until('the sample in the workspace', async () => existsSync(path.join(sample, 'models', 'tiny-bert', 'model.safetensors')) && existsSync(path.join(sample, 'data', 'sentiment_train.csv')));
      // The training CSV is opened for the user to look at.
      await page.locator('.tabs-container .tab', { hasText: 'sentiment_train.csv' }).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await showWalkthrough(page);
      await until('step 1 ticked', () => stepDone(page, 'addSample'));
    },
  },
  {
    name: '"Fine-tune the sample" opens the form with the copied model, the training CSV and lr 3e-3 filled in',
    async run({ page, screenshot }) {
      await pressStep(page, 'chooseModelAndData', 'Fine-tune the sample');
      const frame = await formFrame(page);
      const sample = path.join(state.workspace, 'finetune-sample');
      await until('model and dataset preselected', async () => {
        const model = await frame.locator('#f-model').evaluate((el) => el.value);
        const data = await frame.locator('#f-data').evaluate((el) => el.value);
        return model === path.join(sample, 'models', 'tiny-bert') && data === path.join(sample, 'data', 'sentiment_train.csv');
      });
      assert.equal(await frame.locator('#f-learningRate').evaluate((el) => el.value), '0.003');
      assert.equal(await frame.locator('#f-epochs').evaluate((el) => el.value), '5');
      await until('Start enabled', async () => (await frame.locator('#btn-start').getAttribute('disabled')) === null);
      await screenshot('form');
    },
  },
  {
    name: 'Start trains the sample to better than the majority class on its test file, and the last step is ticked',
    async run({ page, screenshot }) {
      const frame = await formFrame(page);
      await frame.locator('#btn-start').click();
      const root = path.join(state.workspace, '.finetune', 'runs');
      const runDir = await until('a run folder with run.json', async () => {
        const ids = existsSync(root) ? readdirSync(root).filter((d) => existsSync(path.join(root, d, 'run.json'))) : [];
        return ids.length ? path.join(root, ids[0]) : undefined;
      }, 60_000);
      await until('the run completed', async () => JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).status === 'completed', 180_000);
      const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
      assert.equal(run.config.settings.learningRate, 3e-3);
      const summary = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'summary');
      const test = readFileSync(path.join(state.workspace, 'finetune-sample', 'data', 'sentiment_test.csv'), 'utf8').trim().split('\n').slice(1);
      const positive = test.filter((l) => l.endsWith(',positive')).length / test.length;
      const majority = Math.max(positive, 1 - positive);
      assert.ok(summary.finalMetrics.accuracy > majority + 0.05, `accuracy ${summary.finalMetrics.accuracy} vs majority ${majority}`);
      // Start opened the dashboard: the walkthrough's last step is done.
      await showWalkthrough(page);
      await until('every step ticked', async () => (await stepDone(page, 'chooseModelAndData')) && (await stepDone(page, 'startAndWatch')));
      await screenshot('done');
    },
  },
];
