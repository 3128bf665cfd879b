// The Markdown sections of a run's card that describe how it trained: the strategy (gradual-unfreezing phases and
// layer-wise decay as the run's lrGroups records logged them, the LoRA configuration run.json resolved), the
// hyperparameters (every setting run.json kept, under the names `--set` takes, so the run can be repeated), the
// per-evaluation results table (HF Trainer's "Training results", one row per eval record) and the framework versions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LAYER_DECAY, defaultFreezeLayers } from '../parameterGroups';
import { STRATEGIES } from '../strategies';
import type { CardInputs } from './cardInputs';
import { hubMetric } from './hubMetrics';

/** A table cell: pipes and line breaks would end the cell or the row. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const table = (head: string[], rows: string[][]) => [`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => ':---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
/** Four decimals, as HF Trainer's card rounds its results (modelcard.py _maybe_round). */
export const round4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const epochText = (e: number) => (Number.isFinite(e) ? String(Number(e.toFixed(4))) : '–');

/** A setting's value as the card prints it: strings bare, everything else as JSON (what `--set key=value` parses back). */
export const settingText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function layerCount(c: CardInputs): number | undefined {
  const file = path.join(c.runDir, 'model', 'config.json');
  if (!fs.existsSync(file)) return undefined;
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as { num_hidden_layers?: unknown; n_layers?: unknown };
  const n = cfg.num_hidden_layers ?? cfg.n_layers;
  return typeof n === 'number' ? n : undefined;
}

/** The epoch (0-based) an lrGroups record's phase trains in: the one of the first train record after its step. */
function epochAfter(c: CardInputs, step: number): number | undefined {
  const t = c.trains.find((x) => x.step > step);
  return t && Number.isFinite(t.epoch) ? Math.max(0, Math.ceil(t.epoch) - 1) : undefined;
}

export function strategySection(c: CardInputs): string {
  const settings = (c.record.config.settings ?? {}) as Record<string, unknown>;
  const id = c.record.config.strategy;
  const s = STRATEGIES[id];
  const out = [`### Strategy\n\n**${s ? s.title : id}** (\`${id}\`)${s ? `: ${s.description}` : ''}`];
  const layers = layerCount(c);
  if (id === 'partial') {
    const frozen = typeof settings.freezeLayers === 'number' ? settings.freezeLayers : layers !== undefined ? defaultFreezeLayers(layers) : undefined;
    out.push(`Frozen: the embeddings and the bottom ${frozen ?? 'half of the'} layer(s)${layers !== undefined ? ` of ${layers}` : ''}; the layers above and the head trained.`);
  }
  if (id === 'gradual-unfreezing') {
    out.push(Array.isArray(settings.unfreezeSchedule)
      ? `Unfreezing schedule (the unfreezeSchedule setting: layers added per epoch, 0-based): ${JSON.stringify(settings.unfreezeSchedule)}.`
      : 'Unfreezing schedule: the head alone in epoch 0, then one more layer each epoch, top down; the embeddings once every layer trains.');
    if (c.lrGroups.length) {
      out.push('Trained parameter groups per phase, as the run logged them:\n\n' + table(['Phase', 'From step', 'Epoch', 'Trained groups'],
        c.lrGroups.map((g, i) => [String(i + 1), String(g.step), String(epochAfter(c, g.step) ?? '–'), Object.keys(g.groups).join(', ')])));
    }
  }
  if (id === 'discriminative-lr') {
    const decay = typeof settings.layerDecay === 'number' ? settings.layerDecay : DEFAULT_LAYER_DECAY;
    out.push(`Layer-wise learning-rate decay ${decay}: lr × ${decay}^(layers − layer), layers counted from 1, the embeddings below layer 1, the head at the base lr.`);
    const g = c.lrGroups.at(-1);
    const lr = typeof settings.learningRate === 'number' ? settings.learningRate : undefined;
    if (g) out.push(table(['Group', 'LR multiplier', ...(lr !== undefined ? ['Peak LR'] : [])], Object.entries(g.groups).map(([k, m]) => [k, String(Number(m.toPrecision(6))), ...(lr !== undefined ? [String(Number((lr * m).toPrecision(6)))] : [])])));
  }
  const lora = c.record.lora;
  if (lora) {
    const rows: [string, string][] = [
      ['r (rank)', String(lora.rank)], ['lora_alpha', String(lora.alpha)], ['scaling', `${Number(lora.scaling.toPrecision(6))}${lora.useRslora ? ' (rsLoRA: alpha / √r)' : ' (alpha / r)'}`],
      ['lora_dropout', String(lora.dropout)], ['target_modules', settingText(lora.targetModules)], ['modules_to_save', lora.modulesToSave.join(', ') || '–'],
      ['layers_to_transform', lora.layersToTransform ? lora.layersToTransform.join(', ') : 'all'], ['adapted modules', String(lora.adaptedModules)],
    ];
    if (lora.fromAdapter) rows.push(['continued from adapter', path.basename(lora.fromAdapter)]);
    out.push(`LoRA configuration (PEFT names):\n\n${table(['Setting', 'Value'], rows)}`);
  }
  const cw = c.record.classWeights;
  if (cw) out.push(`Loss weights (${cw.kind}, ${cw.source}): ${Object.entries(cw.byLabel).map(([k, w]) => `${k} ${Number(w.toPrecision(4))}`).join(', ')}.`);
  return out.join('\n\n');
}

export function hyperparametersSection(c: CardInputs): string {
  const settings = Object.entries((c.record.config.settings ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (!settings.length) return '### Training hyperparameters\n\nMore information needed';
  return '### Training hyperparameters\n\nThe following hyperparameters were used during training (Fine-Tune Studio setting names, as `--set key=value` takes them):\n\n' +
    settings.map(([k, v]) => `- ${k}: ${settingText(v)}`).join('\n');
}

/** HF Trainer's results table: the last training loss logged since the previous evaluation, then the evaluation. */
export function resultsSection(c: CardInputs): string {
  if (!c.evals.length) return '### Training results\n\nNo evaluation ran (the data had no validation split).';
  const names = [...new Set(c.evals.flatMap((e) => Object.keys(e.metrics)))].filter((k) => k !== 'loss');
  let previous = -Infinity;
  const rows = c.evals.map((e) => {
    const train = c.trains.filter((t) => t.step > previous && t.step <= e.step).at(-1);
    previous = e.step;
    return [train ? round4(train.loss) : 'No log', epochText(e.epoch), String(e.step), e.metrics.loss !== undefined ? round4(e.metrics.loss) : '–', ...names.map((k) => (e.metrics[k] !== undefined ? round4(e.metrics[k]) : '–'))];
  });
  return `### Training results\n\n${table(['Training Loss', 'Epoch', 'Step', 'Validation Loss', ...names.map((k) => hubMetric(k, c.task.kind).name)], rows)}`;
}

const VERSION_NAMES: Record<string, string> = { finetuneStudio: 'Fine-Tune Studio', onnxruntime: 'ONNX Runtime (onnxruntime-node)', node: 'Node.js' };

export function frameworkSection(c: CardInputs): string {
  const v = Object.entries(c.record.versions ?? {}).map(([k, x]) => `- ${VERSION_NAMES[k] ?? k} ${x}`);
  const d = c.record.device;
  return '### Framework versions\n\n' + [...v, `- Device: ${d.executionProvider}${d.threads ? ` (${d.threads} thread${d.threads > 1 ? 's' : ''})` : ''}${d.reason ? `: ${d.reason}` : ''}`].join('\n') +
    '\n\nTrained by Fine-Tune Studio\'s own ONNX training engine (onnxruntime-node), not by PyTorch: the weights are exported in the Hugging Face layout.';
}
