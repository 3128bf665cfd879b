// Builds a family's forward graph (inputs → head output) with HF-named weights as initializers.
import { GraphBuilder } from '../../onnx/builder';
import { DEFAULT_IR_VERSION, DEFAULT_OPSET, Model, int } from '../../onnx/ir';
import type { ModelFamily, ModelSpec } from '../modelSpec';
import { bert } from './bert';
import { deberta } from './deberta';
import type { BuildContext } from './common';
import { distilbert } from './distilbert';
import { modernbert } from './modernbert';
import { mpnet } from './mpnet';
import { electra } from './electra';
import type { FamilyBuilder, GraphInputs } from './family';
import { HeadKind, basePrefix, modelParameters } from './parameters';
import { SPAN_LOGITS } from './paramShapes';
import { roberta } from './roberta';

const FAMILIES: Record<ModelFamily, FamilyBuilder> = { bert, roberta, distilbert, electra, 'deberta-v2': deberta, mpnet, modernbert };

export interface ForwardOptions {
  head: HeadKind;
  /** Insert Dropout nodes (training graphs); eval/export graphs leave them out. */
  training?: boolean;
  /** Also expose the encoder output as `last_hidden_state` (feature caching, embeddings). */
  outputHidden?: boolean;
  /**
   * question-answering only: output `start_logits` and `end_logits` [batch, sequence] (what HF's QA models return and
   * transformers.js' question-answering pipeline reads) instead of one `logits` [batch, sequence, 2] (what the span
   * loss reads in training and eval graphs).
   */
  splitSpanLogits?: boolean;
}

export const START_LOGITS = 'start_logits';
export const END_LOGITS = 'end_logits';

/**
 * Row `row` of a QA graph's joint `logits` [batch, seq, 2] (row-major, start and end interleaved per token) as the
 * separate start and end scores HF's QA models return: what QA postprocessing reads from the eval graph's prediction.
 */
export function spanLogitRow(logits: Float32Array, row: number, seq: number): { start: Float32Array; end: Float32Array } {
  if ((row + 1) * seq * 2 > logits.length) throw new Error(`spanLogitRow: row ${row} of ${seq} tokens is outside logits of ${logits.length} values`);
  const start = new Float32Array(seq);
  const end = new Float32Array(seq);
  for (let t = 0; t < seq; t++) {
    start[t] = logits[(row * seq + t) * 2];
    end[t] = logits[(row * seq + t) * 2 + 1];
  }
  return { start, end };
}

/** Name of the head output in the graph, matching HF/Optimum exports (transformers.js reads `logits`). */
export function headOutputName(head: HeadKind): string {
  return head === 'sentence-embedding' ? 'sentence_embedding' : 'logits';
}

export function graphInputNames(spec: ModelSpec): string[] {
  return FAMILIES[spec.family].usesTokenTypes(spec) ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask'];
}

/**
 * The forward graph of `spec` with `head`. `weights` must hold every parameter modelParameters() lists
 * (loadWeights() guarantees it); their order there is the initializer order here.
 */
export function buildForwardModel(spec: ModelSpec, weights: ReadonlyMap<string, Float32Array>, opts: ForwardOptions): Model {
  const family = FAMILIES[spec.family];
  if (opts.splitSpanLogits && opts.head !== 'question-answering') throw new Error(`buildForwardModel: splitSpanLogits applies to the question-answering head, not ${opts.head}`);
  const params = modelParameters(spec, opts.head);
  const shapes = new Map(params.map((p) => [p.name, p.shape]));
  for (const p of params) {
    const w = weights.get(p.name);
    const n = p.shape.reduce((a, c) => a * c, 1);
    if (!w) throw new Error(`buildForwardModel: weight "${p.name}" is missing`);
    if (w.length !== n) throw new Error(`buildForwardModel: weight "${p.name}" has ${w.length} values, shape [${p.shape.join(', ')}] needs ${n}`);
  }
  const b = new GraphBuilder(`${spec.modelType}_${opts.head}`);
  const inputs: GraphInputs = {
    inputIds: b.input('input_ids', 'int64', ['batch', 'sequence']),
    attentionMask: b.input('attention_mask', 'int64', ['batch', 'sequence']),
    tokenTypeIds: family.usesTokenTypes(spec) ? b.input('token_type_ids', 'int64', ['batch', 'sequence']) : undefined,
  };
  const ctx: BuildContext = {
    b, spec, weights, shapes, training: opts.training ?? false, base: opts.head === 'sentence-embedding' ? '' : basePrefix(spec.family),
    // Every family's sequence classifier reads only hidden[:, 0]; a caller that wants the whole last hidden state
    // (outputHidden) gets the full last layer.
    firstTokenOnly: opts.head === 'sequence-classification' && !opts.outputHidden,
  };
  // Registering initializers in HF order keeps the graph's parameter order stable and readable.
  for (const p of params) b.initializer(p.name, { dtype: 'float32', dims: [...p.shape], data: weights.get(p.name) as Float32Array });
  const hidden = family.encode(ctx, inputs);
  const out = family.head(ctx, hidden, inputs, opts.head);
  if (opts.splitSpanLogits) {
    // logits.split(1, dim=-1) + squeeze(-1), as HF's QA models do: a scalar-index Gather drops the last axis.
    for (const [k, name] of [START_LOGITS, END_LOGITS].entries()) {
      b.op('Gather', [out, b.constant(k, 'int64', `${name}_index`)], { axis: int(2) }, { output: name });
      b.output(name, 'float32', ['batch', 'sequence']);
    }
  } else {
    const outName = headOutputName(opts.head);
    b.op('Identity', [out], {}, { output: outName });
    const outShape = opts.head === 'sentence-embedding' ? ['batch', spec.hiddenSize]
      : opts.head === 'sequence-classification' ? ['batch', spec.numLabels]
      : ['batch', 'sequence', opts.head === 'masked-lm' ? spec.vocabSize : opts.head === 'question-answering' ? SPAN_LOGITS : spec.numLabels];
    b.output(outName, 'float32', outShape);
  }
  if (opts.outputHidden) {
    b.op('Identity', [hidden], {}, { output: 'last_hidden_state' });
    b.output('last_hidden_state', 'float32', ['batch', 'sequence', spec.hiddenSize]);
  }
  return {
    graph: b.build(),
    opsetImports: [{ domain: '', version: DEFAULT_OPSET }],
    irVersion: DEFAULT_IR_VERSION,
    producerName: 'finetune-studio',
  };
}
