// `finetune-studio train | list | eval | export | gradcheck`: the same engine as the extension, headless (scripts, CI, power users).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { DeviceSetting } from './onnx/device';
import { FromWorker, RUN_TASKS, RunConfig, type RunSettings } from './training/protocol';
import { RUN_CONFIG_OPTIONS, runConfigParts } from './training/runConfigArgs';
import { runTraining } from './training/run';
import { readLaunchEnv } from './training/distributed/launchEnv';
import { bundledSampleRoot, samplePaths, SAMPLE_SETTINGS } from './models/bundledSample';
import { ProgressBar } from './training/worker/progressBar';
import { STRATEGIES } from './training/strategies';

const USAGE = `Usage:
  finetune-studio train [--model DIR] [--data FILE] [--strategy S] [--task T] [--config FILE.json] [--set key=value ...]
                        [--runs DIR] [--device auto|cpu|cuda|webgpu] [--resume RUN_DIR] [--json]
      With no arguments: the bundled default (tiny BERT + sample sentiment dataset).
  finetune-studio list [--runs DIR] [--json]
      Each run with its true state; an interrupted one with the command that resumes it.
  finetune-studio eval --run RUN_DIR [--data FILE] [--json]
  finetune-studio export --run RUN_DIR [--out DIR] [--force] [--adapter]
      --adapter: a LoRA run's PEFT adapter folder instead of the merged model (the default).
  finetune-studio export --run RUN_DIR --mlflow MLRUNS_DIR [--experiment NAME]   (params + metrics as an MLflow run)
  finetune-studio report --run RUN_DIR [--out DIR] [--json]
      report.md + PNG charts + a self-contained report.html (default folder: RUN_DIR/report).
  finetune-studio push --run RUN_DIR [--repo NAME|NS/NAME] [--public] [--adapter] [--message M] [--endpoint URL]
      A completed run to a Hub model repo (private unless --public; default name: the run id). Token: HF_TOKEN.
  finetune-studio cluster --out DIR --nodes N --procs-per-node P [--config FILE.json] [--model DIR] [--data FILE] ...
      Files to run one run data-parallel on a cluster (torchrun, Slurm, Kubeflow) + README; cluster --help: all options.
  finetune-studio gradcheck [--json]
Strategies: ${Object.keys(STRATEGIES).join(', ')}
Tasks (--task; read off the data file when unset): ${RUN_TASKS.join(', ')}`;

/** Package root: the nearest folder above this file with our package.json (dist/cli.js and out/src/cli.js alike). */
function packageRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      if (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'finetune-studio') return dir;
    } catch {
      // not here: keep walking up
    }
  }
  return path.resolve(__dirname, '..');
}
const ROOT = packageRoot();
const SAMPLE = samplePaths(bundledSampleRoot(ROOT) ?? path.join(ROOT, 'test/fixtures/generated/workspace'));
export const BUNDLED_DEFAULT = { model: SAMPLE.model, data: SAMPLE.train, settings: SAMPLE_SETTINGS };

async function train(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...RUN_CONFIG_OPTIONS, runs: { type: 'string' }, device: { type: 'string' }, resume: { type: 'string' }, json: { type: 'boolean' } },
  });
  const parts = runConfigParts(values, BUNDLED_DEFAULT.settings, !!values.resume);
  const config: RunConfig = {
    ...parts,
    model: path.resolve(parts.model ?? BUNDLED_DEFAULT.model),
    data: path.resolve(parts.data ?? BUNDLED_DEFAULT.data),
    runsRoot: path.resolve(values.runs ?? parts.runsRoot ?? '.finetune/runs'),
    device: (values.device ?? parts.device ?? 'auto') as DeviceSetting,
    settings: parts.settings as RunSettings,
  };
  const bar = new ProgressBar();
  let exit = 0;
  const emit = (m: FromWorker) => {
    if (values.json) {
      process.stdout.write(JSON.stringify(m) + '\n');
      return;
    }
    switch (m.type) {
      case 'started':
        console.error(`run ${m.runId} on ${m.device} (${m.deviceReason})\n  folder: ${m.runDir}`);
        break;
      case 'progress':
        bar.update(m.step, m.totalSteps, `epoch ${m.epoch.toFixed(2)} loss ${m.loss.toFixed(4)} lr ${m.lr.toExponential(2)} ${m.samplesPerSecond.toFixed(1)} samples/s ETA ${Math.round(m.etaSeconds)}s`);
        break;
      case 'eval':
        bar.done();
        console.error(`eval @ step ${m.step}: ${Object.entries(m.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ')}`);
        break;
      case 'log':
        console.error(`[${m.level}] ${m.message}`);
        break;
      case 'error':
        exit = 1;
        console.error(`error: ${m.message}`);
        break;
      case 'done':
        bar.done();
        console.error(`${m.status}: ${m.runDir}${m.bestMetric ? ` (best ${m.bestMetric.name} ${m.bestMetric.value.toFixed(4)})` : ''}`);
        if (m.testMetrics) console.error(`test (once, never used for selection): ${Object.entries(m.testMetrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ')}`);
        break;
    }
  };
  let cancelled = false;
  process.on('SIGINT', () => {
    if (cancelled) process.exit(130);
    cancelled = true;
    console.error('\ncancelling after this step (Ctrl-C again to abort)');
  });
  // Under torchrun / srun / a PyTorchJob this process is one rank of a data-parallel run.
  await runTraining(config, { emit, isCancelled: () => cancelled, isPaused: () => false }, values.resume ? path.resolve(values.resume) : undefined, readLaunchEnv());
  return exit;
}

async function gradcheck(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  const { runGradcheck } = await import('./training/gradcheck');
  const results = await runGradcheck({});
  const TOLERANCE = 1e-6;
  for (const r of results) {
    if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
    else console.log(`${r.maxRelError <= TOLERANCE ? 'ok  ' : 'FAIL'} ${r.op.padEnd(28)} max rel error ${r.maxRelError.toExponential(2)}`);
  }
  const failed = results.filter((r) => !(r.maxRelError <= TOLERANCE));
  if (!values.json) console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command ?? 'train') {
    case 'train':
      return train(rest);
    case 'gradcheck':
      return gradcheck(rest);
    case 'list': {
      const { listRunsCommand } = await import('./training/runListing');
      return listRunsCommand(rest);
    }
    case 'eval':
    case 'export': {
      const { runCommand } = await import('./training/worker/runCommands');
      return runCommand(command!, rest);
    }
    case 'report': {
      const { reportCommand } = await import('./reports/reportCommand');
      return reportCommand(rest);
    }
    case 'push': {
      const { pushCommand } = await import('./training/pushCommand');
      return pushCommand(rest);
    }
    case 'cluster': {
      const { clusterCommand } = await import('./training/cluster/clusterCommand');
      return clusterCommand(rest);
    }
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`error: ${e.message}`);
      process.exit(1);
    },
  );
}
