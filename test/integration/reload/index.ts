// Mocha entry of the window-reload suite (run by test/harness/run-integration.mjs in a workbench of its own). The
// extension host runs it twice: before the reload (which ends that host mid-test) and again after it, in the new one.
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 240_000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'reload.test.js'));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      console.log(`integration-summary ${JSON.stringify({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? failures })}`);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
