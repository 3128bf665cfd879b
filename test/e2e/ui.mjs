// Small helpers for driving the workbench in e2e steps (not a test file: the runner takes only *.e2e.mjs).
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export const UI_TIMEOUT = 30_000;

/** Polls `fn` until it returns something truthy; fails with the last value or error seen. */
export async function until(what, fn, timeout = UI_TIMEOUT) {
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

/** Runs a palette command by clicking its entry (Enter could run whichever command fuzzy ranking put first). */
export async function runCommand(page, title) {
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

/** The webview document that has `selector`, searched in every frame of the page. */
export function webviewFrame(page, selector) {
  return until(`a webview containing ${selector}`, async () => {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      if (await f.$(selector).catch(() => null)) return f;
    }
    return undefined;
  });
}

/** Opens a run's dashboard from the palette, picking the run from the list. */
export async function openDashboard(page, runId) {
  await until(`run ${runId} picked in "Open run dashboard"`, async () => {
    await runCommand(page, 'Fine-Tune Studio: Open run dashboard');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: runId }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await row.click({ timeout: 5000 });
    return true;
  }, 3 * UI_TIMEOUT);
  return webviewFrame(page, `#run-title[title="${runId}"]`);
}

/** A view pane of the side bar by its title (Models, Datasets, Runs, Explorer's folder section...). */
export const pane = (page, title) => page.locator('.sidebar .pane', { has: page.locator(`.pane-header[aria-label="${title} Section"]`) });

/** Label and description of each list row as rendered (tree views and quick picks share the icon-label markup). */
export function rowLabels(rows) {
  return rows.evaluateAll((els) =>
    els.map((el) => ({
      name: el.querySelector('.label-name')?.textContent?.trim() ?? '',
      description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
      selected: el.classList.contains('selected') || el.getAttribute('aria-selected') === 'true',
    })),
  );
}

/** Writes like the trainer does (temp file + rename), so readers never see half a file. */
export function writeAtomic(file, text) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Makes `pid` the run's live trainer (a lease with a heartbeat); returns what stops the heartbeat. */
export function holdLease(dir, pid = process.pid) {
  const startedAt = new Date().toISOString();
  const beat = () => writeAtomic(path.join(dir, 'lease.json'), JSON.stringify({ pid, host: hostname(), startedAt, heartbeat: new Date().toISOString() }));
  beat();
  const timer = setInterval(beat, 5000);
  return () => clearInterval(timer);
}

/** Every notification's text, from the notification centre (toasts may be hidden in a headless window). */
export async function notificationTexts(page) {
  await runCommand(page, 'Notifications: Show Notifications');
  await page.locator('.notifications-center').waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
  const texts = await page.locator('.notification-list-item-message').allTextContents();
  await page.keyboard.press('Escape');
  return texts;
}
