// `finetune-studio eval` and `export`: work on a finished (or checkpointed) run folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { readRun } from '../runStore';

export async function runCommand(command: string, argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { run: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.run) throw new Error(`${command} needs --run RUN_DIR (a folder under .finetune/runs/)`);
  const runDir = path.resolve(values.run);
  const record = readRun(runDir);
  const modelDir = path.join(runDir, 'model');
  if (!fs.existsSync(path.join(modelDir, 'config.json'))) throw new Error(`${runDir}: the run has no exported model yet (status ${record.status}); resume it to completion first.`);
  if (command === 'export') {
    const out = path.resolve(values.out ?? `${record.id}-model`);
    fs.cpSync(modelDir, out, { recursive: true });
    console.log(`exported ${record.id} to ${out}`);
    return 0;
  }
  const { evaluateFolder } = await import('./evaluateFolder');
  const result = await evaluateFolder(modelDir, path.resolve(values.data ?? record.config.data), record);
  if (values.json) console.log(JSON.stringify(result));
  else console.log(Object.entries(result.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  '));
  return 0;
}
