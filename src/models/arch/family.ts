// What each family builder provides: the encoder (embeddings + layers → last hidden state) and its task heads.
import type { HeadKind } from './parameters';
import type { BuildContext } from './common';
import type { ModelSpec } from '../modelSpec';

export interface GraphInputs {
  inputIds: string;
  attentionMask: string;
  /** Absent for families without segment embeddings in their exported graphs (RoBERTa, DistilBERT). */
  tokenTypeIds?: string;
}

export interface FamilyBuilder {
  /** Whether the graph takes token_type_ids (as HF's exported ONNX models of the family do). */
  usesTokenTypes(spec: ModelSpec): boolean;
  encode(ctx: BuildContext, inputs: GraphInputs): string;
  /** The head's output (logits, or the pooled sentence embedding) from the last hidden state. */
  head(ctx: BuildContext, hidden: string, inputs: GraphInputs, head: HeadKind): string;
}
