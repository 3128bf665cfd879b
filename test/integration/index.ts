// Mocha entry that VS Code's extension host calls (extensionTestsPath), under code-server and under
// @vscode/test-electron alike. It prints one machine-readable summary line that the runners parse.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // The browser runner receives each console call as one string of its arguments joined by commas, so printf-style
  // reporter lines ('%s (%dms)') must be formatted here to stay readable.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  // out/ keeps the compiled output of test files that were renamed or deleted since: run only those whose
  // source still exists (compiled to out/test/integration, sources in test/integration).
  const sources = path.resolve(__dirname, '..', '..', '..', 'test', 'integration');
  const hasSource = (f: string) => !fs.existsSync(sources) || fs.existsSync(path.join(sources, f.replace(/\.js$/, '.ts')));
  // FTS_INTEGRATION_ONLY=tokenTasks,classify runs only those files (basenames, with or without .test): one suite
  // while working on it, without the minutes the others take.
  const only = (process.env.FTS_INTEGRATION_ONLY ?? '').split(',').map((s) => s.trim().replace(/(\.test)?(\.[jt]s)?$/, '')).filter(Boolean);
  const selected = (f: string) => only.length === 0 || only.includes(f.replace(/\.test\.js$/, ''));
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && hasSource(f) && selected(f)).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = runner.stats?.passes ?? 0;
      const failed = runner.stats?.failures ?? failures;
      console.log(`integration-summary ${JSON.stringify({ passed, failed })}`);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
