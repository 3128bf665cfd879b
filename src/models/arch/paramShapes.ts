// The vocabulary of the parameter tables: heads, named shapes and the two module layouts every family repeats.
export type HeadKind = 'sequence-classification' | 'token-classification' | 'question-answering' | 'masked-lm' | 'sentence-embedding';

/** Extractive QA heads score every token twice (answer start, answer end): HF's qa_outputs has num_labels = 2. */
export const SPAN_LOGITS = 2;

export interface ParamShape {
  name: string;
  shape: number[];
}

/** nn.Linear: weight [out, in] and bias [out]. */
export function linear(name: string, out: number, inp: number): ParamShape[] {
  return [{ name: `${name}.weight`, shape: [out, inp] }, { name: `${name}.bias`, shape: [out] }];
}

/** nn.LayerNorm with its affine weight and bias. */
export function norm(name: string, size: number): ParamShape[] {
  return [{ name: `${name}.weight`, shape: [size] }, { name: `${name}.bias`, shape: [size] }];
}
