// `finetune-studio eval` and `export`: work on a finished (or checkpointed) run folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFolderAtomic } from '../../util/atomicWrite';
import { canResume, describeRunState, readRunState, resumeCommand, resumeHint } from '../runStatus';
import { readRun } from '../runStore';

export async function runCommand(command: string, argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { run: { type: 'string' }, out: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, force: { type: 'boolean' }, adapter: { type: 'boolean' }, mlflow: { type: 'string' }, experiment: { type: 'string' } } });
  if (!values.run) throw new Error(`${command} needs --run RUN_DIR (a folder under .finetune/runs/)`);
  const runDir = path.resolve(values.run);
  const record = readRun(runDir);
  // The true state: run.json says "running" for a run whose trainer was killed.
  const state = readRunState(runDir);
  const next = resumeHint(state, runDir) ?? describeRunState(state);
  if (values.experiment && !(command === 'export' && values.mlflow)) throw new Error('--experiment names the MLflow experiment of an export: use it with export --mlflow MLRUNS_DIR');
  if (command === 'export' && values.mlflow) {
    // Params and metrics only, so any run exports, unfinished ones too (as RUNNING / KILLED / FAILED in MLflow).
    const { exportRunToMlflow } = await import('../mlflow/runToMlflow');
    const store = path.resolve(values.mlflow);
    const r = exportRunToMlflow(runDir, store, { state: state.state, experiment: values.experiment });
    console.log(`exported ${record.id} (${r.params} params, ${r.metrics} metrics) to MLflow experiment ${r.experimentId}, run ${r.runUuid}: ${r.dir}\nview it with: mlflow ui --backend-store-uri ${store}`);
    return 0;
  }
  const modelDir = path.join(runDir, 'model');
  if (!fs.existsSync(path.join(modelDir, 'config.json'))) throw new Error(`${runDir}: the run has no exported model yet (${next}); a model is exported when the run completes.`);
  if (command === 'export') {
    if (state.state !== 'completed') throw new Error(`${runDir}: the run is ${state.state}, not completed (${describeRunState(state)}); its model/ folder is from an earlier export. ${canResume(state.state) ? `Finish it first: ${resumeCommand(runDir)}` : 'Let it finish first.'}`);
    // --adapter: a LoRA run's PEFT adapter folder (adapter_config.json + adapter_model.safetensors) instead of the merged model.
    const adapterDir = path.join(runDir, 'adapter');
    if (values.adapter && !fs.existsSync(path.join(adapterDir, 'adapter_config.json'))) throw new Error(`${runDir}: --adapter exports a LoRA run's adapter folder; this run (strategy ${record.config.strategy}) has none.`);
    const source = values.adapter ? adapterDir : modelDir;
    const out = path.resolve(values.out ?? `${record.id}-${values.adapter ? 'adapter' : 'model'}`);
    // Never merge into a folder that holds something else: the result would be neither model.
    if (fs.existsSync(out) && fs.readdirSync(out).length && !values.force) throw new Error(`${out} is not empty; choose another --out or add --force to replace it.`);
    writeFolderAtomic(out, (staging) => {
      fs.cpSync(source, staging, { recursive: true });
      return [];
    });
    console.log(`exported ${record.id} to ${out}`);
    return 0;
  }
  if (state.state !== 'completed') console.error(`note: ${record.id} is ${describeRunState(state)}; evaluating the model/ folder of an earlier export.${resumeHint(state, runDir) ? ` To finish the run: ${resumeCommand(runDir)}` : ''}`);
  const { evaluateFolder } = await import('./evaluateFolder');
  const result = await evaluateFolder(modelDir, path.resolve(values.data ?? record.config.data), record);
  if (values.json) console.log(JSON.stringify(result));
  else console.log(Object.entries(result.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  '));
  // The run's own test figures, for comparison: stderr, so stdout stays the one metrics line scripts read.
  if (!values.json && record.test) console.error(`the run's test split (${record.dataset.splits?.test.source ?? 'test'}, ${record.test.examples} examples, evaluated once at its end, never used for selection): ${Object.entries(record.test.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ')}`);
  return 0;
}
