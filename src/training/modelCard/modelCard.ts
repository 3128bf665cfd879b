// The model card (README.md) written into a completed run's export: YAML metadata the Hub validates (cardMetadata.ts)
// above a Markdown body laid out as the HF Trainer's card is (transformers modelcard.py TrainingSummary.to_model_card:
// description, intended uses, data, training procedure with hyperparameters and the results table, framework
// versions). Sections only a person can write say "More information needed" and are marked as placeholders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dump } from 'js-yaml';
import { writeFileAtomic } from '../../util/atomicWrite';
import type { RunLog } from '../runLog';
import { cardDataset } from './cardDataset';
import { readCardInputs, reportedResults, type CardFolder, type CardInputs } from './cardInputs';
import { cardMetadata } from './cardMetadata';
import { frameworkSection, hyperparametersSection, resultsSection, round4, strategySection } from './cardSections';
import { hubMetric } from './hubMetrics';

export interface ModelCardOptions {
  /** The Hub repo the folder will be pushed to: the card's name (model-index name, title); default the run id. */
  repoId?: string;
  folder: CardFolder;
}

const PLACEHOLDER = '> Placeholder: Fine-Tune Studio cannot know this. Write it before you share the model.';
const NEEDED = `More information needed\n\n${PLACEHOLDER}`;

function baseText(c: CardInputs): string {
  const b = c.base;
  return b.hubId ? `[${b.hubId}](https://huggingface.co/${b.hubId})` : `the local model \`${b.localName}\` (not a Hub model, so the metadata names no base_model)`;
}

function intro(c: CardInputs): string {
  const d = cardDataset(c.record);
  const data = d.hubId ? `the [${d.hubId}](https://huggingface.co/datasets/${d.hubId}) dataset` : `the local data file \`${d.file}\``;
  const what = c.folder === 'adapter'
    ? `This is a LoRA adapter (PEFT) for ${baseText(c)}, trained on ${data}. The run's model/ folder holds the same model with the adapter merged.`
    : `This model is a fine-tuned version of ${baseText(c)} on ${data}.`;
  const r = reportedResults(c);
  if (!r) return `${what}\n\nThe run evaluated nothing (no validation or test split), so the card reports no results.`;
  const where = r.split === 'test'
    ? `the test split (${r.examples ?? '?'} examples, evaluated once after training and never used for selection)`
    : `the validation split (step ${r.step}; the data had no test split)`;
  return `${what}\n\nIt achieves the following results on ${where}:\n${Object.entries(r.metrics).map(([k, v]) => `- ${hubMetric(k, c.task.kind).name}: ${round4(v)}`).join('\n')}`;
}

function labelsText(c: CardInputs): string {
  const labels = c.record.dataset.labels ?? [];
  if (c.task.kind === 'masked-lm') return 'Labels: none (masked-language-model pre-training predicts vocabulary tokens).';
  if (c.task.kind === 'question-answering') return 'Labels: none (extractive question answering predicts answer start and end positions).';
  if (c.task.kind === 'regression') return 'Labels: one regression output (`score`).';
  if (!labels.length) return 'Labels: not recorded.';
  return `Labels (id → label, as config.json's id2label):\n\n| id | label |\n|:---|:---|\n${labels.map((l, i) => `| ${i} | ${l.replace(/\|/g, '\\|')} |`).join('\n')}`;
}

/** A split's source in words, its absolute paths cut to file names: a card is shared, the user's folders are not. */
const fileNames = (text: string) => text.replace(/(?<=^|[\s(])(?:[A-Za-z]:)?[\\/](?:[^\s()\\/]+[\\/])*([^\s()\\/]+)/g, '$1');

function dataSection(c: CardInputs): string {
  const d = cardDataset(c.record);
  const s = c.record.dataset.splits;
  const lines = [
    `- Data: ${d.hubId ? `Hub dataset ${d.hubId}, file` : 'local file'} \`${d.file}\` (${d.fingerprint})`,
    `- Task: ${c.task.pipeline}${c.task.kind !== c.task.pipeline ? ` (${c.task.kind})` : ''}`,
    ...(s ? [`- Splits: train ${s.train.rows} (${fileNames(s.train.source)}); validation ${s.validation.rows} (${fileNames(s.validation.source)}); test ${s.test.rows} (${fileNames(s.test.source)})`]
      : [`- Rows: train ${c.record.dataset.trainRows}, validation ${c.record.dataset.evalRows}`]),
  ];
  if (c.base.datasets?.length) lines.push(`- The base model's card lists its own training data: ${c.base.datasets.join(', ')} (not this run's data, so not in this card's metadata).`);
  return `## Training and evaluation data\n\n${lines.join('\n')}\n\n${labelsText(c)}`;
}

function unknownsText(c: CardInputs): string {
  const notes: string[] = [];
  if (!c.base.license && !c.base.problem) notes.push('license: the base model\'s card gives none, so this card states none; set the one that applies before sharing');
  if (!c.base.language?.length) notes.push('language: unknown (the base model\'s card names none)');
  if (c.base.problem) notes.push(c.base.problem);
  return notes.length ? `\n\nNot stated in the metadata: ${notes.join('; ')}.` : '';
}

function usage(c: CardInputs): string {
  const id = c.name;
  if (c.folder === 'adapter') {
    return `\`\`\`python\nfrom peft import AutoPeftModelFor${c.task.pipeline === 'token-classification' ? 'TokenClassification' : c.task.pipeline === 'question-answering' ? 'QuestionAnswering' : 'SequenceClassification'}\nmodel = AutoPeftModelFor${c.task.pipeline === 'token-classification' ? 'TokenClassification' : c.task.pipeline === 'question-answering' ? 'QuestionAnswering' : 'SequenceClassification'}.from_pretrained("${id}")\n\`\`\``;
  }
  const js = c.hasOnnx ? `\n\n\`\`\`js\nimport { pipeline } from '@huggingface/transformers';\nconst pipe = await pipeline('${c.task.pipeline}', '${id}');\n\`\`\`` : '';
  if (c.task.setfit) return `The folder is an ONNX classifier (onnx/model.onnx, the body and head in one graph); sentence-transformer/ holds the body in sentence-transformers layout and the head as model_head.safetensors.${js}`;
  return `\`\`\`python\nfrom transformers import pipeline\npipe = pipeline("${c.task.pipeline}", model="${id}")\n\`\`\`${js}`;
}

export function modelCardFor(runDir: string, opts: ModelCardOptions): string {
  const c = readCardInputs(runDir, opts);
  // js-yaml's dump: keys in the order given (HF Trainer's), no line folding that would split a long value.
  const yaml = dump(cardMetadata(c), { lineWidth: -1, noRefs: true });
  return [
    `---\n${yaml}---`,
    '<!-- This model card was generated by Fine-Tune Studio from the run folder (run.json, metrics.jsonl). Proofread it and complete the placeholders before you share the model. -->',
    `# ${c.name}`,
    intro(c) + unknownsText(c),
    `## Model description\n\n${NEEDED}`,
    `## Intended uses & limitations\n\n${NEEDED}`,
    `## How to use\n\n${usage(c)}`,
    dataSection(c),
    '## Training procedure',
    strategySection(c),
    hyperparametersSection(c),
    resultsSection(c),
    frameworkSection(c),
  ].join('\n\n') + '\n';
}

/** Writes model/README.md, and adapter/README.md for a LoRA run, atomically; returns the files written. */
export function writeModelCard(runDir: string, opts: { repoId?: string } = {}): string[] {
  const written: string[] = [];
  const targets: [CardFolder, string][] = [['model', 'config.json'], ['adapter', 'adapter_config.json']];
  for (const [folder, marker] of targets) {
    if (!fs.existsSync(path.join(runDir, folder, marker))) continue;
    const file = path.join(runDir, folder, 'README.md');
    writeFileAtomic(file, modelCardFor(runDir, { ...opts, folder }));
    written.push(file);
  }
  return written;
}

/** For the trainers' end: a card that cannot be built costs the run nothing but a warning in its log. */
export function writeModelCardOrWarn(runDir: string, log: RunLog['log']): void {
  try {
    const files = writeModelCard(runDir);
    if (files.length) log(`model card: ${files.map((f) => path.relative(runDir, f)).join(', ')}`);
  } catch (e) {
    log(`the model card (README.md) was not written: ${(e as Error).message}`, 'warn');
  }
}
