// The YAML metadata block of a run's model card, as the Hub reads it (huggingface_hub repocard_data.py ModelCardData,
// hub-docs model-cards.md and modelcard.md): library_name, pipeline_tag, base_model, datasets, language, license, tags
// and a model-index whose one result carries task.type, dataset.name + dataset.type and one metric per reported number.
// Keys follow HF Trainer's card (transformers modelcard.py TrainingSummary.create_metadata). What the run cannot know
// is left out, never filled with a guess: no license or language when the base's card gives none, no `datasets` for a
// local file, no base_model for a local base (the Hub takes only Hub ids there).
import { cardDataset } from './cardDataset';
import { reportedResults, type CardInputs } from './cardInputs';
import { hubMetric } from './hubMetrics';
import { TASK_NAMES, type CardPipeline } from './cardPipeline';

export type { CardPipeline } from './cardPipeline';


export interface ModelIndexMetric { type: string; value: number; name: string; args?: Record<string, string | boolean> }
export interface ModelIndexResult {
  task: { type: CardPipeline; name: string };
  dataset: { name: string; type: string; split: string };
  metrics: ModelIndexMetric[];
}

export interface CardMetadata {
  library_name: string;
  license?: string;
  license_name?: string;
  license_link?: string;
  base_model?: string;
  tags: string[];
  datasets?: string[];
  language?: string[];
  metrics?: string[];
  pipeline_tag: CardPipeline;
  'model-index': [{ name: string; results: ModelIndexResult[] }];
}

/**
 * Language codes the Hub takes (ModelCardData.language: ISO 639-1, 639-2 or 639-3, or "multilingual" / "code"); a
 * base card's other values (a language name, a BCP-47 region tag) are left out rather than written as they are.
 */
const isLanguageCode = (s: string) => /^[a-z]{2,3}$/.test(s) || s === 'multilingual' || s === 'code';

/**
 * library_name, by what can load the folder: PEFT for an adapter; transformers for an HF model folder; a SetFit
 * export's top folder is an ONNX classifier (config.json + onnx/model.onnx, no transformers weights: exportSetFit.ts),
 * which transformers.js loads. Names from @huggingface/tasks' model library keys.
 */
function libraryName(c: CardInputs): string {
  if (c.folder === 'adapter') return 'peft';
  return c.task.setfit ? 'transformers.js' : 'transformers';
}

function tags(c: CardInputs): string[] {
  const t = ['fine-tune-studio', c.record.config.strategy, c.task.pipeline];
  if (c.record.lora) t.push('lora');
  if (c.folder === 'adapter') t.push('peft');
  if (c.task.setfit) t.push('setfit', 'sentence-transformers');
  if (c.hasOnnx) t.push('onnx', 'transformers.js');
  return [...new Set(t)];
}

export function modelIndexResults(c: CardInputs): ModelIndexResult[] {
  const r = reportedResults(c);
  if (!r) return [];
  const metrics = Object.entries(r.metrics).map(([k, value]) => {
    const m = hubMetric(k, c.task.kind);
    return { type: m.type, value, name: `${r.split === 'test' ? 'Test' : 'Validation'} ${m.name}`, ...(m.args ? { args: m.args } : {}) };
  });
  if (!metrics.length) return [];
  const d = cardDataset(c.record);
  return [{ task: { type: c.task.pipeline, name: TASK_NAMES[c.task.pipeline] }, dataset: { name: d.name, type: d.type, split: r.split }, metrics }];
}

export function cardMetadata(c: CardInputs): CardMetadata {
  const d = cardDataset(c.record);
  const results = modelIndexResults(c);
  const language = c.base.language?.filter(isLanguageCode);
  const metricTypes = [...new Set(results.flatMap((r) => r.metrics.map((m) => m.type)).filter((t) => t !== 'loss'))];
  return {
    library_name: libraryName(c),
    // The fine-tune inherits the base's license (HF Trainer reads it off the base's Hub tags; we read the base's card).
    ...(c.base.license ? { license: c.base.license } : {}),
    ...(c.base.license === 'other' && c.base.licenseName ? { license_name: c.base.licenseName } : {}),
    ...(c.base.license === 'other' && c.base.licenseLink ? { license_link: c.base.licenseLink } : {}),
    ...(c.base.hubId ? { base_model: c.base.hubId } : {}),
    tags: tags(c),
    ...(d.hubId ? { datasets: [d.hubId] } : {}),
    ...(language?.length ? { language } : {}),
    ...(metricTypes.length ? { metrics: metricTypes } : {}),
    pipeline_tag: c.task.pipeline,
    'model-index': [{ name: c.name, results }],
  };
}
