// The "New fine-tune" form in the real workbench, as a new user meets it: opened from the command palette, filled in
// (model, dataset, strategy, hyperparameters), inline problems in the CLI's words, back and forth between models,
// datasets and strategies with nothing typed lost, closed and reopened with everything restored, the training speed
// measured on demand, and a run started that shows up in the Runs view and completes. Screenshots in light and dark.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const UI_TIMEOUT = 30_000;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = path.join(REPO_ROOT, 'test-results');

const state = { workspace: '', cspViolations: [] };

function workspaceOf(ctx) {
  if (ctx.workspace) return ctx.workspace;
  const folder = new URL(ctx.page.url()).searchParams.get('folder');
  assert.ok(folder, `no folder in the workbench URL ${ctx.page.url()}`);
  return folder;
}

async function until(what, fn, timeout = UI_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

async function runCommand(page, title) {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await until(`command "${title}" in the palette`, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await input.fill(`>${title}`);
    return row.waitFor({ state: 'visible', timeout: 3000 }).then(() => true);
  });
  await row.click();
}

/** The form's webview document (iframe.webview > #active-frame), found in every frame of the page. */
function formFrame(page) {
  return until('the New fine-tune form', async () => {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      if (await f.$('#sec-model vscode-dropdown').catch(() => null)) return f;
    }
    return undefined;
  });
}

/** Picks an option of a toolkit dropdown as a user does: click it open, click the option. */
async function choose(frame, id, text) {
  await until(`"${text}" chosen in #${id}`, async () => {
    const dd = frame.locator(`#${id}`);
    await dd.click();
    const option = frame.locator(`#${id} vscode-option`, { hasText: text }).first();
    await option.click({ timeout: 3000 });
    const chosen = await dd.evaluate((el) => el.selectedOptions?.[0]?.textContent ?? el.querySelector('vscode-option[selected]')?.textContent ?? '');
    return chosen.includes(text);
  });
}

/** Types into a toolkit text field (its <input> sits in the component's shadow root, which locators pierce). */
async function type(frame, id, text) {
  const input = frame.locator(`#${id} input`);
  await input.fill(text);
}

const fieldValue = (frame, id) => frame.locator(`#${id}`).evaluate((el) => el.value);
const errorText = async (frame, key) => ((await frame.locator(`#err-${key}`).textContent()) ?? '').trim();
const disabled = async (frame, id) => (await frame.locator(`#${id}`).getAttribute('disabled')) !== null;

function setTheme(theme) {
  const dir = path.join(state.workspace, '.vscode');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ 'workbench.colorTheme': theme }, null, 2));
}

/** Picture cells for one group: 'frozen' or what it trains at, per phase column. */
const pictureRow = (frame, group) => frame.locator(`#layer-picture td[data-group="${group}"]`).allTextContents();

export const steps = [
  {
    name: 'workspace: the fixture data plus a single-class file',
    async run(ctx) {
      state.workspace = workspaceOf(ctx);
      ctx.page.on('console', (m) => {
        if (/Content Security Policy|Refused to (load|apply|execute)/i.test(m.text()) && /vscode-resource|webview|nonce/i.test(m.text())) state.cspViolations.push(m.text());
      });
      const rows = ['text,label', ...Array.from({ length: 30 }, (_, i) => `"review number ${i} was fine",positive`)];
      writeFileSync(path.join(state.workspace, 'data', 'one_class.csv'), rows.join('\n') + '\n');
      setTheme('Default Light Modern');
    },
  },
  {
    name: '"New fine-tune" from the palette: fill model, dataset, strategy; problems inline in the CLI\'s words',
    async run({ page }) {
      await runCommand(page, 'Fine-Tune Studio: New fine-tune');
      const frame = await formFrame(page);
      await choose(frame, 'f-model', 'tiny-bert · bert');
      await choose(frame, 'f-data', 'data/sentiment_train.csv');
      // The dataset's summary (as the Datasets view knows it) shows inline.
      await until('dataset summary', async () => (await frame.locator('#dataset-summary').textContent()).includes('Label distribution'));
      assert.match(await frame.locator('#dataset-summary').textContent(), /Rows800/);
      assert.match(await frame.locator('#dataset-summary').textContent(), /negative: \d+ · positive: \d+/);
      // Layer-wise LR decay: the decay field shows its default instead of an empty box, and the picture one rate per group.
      await choose(frame, 'f-strategy', 'Discriminative learning rates');
      await until('layerDecay field', async () => (await frame.locator('#f-layerDecay').count()) === 1);
      assert.equal(await frame.locator('#f-layerDecay').getAttribute('placeholder'), '0.95');
      await until('per-group learning rates', async () => {
        const head = await pictureRow(frame, 'head');
        const emb = await pictureRow(frame, 'embeddings');
        return head[0] === 'lr 2.00e-5' && emb[0]?.startsWith('lr ') && emb[0] !== head[0];
      });
      // A bad value: the field says what the CLI would say, and Start is off.
      await type(frame, 'f-learningRate', 'abc');
      await until('learningRate problem', async () => (await errorText(frame, 'learningRate')) === '"learningRate" must be a positive number, got "abc"');
      assert.equal(await disabled(frame, 'btn-start'), true);
      await type(frame, 'f-learningRate', '5e-5');
      await type(frame, 'f-epochs', '1');
      await type(frame, 'f-layerDecay', '0.8');
      await until('problems cleared, Start on', async () => (await errorText(frame, 'learningRate')) === '' && !(await disabled(frame, 'btn-start')));
      await until('picture at the new rate', async () => (await pictureRow(frame, 'head'))[0] === 'lr 5.00e-5');
      // tiny-bert has 2 layers: layer 0 trains at 5e-5 × 0.8² = 3.2e-5 (the decay typed last may be drawn a moment later).
      await until('layer 0 at the new decay', async () => (await pictureRow(frame, 'layer 0'))[0] === 'lr 3.20e-5');
      assert.match(await frame.locator('#estimate-lines').textContent(), /Trainable parameters: [\d,]+ of [\d,]+ \(100\.0%\)/);
    },
  },
  {
    name: 'back and forth: other strategy, model and dataset, then back: what was typed is kept',
    async run({ page }) {
      const frame = await formFrame(page);
      await choose(frame, 'f-strategy', 'Gradual unfreezing');
      // Gradual unfreezing: one picture column per epoch; the estimate lists each epoch's trainable count.
      await type(frame, 'f-epochs', '3');
      await until('three epoch columns', async () => (await frame.locator('#layer-picture thead th').count()) === 5);
      assert.deepEqual(await pictureRow(frame, 'layer 0'), ['frozen', 'frozen', 'trains']);
      assert.deepEqual(await pictureRow(frame, 'head'), ['trains', 'trains', 'trains']);
      assert.match(await frame.locator('#estimate-lines').textContent(), /epoch 1 [\d,]+ \([\d.]+%\) · epoch 2 [\d,]+ \([\d.]+%\) · epoch 3 [\d,]+/);
      await choose(frame, 'f-model', 'tiny-distilbert · distilbert');
      await until('distilbert picture', async () => (await frame.locator('#layer-picture th[scope="row"]').allTextContents()).includes('layer 1'));
      // A single-class file is named as the problem before Start, not by a failed probe afterwards.
      await choose(frame, 'f-data', 'data/one_class.csv');
      await until('single-class problem', async () => (await errorText(frame, 'data')).startsWith('Classification needs at least 2 classes; the label column has 1 ("positive", 30 rows).'));
      assert.equal(await disabled(frame, 'btn-start'), true);
      // And back.
      await choose(frame, 'f-model', 'tiny-bert · bert');
      await choose(frame, 'f-data', 'data/sentiment_train.csv');
      await choose(frame, 'f-strategy', 'Full fine-tuning');
      await until('Start on again', async () => !(await disabled(frame, 'btn-start')));
      assert.equal(await fieldValue(frame, 'f-learningRate'), '5e-5');
      assert.equal(await fieldValue(frame, 'f-epochs'), '3');
      await type(frame, 'f-epochs', '1');
      await type(frame, 'f-configName', 'form-e2e');
      await until('epochs 1 accepted', async () => (await frame.locator('#estimate-lines').textContent()).includes('1 epochs'));
    },
  },
  {
    name: 'screenshots of the filled form in light and dark themes',
    async run({ page }) {
      const frame = await formFrame(page);
      mkdirSync(RESULTS, { recursive: true });
      for (const [theme, bodyClass, file] of [
        ['Default Light Modern', 'vscode-light', 'fine-tune-form-light.png'],
        ['Default Dark Modern', 'vscode-dark', 'fine-tune-form-dark.png'],
      ]) {
        setTheme(theme);
        await until(`${bodyClass} in the form`, async () => frame.evaluate((c) => document.body.classList.contains(c), bodyClass));
        // From the top: model, dataset with its summary, columns, strategy and the layer picture.
        await frame.evaluate(() => window.scrollTo(0, 0));
        await page.waitForTimeout(500);
        await page.screenshot({ path: path.join(RESULTS, file) });
      }
      // The rest of the form (hyperparameters, estimate, actions) in dark.
      await frame.locator('#sec-estimate').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(RESULTS, 'fine-tune-form-dark-estimate.png') });
      setTheme('Default Light Modern');
      assert.deepEqual(state.cspViolations, []);
    },
  },
  {
    name: 'closed and reopened: everything entered is restored',
    async run({ page }) {
      let frame = await formFrame(page);
      await frame.locator('#f-learningRate input').focus();
      await runCommand(page, 'View: Close All Editors');
      await until('form closed', async () => {
        for (const f of page.frames()) if (f !== page.mainFrame() && (await f.$('#sec-model').catch(() => null))) return false;
        return true;
      });
      await runCommand(page, 'Fine-Tune Studio: New fine-tune');
      frame = await formFrame(page);
      await until('restored values', async () => (await fieldValue(frame, 'f-learningRate')) === '5e-5');
      assert.equal(await fieldValue(frame, 'f-epochs'), '1');
      assert.equal(await fieldValue(frame, 'f-configName'), 'form-e2e');
      assert.match(await frame.locator('#f-model').evaluate((el) => el.value), /tiny-bert$/);
      assert.match(await frame.locator('#f-data').evaluate((el) => el.value), /sentiment_train\.csv$/);
      assert.equal(await frame.locator('#f-strategy').evaluate((el) => el.value), 'full');
      await until('Start on after restore', async () => !(await disabled(frame, 'btn-start')));
    },
  },
  {
    name: 'the training speed is measured on demand and the estimate gives a time',
    async run({ page }) {
      const frame = await formFrame(page);
      await frame.locator('#btn-probe').click();
      await until('probe result', async () => {
        const status = await frame.locator('#probe-status').textContent();
        if (status.startsWith('Measurement failed')) throw new Error(status);
        return status.startsWith('Measured on ');
      }, 120_000);
      assert.match(await frame.locator('#estimate-lines').textContent(), /Measured [\d.]+ samples\/s on \w+: about \d+ (s|min) in all/);
    },
  },
  {
    name: 'Save configuration writes .finetune/configs/form-e2e.json; Start runs it: the Runs view shows it and it completes',
    async run({ page, screenshot }) {
      const frame = await formFrame(page);
      await frame.locator('#btn-save').click();
      const saved = path.join(state.workspace, '.finetune', 'configs', 'form-e2e.json');
      await until('saved configuration', async () => existsSync(saved));
      const config = JSON.parse(readFileSync(saved, 'utf8'));
      assert.deepEqual({ strategy: config.strategy, settings: config.settings, mapping: config.mapping }, { strategy: 'full', settings: { learningRate: 5e-5, epochs: 1 }, mapping: { text: 'text', label: 'label' } });
      assert.match(config.model, /tiny-bert$/);
      await frame.locator('#btn-start').click();
      const root = path.join(state.workspace, '.finetune', 'runs');
      const runDir = await until('a run folder with run.json', async () => {
        const ids = existsSync(root) ? readdirSync(root).filter((d) => existsSync(path.join(root, d, 'run.json'))) : [];
        return ids.length ? path.join(root, ids[0]) : undefined;
      }, 60_000);
      const runId = path.basename(runDir);
      // The Runs view lists it (its row carries the run id and its state).
      // The dashboard that Start opened has the keyboard focus (F1 inside a webview does not always reach the
      // workbench): open the Fine-Tune Studio side bar from its activity bar icon, as a user clicks it.
      await until('the Fine-Tune Studio side bar', async () => {
        await page.locator('.activitybar [aria-label^="Fine-Tune Studio"]').first().click({ timeout: 5000 });
        return page.locator('.pane-header', { hasText: 'Runs' }).first().isVisible();
      });
      const runRow = page.locator('.monaco-list-row', { hasText: runId }).first();
      await until('the run in the Runs view', async () => runRow.isVisible());
      await until('the run completed', async () => JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).status === 'completed', 180_000);
      await until('the Runs view says completed', async () => /completed/i.test(await runRow.textContent()), 60_000);
      const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
      assert.equal(run.config.strategy, 'full');
      assert.equal(run.config.settings.learningRate, 5e-5);
      await screenshot('run-completed');
    },
  },
  {
    name: 'after a window reload the form comes back (serializer) with what was entered',
    async run({ page }) {
      await page.reload();
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      // The form's tab is restored; a hidden webview is revived when it is shown.
      const tab = page.locator('.tabs-container .tab', { hasText: 'New fine-tune' }).first();
      await until('the form tab after reload', async () => tab.isVisible(), 60_000);
      await tab.click();
      const frame = await formFrame(page);
      await until('restored after reload', async () => (await fieldValue(frame, 'f-learningRate')) === '5e-5');
      assert.equal(await fieldValue(frame, 'f-configName'), 'form-e2e');
      assert.match(await frame.locator('#f-model').evaluate((el) => el.value), /tiny-bert$/);
    },
  },
];
