// The card's pipeline_tag values and their model-index task names (its own module: the card's inputs and its
// metadata both name them).
import type { PipelineType } from '@huggingface/tasks';

/**
 * model-index task.name for our tasks: transformers modelcard.py TASK_TAG_TO_NAME_MAPPING. Typed by @huggingface/tasks'
 * PipelineType (a type only: its runtime data would add half a megabyte to the worker and CLI bundles for four names).
 */
export const TASK_NAMES = {
  'text-classification': 'Text Classification',
  'token-classification': 'Token Classification',
  'question-answering': 'Question Answering',
  'fill-mask': 'Masked Language Modeling',
} as const satisfies Partial<Record<PipelineType, string>>;
export type CardPipeline = keyof typeof TASK_NAMES;
