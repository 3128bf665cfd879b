// `finetune-studio report --run RUN_DIR [--out DIR]`: writes the run's report (report.md + PNG charts + report.html)
// and prints where. Default folder: <run>/report/.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultReportDir, writeRunReport } from './writeRunReport';

export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { run: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.run) {
    console.error('report needs --run RUN_DIR: the folder of one run (e.g. .finetune/runs/<id>; `finetune-studio list` shows them)');
    return 2;
  }
  const runDir = path.resolve(values.run);
  const written = await writeRunReport(runDir, values.out ? path.resolve(values.out) : defaultReportDir(runDir));
  if (values.json) process.stdout.write(JSON.stringify(written) + '\n');
  else console.log(`report: ${written.markdown}\n  html (self-contained): ${written.html}\n  charts: ${written.images.map((f) => path.basename(f)).join(', ')}`);
  return 0;
}
