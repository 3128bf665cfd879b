// Issue 21's run-side defects, checked in the real browser workbench (code-server + Chromium) as a user meets them:
// a real run's export shows up in the Models view's "Fine-tuned" section by itself, named by its run; a layer-wise
// LR run draws one LR curve per layer group with a legend; "Open run folder" works in the browser (where
// revealFileInOS does not exist); a paused run's dashboard says one step number and keeps its ETA while paused; the
// Compare runs columns hold what their names say when best accuracy and best macro-F1 come from different steps.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRun } from './dashboard.runs.mjs';
import { holdLease, notificationTexts, openDashboard, pane, rowLabels, runCommand, UI_TIMEOUT, until, webviewFrame, writeAtomic } from './ui.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUN_PAUSED = '20261203-090000-tiny-bert-full';
const RUN_F1 = '20261203-080000-tiny-bert-partial';
const RUN_ACC = '20261203-070000-tiny-distilbert-full';
const RUN_PROBE = '20261203-060000-tiny-bert-feature-extraction';
const state = { workspace: '', root: '', lrRun: '', stopHeartbeat: () => {} };

const gridRows = (frame, gridId) => frame.locator(`#${gridId} vscode-data-grid-row[data-row]`);

export const steps = [
  {
    name: 'a real layer-wise LR run (CLI) completes and its export appears under "Fine-tuned" without Refresh, named by its run',
    async run({ page, screenshot, workspace }) {
      state.workspace = workspace;
      state.root = path.join(workspace, '.finetune', 'runs');
      const entry = page.locator('.activitybar .action-item a[aria-label^="Fine-Tune Studio"]');
      await entry.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await entry.click();
      const models = pane(page, 'Models');
      // The tree renders only the rows in sight: the Workspace section (the fixture's models) and the Datasets view
      // are folded so that the Fine-tuned section is in view.
      await until('the Workspace section folded', async () => {
        const workspaceRow = models.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^Workspace$/ }) }).first();
        if ((await workspaceRow.getAttribute('aria-expanded')) === 'true') await workspaceRow.click();
        return (await workspaceRow.getAttribute('aria-expanded')) === 'false';
      });
      const datasets = pane(page, 'Datasets').locator('.pane-header');
      if ((await datasets.getAttribute('aria-expanded')) === 'true') await datasets.click();
      await until('the Models view with its Fine-tuned section', async () => (await rowLabels(models.locator('.monaco-list-row'))).some((r) => r.name === 'Fine-tuned'));
      // A run folder written now must show up in the Runs view by itself (the workbench's file watcher, which starts
      // late or not at all on a loaded machine, or else the view's own poll), before the real run starts.
      const runsView = pane(page, 'Runs');
      await runsView.getByText('No fine-tuning runs yet').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      writeRun(state.root, { id: RUN_PROBE, model: 'tiny-bert', strategy: 'feature-extraction', epochs: 1, stepsPerEpoch: 5, seed: 1, finalAccuracy: 0.7, samplesPerSecond: 50 });
      await until('a new run folder listed in the Runs view by itself', async () => (await rowLabels(runsView.locator('.monaco-list-row'))).some((r) => r.name === RUN_PROBE));
      const before = await rowLabels(models.locator('.monaco-list-row'));
      assert.ok(!before.some((r) => r.description.includes('fine-tuned from')), `no run export listed yet: ${JSON.stringify(before)}`);

      const cli = spawn(process.execPath, [
        path.join(REPO_ROOT, 'dist', 'cli.js'), 'train', '--model', path.join(workspace, 'models', 'tiny-bert'), '--data', path.join(workspace, 'data', 'sentiment_train.csv'),
        '--strategy', 'discriminative-lr', '--runs', state.root, '--set', 'epochs=2', '--set', 'loggingSteps=1', '--set', 'layerDecay=0.5',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      cli.stdout.on('data', (d) => (output += d));
      cli.stderr.on('data', (d) => (output += d));
      const code = await new Promise((resolve) => cli.on('exit', resolve));
      assert.equal(code, 0, `CLI training failed:\n${output.slice(-2000)}`);
      state.lrRun = readdirSync(state.root).find((d) => existsSync(path.join(state.root, d, 'model', 'config.json')));
      assert.ok(state.lrRun, 'the run exported its model');
      // Nobody pressed Refresh: the view watched the runs folder.
      const rows = await until('the export listed under Fine-tuned', async () => {
        const r = await rowLabels(models.locator('.monaco-list-row'));
        return r.some((x) => x.name === state.lrRun) ? r : undefined;
      });
      const row = rows.find((x) => x.name === state.lrRun);
      assert.match(row.description, /^bert · fine-tuned from tiny-bert \(discriminative-lr\) · safetensors \+ onnx$/);
      assert.ok(!rows.some((x) => x.name === 'model'), `an export is labelled "model": ${JSON.stringify(rows)}`);
      await screenshot('models-fine-tuned');
    },
  },
  {
    name: 'the layer-wise LR run draws one LR curve per layer group, with a legend naming each',
    async run({ page, screenshot }) {
      const frame = await openDashboard(page, state.lrRun);
      const entries = readFileSync(path.join(state.root, state.lrRun, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const trainPoints = entries.filter((e) => e.type === 'train').length;
      const groups = entries.filter((e) => e.type === 'lrGroups');
      assert.deepEqual(groups.map((g) => g.groups), [{ embeddings: 0.125, 'layer 0': 0.25, 'layer 1': 0.5, head: 1 }]);
      await until('4 LR curves drawn', async () => Number(await frame.locator('#chart-lr').getAttribute('data-points')) === 4 * trainPoints);
      const legend = (await frame.locator('#chart-lr .u-legend .u-series .u-label').allTextContents()).map((t) => t.trim());
      assert.deepEqual(legend.filter((l) => l !== 'step'), ['embeddings', 'layer 0', 'layer 1', 'head']);
      assert.match(await frame.locator('#chart-lr').getAttribute('aria-label'), /^Learning rate per layer group: \d+ points .*; latest embeddings .+, layer 0 .+, layer 1 .+, head .+$/);
      assert.equal((await frame.locator('#chart-lr h3').textContent()).trim(), 'Learning rate per layer group');
      await frame.locator('#chart-lr').scrollIntoViewIfNeeded();
      await screenshot('lr-groups');
    },
  },
  {
    name: '"Open run folder" in the browser workbench reveals run.json in the Explorer (no revealFileInOS error)',
    async run({ page, screenshot }) {
      const frame = await webviewFrame(page, `#run-title[title="${state.lrRun}"]`);
      await frame.locator('#btn-folder').click();
      const explorer = page.locator('.explorer-folders-view');
      await explorer.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await until('run.json selected in the Explorer', async () => (await rowLabels(explorer.locator('.monaco-list-row'))).some((r) => r.name === 'run.json' && r.selected));
      // Compact folders show ".finetune/runs/<id>" as one row of several name parts.
      const texts = await explorer.locator('.monaco-list-row').allTextContents();
      assert.ok(texts.some((t) => t.includes(state.lrRun)), `the run folder is expanded in the Explorer: ${texts.join(', ')}`);
      await screenshot('open-run-folder');
      const notes = await notificationTexts(page);
      assert.ok(!notes.some((t) => /revealFileInOS|command '.*' not found|openRunFolder failed/i.test(t)), `error notification: ${notes.join(' | ')}`);
    },
  },
  {
    name: 'a paused run: one step number ("step 343 / 8550 … paused at step 343"), and its ETA does not run down while paused',
    async run({ page, screenshot }) {
      const p = writeRun(state.root, { id: RUN_PAUSED, model: 'tiny-bert', strategy: 'full', epochs: 5, stepsPerEpoch: 1710, seed: 3, finalAccuracy: 0.9, samplesPerSecond: 50 });
      // The trainer logs every 10 steps: the last line is step 340, with its ETA; it paused after completing 343.
      const cut = p.lines.findIndex((l) => l.type === 'train' && l.step === 340);
      const lines = p.lines.slice(0, cut + 1).map((l) => (l.type === 'train' ? { ...l, totalSteps: 8550, etaSeconds: 1234 } : l));
      writeFileSync(path.join(p.dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      writeAtomic(path.join(p.dir, 'run.json'), JSON.stringify({ ...p.run, status: 'running', step: 300, pausedAt: 343, bestMetric: undefined }, null, 2));
      state.stopHeartbeat = holdLease(p.dir);
      const frame = await openDashboard(page, RUN_PAUSED);
      await until('status paused', async () => (await frame.locator('#run-status').textContent()).trim() === 'paused');
      const text = await until('the progress line', async () => {
        const t = (await frame.locator('#progress-text').textContent()).trim();
        return t.includes('paused at') ? t : undefined;
      });
      assert.match(text, /^step 343 \/ 8550 \(4%\) · epoch 0\.20 · loss [\d.]+ · ETA 20m 34s once continued · paused at step 343 · device cpu$/);
      assert.ok(!text.includes('step 340'), text);
      assert.match(await frame.locator('#run-banner').textContent(), /^Paused at step 343\/8550 · held by process \d+ on /);
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal((await frame.locator('#progress-text').textContent()).trim(), text, 'the ETA ran down while paused');
      await screenshot('paused');
      state.stopHeartbeat();
    },
  },
  {
    name: 'Compare runs: "Best accuracy" / "Best macro-F1" are the best over the evaluations, the kept checkpoint has its own columns',
    async run({ page, screenshot }) {
      // Step 10: accuracy 0.92 (best), macro-F1 0.60; step 20: accuracy 0.88, macro-F1 0.81 (best); step 30: 0.90 / 0.70.
      const figures = { 10: [0.92, 0.6], 20: [0.88, 0.81], 30: [0.9, 0.7] };
      for (const [id, model, strategy, selected] of [[RUN_F1, 'tiny-bert', 'partial', { name: 'macroF1', value: 0.81, step: 20 }], [RUN_ACC, 'tiny-distilbert', 'full', { name: 'accuracy', value: 0.92, step: 10 }]]) {
        const r = writeRun(state.root, { id, model, strategy, epochs: 3, stepsPerEpoch: 10, seed: 5, finalAccuracy: 0.9, samplesPerSecond: 50 });
        const lines = r.lines.map((l) => (l.type === 'eval' ? { ...l, metrics: { ...l.metrics, accuracy: figures[l.step][0], macroF1: figures[l.step][1] } } : l));
        writeFileSync(path.join(r.dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
        writeAtomic(path.join(r.dir, 'run.json'), JSON.stringify({ ...r.run, bestMetric: selected }, null, 2));
      }
      await until('2 runs ticked in the "Compare runs" pick', async () => {
        await runCommand(page, 'Fine-Tune Studio: Compare runs');
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: RUN_F1 }).first().waitFor({ state: 'visible', timeout: 5000 });
        for (const id of [RUN_F1, RUN_ACC]) await page.locator('.quick-input-widget .monaco-list-row', { hasText: id }).first().click({ timeout: 5000 });
        const ticked = page.locator('.quick-input-widget .monaco-list-row[aria-checked="true"]');
        for (let i = 0; i < 20 && (await ticked.count()) !== 2; i++) await new Promise((r) => setTimeout(r, 250));
        return (await ticked.count()) === 2;
      }, 3 * UI_TIMEOUT);
      await page.keyboard.press('Enter');
      const frame = await webviewFrame(page, '#comparison-grid');
      await until('2 rows', async () => (await gridRows(frame, 'comparison-grid').count()) === 2);
      const headers = (await frame.locator('#comparison-grid vscode-data-grid-cell[cell-type="columnheader"]').allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim());
      for (const name of ['Best accuracy', 'Best macro-F1', 'Checkpoint kept', 'Kept step', 'Accuracy at kept checkpoint', 'Macro-F1 at kept checkpoint']) assert.ok(headers.includes(name), `no "${name}" column in ${headers.join(', ')}`);
      assert.ok(!headers.includes('Macro-F1'), 'no bare "Macro-F1" column');
      const cellsOf = async (runId) => {
        const row = frame.locator(`#comparison-grid vscode-data-grid-row[data-run="${runId}"]`);
        const cells = (await row.locator('vscode-data-grid-cell').allTextContents()).map((t) => t.trim());
        return (name) => cells[headers.indexOf(name)];
      };
      const f1 = await cellsOf(RUN_F1);
      const acc = await cellsOf(RUN_ACC);
      for (const c of [f1, acc]) {
        assert.equal(c('Best accuracy'), '92.00%');
        assert.equal(c('Best macro-F1'), '81.00%');
      }
      assert.deepEqual(['Checkpoint kept', 'Kept step', 'Accuracy at kept checkpoint', 'Macro-F1 at kept checkpoint'].map(f1), ['best macroF1', '20', '88.00%', '81.00%']);
      assert.deepEqual(['Checkpoint kept', 'Kept step', 'Accuracy at kept checkpoint', 'Macro-F1 at kept checkpoint'].map(acc), ['best accuracy', '10', '92.00%', '60.00%']);
      await runCommand(page, 'View: Close Primary Side Bar');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300)); // the palette's fade-out
      await screenshot('comparison-columns');
    },
  },
];
