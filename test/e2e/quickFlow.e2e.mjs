// The keyboard path of "Fine-tune model" as a user drives it: a single-class dataset refused at the dataset step with
// its reason, Back through every step with the answers kept, the layer-wise decay box pre-filled and empty = default;
// a start that fails leaves no "Fine-tune: starting" in the status bar; an unreachable Hub (search, zero-shot) says
// what works without it, with buttons. Steps run in order on one workbench page.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const UI_TIMEOUT = 30_000;
const widget = (page) => page.locator('.quick-input-widget');
const titleOf = (page) => widget(page).locator('.quick-input-title');
const inputOf = (page) => widget(page).locator('.quick-input-box input');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeout = UI_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(200);
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function waitTitle(page, text) {
  let seen = '';
  await until(`quick input titled "${text}"`, async () => {
    seen = (await titleOf(page).textContent().catch(() => '')) ?? '';
    return (await widget(page).isVisible()) && seen.trim() === text;
  }).catch(() => assert.fail(`expected the quick input "${text}", saw "${seen}"`));
}

const focusedName = async (page) => (await widget(page).locator('.monaco-list-row.focused .label-name').first().textContent().catch(() => ''))?.trim() ?? '';

/** Moves the focus to the row labelled `name` (as a user does with the arrow keys) and accepts it. */
async function pick(page, name) {
  await until(`row ${name}`, async () => (await widget(page).locator('.monaco-list-row .label-name', { hasText: name }).count()) > 0);
  for (let i = 0; i < 30 && (await focusedName(page)) !== name; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await focusedName(page), name, `could not focus ${name}`);
  await page.keyboard.press('Enter');
}

async function runCommand(page, label) {
  await page.keyboard.press('F1');
  await inputOf(page).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await page.keyboard.type(label);
  await pick(page, label);
}

const clickBack = (page) => widget(page).locator('.quick-input-titlebar .codicon-quick-input-back').click();

const center = (page) => page.locator('.notifications-center');
const bell = (page) => page.locator('.part.statusbar [id="status.notifications"]');

/**
 * The notification whose message matches `pattern`, read in the notifications center: with the smoke-test driver on
 * (the harness needs it) the workbench shows no toasts, every message goes to the center only.
 */
async function notification(page, pattern, timeout = UI_TIMEOUT) {
  const items = center(page).locator('.notification-list-item');
  const texts = () => center(page).locator('.notification-list-item-message').allTextContents().catch(() => []);
  return until(`a notification matching ${pattern}`, async () => {
    if (!(await center(page).isVisible().catch(() => false))) await bell(page).click().catch(() => undefined);
    for (let i = 0; i < (await items.count()); i++) {
      const t = items.nth(i);
      const text = (await t.locator('.notification-list-item-message').textContent().catch(() => '')) ?? '';
      if (pattern.test(text)) return { element: t, text };
    }
    return undefined;
  }, timeout).catch(async (e) => assert.fail(`${e.message}; notifications: ${JSON.stringify(await texts())}`));
}

async function hideNotifications(page) {
  if (await center(page).isVisible().catch(() => false)) await bell(page).click();
}

async function buttonsOf(t) {
  return t.locator('.notification-list-item-buttons-container .monaco-button').evaluateAll((els) => els.map((e) => e.textContent?.trim()));
}

async function closedPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The Hub endpoint (a port nothing listens on: connections are refused) and an empty HF cache, as workspace settings. */
const hubSettings = {};
async function writeHubSettings(workspace) {
  hubSettings.cache = mkdtempSync(path.join(os.tmpdir(), 'fts-e2e-hf-cache-'));
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  hubSettings.file = path.join(workspace, '.vscode', 'settings.json');
  hubSettings.text = JSON.stringify({ 'finetuneStudio.hub.endpoint': `http://127.0.0.1:${await closedPort()}`, 'finetuneStudio.cacheFolder': hubSettings.cache });
  writeFileSync(hubSettings.file, hubSettings.text);
}

const statusTexts = (page) => page.locator('.part.statusbar .statusbar-item').evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));

/** @type {{ name: string, run: (ctx: { page: import('playwright-core').Page, screenshot: (name: string) => Promise<string>, workspace: string }) => Promise<void> }[]} */
export const steps = [
  {
    name: 'dataset step: a single-class file is listed under "Cannot be fine-tuned" with its reason and refused when picked',
    async run({ page, screenshot, workspace }) {
      // The settings the Hub steps need, written now: a settings file in a folder created later can go unnoticed.
      await writeHubSettings(workspace);
      writeFileSync(path.join(workspace, 'data', 'one_class.csv'), 'text,label\ngreat phone,positive\nlovely screen,positive\nfine battery,positive\n');
      // The extension's commands exist once its contributions are in: its activity-bar entry shows then.
      const entry = page.locator('.activitybar .action-item a[aria-label^="Fine-Tune Studio"]');
      await entry.waitFor({ state: 'visible', timeout: 60_000 });
      await entry.click();
      await runCommand(page, 'Fine-Tune Studio: Fine-tune model');
      await waitTitle(page, 'Fine-tune model (1/6): choose a base model');
      // The first step offers no Back.
      assert.equal(await widget(page).locator('.quick-input-titlebar .codicon-quick-input-back').count(), 0);
      await pick(page, 'tiny-bert');
      await waitTitle(page, 'Fine-tune model (2/6): choose a dataset');
      // The fixture workspace lists more datasets than the list shows at once (the NER and QA files too): the refused
      // ones come last, so Up from the first row (it wraps) scrolls them into view with their separator.
      await until('dataset rows', async () => (await widget(page).locator('.monaco-list-row').count()) > 0);
      await page.keyboard.press('ArrowUp');
      const row = widget(page).locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: 'one_class.csv' }) });
      await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.match((await row.textContent()) ?? '', /every labelled row has the label "positive" \(column "label", 3 rows\); a classifier needs at least two classes/);
      assert.ok((await widget(page).textContent())?.includes('Cannot be fine-tuned'), 'no "Cannot be fine-tuned" separator');
      await pick(page, 'one_class.csv');
      await notification(page, /^one_class\.csv cannot be fine-tuned: every labelled row has the label "positive"/);
      // Still at the dataset step: the refused file went nowhere.
      await waitTitle(page, 'Fine-tune model (2/6): choose a dataset');
      await screenshot('dataset-refused');
      await hideNotifications(page);
      await inputOf(page).click();
    },
  },
  {
    name: 'Back through every step keeps each answer; the layer-wise decay box says 0.95 and accepts empty',
    async run({ page, screenshot }) {
      await pick(page, 'sentiment_train.csv');
      // The task step: what the file's shape says is pre-selected (a CSV with a label column: sequence classification).
      await waitTitle(page, 'Fine-tune model (3/6): choose the task');
      await until('the detected task pre-selected', async () => (await focusedName(page)) === 'Sequence classification');
      await page.keyboard.press('Enter');
      await waitTitle(page, 'Fine-tune model (3/6): check the columns');
      await pick(page, 'Use the detected columns');
      await waitTitle(page, 'Fine-tune model (4/6): choose a strategy');
      await pick(page, 'Discriminative learning rates');
      await waitTitle(page, 'Fine-tune model (5/6): hyperparameters');
      await pick(page, 'Edit…');
      await waitTitle(page, 'Fine-tune model (5/6): hyperparameters: Learning rate');
      assert.equal(await inputOf(page).inputValue(), '0.00002');
      await inputOf(page).fill('0.0001');
      await page.keyboard.press('Enter');
      await waitTitle(page, 'Fine-tune model (5/6): hyperparameters: Epochs');
      await clickBack(page);
      await waitTitle(page, 'Fine-tune model (5/6): hyperparameters: Learning rate');
      assert.equal(await inputOf(page).inputValue(), '0.0001', 'Back lost the typed learning rate');
      await page.keyboard.press('Enter');
      for (const label of ['Epochs', 'Batch size', 'Max length (tokens)', 'Warmup ratio', 'Weight decay']) {
        await waitTitle(page, `Fine-tune model (5/6): hyperparameters: ${label}`);
        await page.keyboard.press('Enter');
      }
      await waitTitle(page, 'Fine-tune model (5/6): hyperparameters: Layer-wise LR decay');
      assert.equal(await inputOf(page).inputValue(), '0.95');
      await inputOf(page).fill('0');
      await until('the "got 0" validation', async () => /"layerDecay" must be a number in \(0, 1\], got 0/.test((await widget(page).textContent()) ?? ''));
      // Empty is the default: no validation message (Enter on it is pressed at the end of this step).
      await inputOf(page).fill('');
      await until('the validation to clear', async () => !/must be/.test((await widget(page).textContent()) ?? ''));
      assert.match((await widget(page).textContent()) ?? '', /Empty: the default, 0\.95/);
      await screenshot('layer-decay-default');
      // Back step by step to the dataset: each step shows the answer given.
      const back = async (title, focused) => {
        await clickBack(page);
        await waitTitle(page, title);
        if (focused) await until(`"${focused}" pre-selected in ${title}`, async () => (await focusedName(page)) === focused);
      };
      await back('Fine-tune model (5/6): hyperparameters: Weight decay');
      assert.equal(await inputOf(page).inputValue(), '0.01');
      for (const label of ['Warmup ratio', 'Max length (tokens)', 'Batch size', 'Epochs', 'Learning rate']) await back(`Fine-tune model (5/6): hyperparameters: ${label}`);
      assert.equal(await inputOf(page).inputValue(), '0.0001');
      await back('Fine-tune model (5/6): hyperparameters', 'Edit…');
      await back('Fine-tune model (4/6): choose a strategy', 'Discriminative learning rates');
      await back('Fine-tune model (3/6): check the columns', 'Use the detected columns');
      await back('Fine-tune model (3/6): choose the task', 'Sequence classification');
      await back('Fine-tune model (2/6): choose a dataset', 'sentiment_train.csv');
      await screenshot('back-keeps-dataset');
      await back('Fine-tune model (1/6): choose a base model', 'tiny-bert');
      // Forward again: the later answers are still there.
      await page.keyboard.press('Enter');
      await waitTitle(page, 'Fine-tune model (2/6): choose a dataset');
      await until('sentiment_train.csv pre-selected', async () => (await focusedName(page)) === 'sentiment_train.csv');
      await page.keyboard.press('Enter');
      await waitTitle(page, 'Fine-tune model (3/6): choose the task');
      await page.keyboard.press('Enter');
      await waitTitle(page, 'Fine-tune model (3/6): check the columns');
      await page.keyboard.press('Enter');
      await waitTitle(page, 'Fine-tune model (4/6): choose a strategy');
      await until('the strategy pre-selected', async () => (await focusedName(page)) === 'Discriminative learning rates');
      await page.keyboard.press('Enter');
      await waitTitle(page, 'Fine-tune model (5/6): hyperparameters');
      await page.keyboard.press('Enter');
      for (const label of ['Learning rate', 'Epochs', 'Batch size', 'Max length (tokens)', 'Warmup ratio', 'Weight decay']) {
        await waitTitle(page, `Fine-tune model (5/6): hyperparameters: ${label}`);
        if (label === 'Learning rate') assert.equal(await inputOf(page).inputValue(), '0.0001', 'going forward again lost the typed learning rate');
        await page.keyboard.press('Enter');
      }
      await waitTitle(page, 'Fine-tune model (5/6): hyperparameters: Layer-wise LR decay');
      // An empty decay box is accepted: Enter leads to the summary (it used to be refused with "got 0").
      await inputOf(page).fill('');
      await page.keyboard.press('Enter');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ state: 'visible', timeout: 120_000 });
      assert.match((await dialog.textContent()) ?? '', /tiny-bert · Discriminative learning rates · sentiment_train\.csv/);
      assert.match((await dialog.textContent()) ?? '', /lr 0\.0001 · 3 epochs/);
      await screenshot('summary-after-back');
      // Escape on the summary ends the flow without a run.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    },
  },
  {
    name: 'a start that fails before training leaves no "Fine-tune: starting" in the status bar',
    async run({ page, screenshot, workspace }) {
      // Passes the checks before Start; the trainer refuses it (no such metric) before the run exists.
      const dir = path.join(workspace, '.finetune', 'configs');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'bad-metric.json'), JSON.stringify({
        model: path.join(workspace, 'models', 'tiny-bert'), data: path.join(workspace, 'data', 'sentiment_train.csv'), strategy: 'feature-extraction',
        mapping: { text: 'text', label: 'label' }, settings: { epochs: 1, maxLength: 16, earlyStopping: { metric: 'bogus' } },
      }));
      await runCommand(page, 'Fine-Tune Studio: Run saved configuration');
      await pick(page, 'bad-metric.json');
      const start = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Start$/ });
      await start.waitFor({ state: 'visible', timeout: 120_000 });
      await start.click();
      const failed = await notification(page, /^Fine-tuning failed: .*earlyStopping\.metric/, 120_000);
      // The failure message is still open (it waits for the user): the run's status item must be gone already.
      await until('the status bar without "Fine-tune: starting"', async () => !(await statusTexts(page)).some((t) => /Fine-tune/.test(t)), 5_000)
        .catch(async () => assert.fail(`status bar still shows ${JSON.stringify((await statusTexts(page)).filter((t) => /Fine-tune/.test(t)))}`));
      assert.ok(await failed.element.isVisible());
      await screenshot('failed-start-status-bar');
      await hideNotifications(page);
    },
  },
  {
    name: 'Hub search with the Hub down: one box with inline filters, then one message naming the alternatives with buttons',
    async run({ page, screenshot }) {
      const { cache } = hubSettings;
      // Written again, now that the folder is known to the workbench's watcher, and given a moment to apply.
      writeFileSync(hubSettings.file, `${hubSettings.text}\n`);
      await sleep(1500);
      await runCommand(page, 'Fine-Tune Studio: Search the Hugging Face Hub');
      await waitTitle(page, 'Search the Hugging Face Hub');
      await page.keyboard.type('bert task:text-clasification');
      await until('the inline filter problem', async () => /Unknown task "text-clasification" \(did you mean text-classification\?\)/.test((await widget(page).textContent()) ?? ''));
      await screenshot('hub-search-filter-problem');
      await inputOf(page).fill('bert task:text-classification sort:likes');
      await page.keyboard.press('Enter');
      const t = await notification(page, /^Hub search: Cannot reach the Hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      assert.match(t.text, /Without the Hub, use a model folder on disk .*, a model in the Hugging Face cache \(setting "finetuneStudio\.cacheFolder"\) or a Hub mirror \(setting "finetuneStudio\.hub\.endpoint"\)\.$/);
      assert.ok(t.text.includes(cache), 'the message does not name the cache folder in use');
      assert.deepEqual(await buttonsOf(t.element), ['Local model folder…', 'Cache folder setting', 'Mirror setting']);
      await screenshot('hub-offline-search');
      // The mirror button opens the Settings editor at the endpoint setting.
      await t.element.locator('.monaco-button', { hasText: 'Mirror setting' }).click();
      await until('the endpoint setting in the Settings editor', async () => (await page.locator('.settings-editor .setting-item-contents', { hasText: 'Hugging Face Hub endpoint (set a mirror here).' }).count()) > 0);
      await screenshot('hub-offline-mirror-setting');
      await hideNotifications(page);
    },
  },
  {
    name: 'zero-shot with the Hub down and nothing cached: the same message, naming the zero-shot model setting',
    async run({ page, screenshot }) {
      await page.keyboard.press('Control+P');
      await inputOf(page).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await page.keyboard.type('reviews.txt');
      await pick(page, 'reviews.txt');
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+A');
      await runCommand(page, 'Fine-Tune Studio: Classify selection (zero-shot)');
      await waitTitle(page, 'Candidate labels');
      await page.keyboard.type('positive, negative');
      await page.keyboard.press('Enter');
      const t = await notification(page, /^Zero-shot model: Cannot reach the Hub at .*ECONNREFUSED/, 60_000);
      assert.match(t.text, /use a model folder on disk \(set "finetuneStudio\.zeroShot\.model" to its path\)/);
      assert.deepEqual(await buttonsOf(t.element), ['Local model folder…', 'Cache folder setting', 'Mirror setting']);
      await screenshot('hub-offline-zero-shot');
    },
  },
];
