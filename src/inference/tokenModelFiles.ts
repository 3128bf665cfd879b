// Checks a token-classification or question-answering export before anything loads it (the worker) or offers it
// (the commands): the architecture, the tag set, the tokenizer and ONNX files, with messages naming the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InferenceModelError, readConfig } from './modelFiles';

export type TokenTask = 'token-classification' | 'question-answering';

const ARCHITECTURE_SUFFIX: Record<TokenTask, string> = {
  'token-classification': 'ForTokenClassification',
  'question-answering': 'ForQuestionAnswering',
};

const ONNX_FILES = ['onnx/model.onnx', 'onnx/model_quantized.onnx'];

export interface TokenTaskFiles {
  folder: string;
  onnxFile: string;
  architecture: string;
  /** Token classification: the tags in id order (config.json id2label). */
  labels: string[];
}

/** Checks that `folder` holds an export for `task`, with messages that say which file lacks what. */
export function inspectTokenTaskModel(folder: string, task: TokenTask): TokenTaskFiles {
  const abs = path.resolve(folder);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new InferenceModelError(`Model folder ${abs} does not exist.`);
  const config = readConfig(abs);
  const configFile = path.join(abs, 'config.json');
  const archs = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
  const architecture = archs.find((a) => a.endsWith(ARCHITECTURE_SUFFIX[task]));
  if (!architecture) {
    throw new InferenceModelError(
      `${configFile}: architectures is ${JSON.stringify(config.architectures ?? null)}; ${task} needs a *${ARCHITECTURE_SUFFIX[task]} model ` +
        `(fine-tune one on ${task === 'token-classification' ? 'NER data (CoNLL or tokens + tags)' : 'SQuAD-style question/context/answers data'}).`,
    );
  }
  if (!fs.existsSync(path.join(abs, 'tokenizer.json'))) {
    throw new InferenceModelError(`${path.join(abs, 'tokenizer.json')} is missing: inference needs the fast-tokenizer file next to config.json.`);
  }
  const onnxFile = ONNX_FILES.find((f) => fs.existsSync(path.join(abs, f)));
  if (!onnxFile) throw new InferenceModelError(`${abs} has no ${ONNX_FILES.join(' or ')}: export the model to ONNX (fine-tuned runs do this in their model/ folder).`);
  let labels: string[] = [];
  if (task === 'token-classification') {
    const id2label = config.id2label as Record<string, unknown> | undefined;
    labels = id2label && typeof id2label === 'object' ? Object.keys(id2label).sort((a, b) => Number(a) - Number(b)).map((k) => String(id2label[k])) : [];
    if (labels.length < 2) throw new InferenceModelError(`${configFile} has no id2label with the tag set (e.g. O, B-PER, I-PER): a token-classification model names its tags there.`);
  }
  return { folder: abs, onnxFile, architecture, labels };
}
