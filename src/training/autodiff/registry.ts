// The gradient-rule registry: opType → (node, dOutputs, g) → dInputs. Rules are written with standard ONNX ops only,
// because onnxruntime's inference builds ship no *Grad kernels.
import { Node } from '../../onnx/ir';
import { GradBuilder } from './gradBuilder';

export interface GradContext {
  node: Node;
  /** dLoss/dOutput[i]; undefined where output i does not reach the loss. */
  dy: (string | undefined)[];
  /** Whether input i needs a gradient (it lies on a path from a trainable parameter). */
  needs: boolean[];
  g: GradBuilder;
}

/** Returns dLoss/dInput[i] (undefined where not needed or not differentiable). */
export type GradRule = (ctx: GradContext) => (string | undefined)[];

export interface RuleKey {
  domain: string;
  opType: string;
}

const rules = new Map<string, GradRule>();

const keyOf = (domain: string, opType: string) => `${domain === 'ai.onnx' ? '' : domain}::${opType}`;

export function registerRule(opType: string, rule: GradRule, domain = ''): void {
  rules.set(keyOf(domain, opType), rule);
}

export function getRule(domain: string, opType: string): GradRule | undefined {
  return rules.get(keyOf(domain, opType));
}

export function registeredOps(): RuleKey[] {
  return [...rules.keys()].map((k) => {
    const [domain, opType] = k.split('::');
    return { domain, opType };
  });
}

/**
 * Ops whose outputs never carry a gradient: integer/bool shape arithmetic, comparisons and index producers.
 * The backward pass treats them as constants, like micrograd treats a plain number.
 */
export const NON_DIFFERENTIABLE = new Set([
  'Shape', 'Size', 'ConstantOfShape', 'Range', 'Equal', 'Not', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual',
  'And', 'Or', 'Xor', 'ArgMax', 'ArgMin', 'NonZero', 'Floor', 'Ceil', 'Round', 'Sign', 'Constant', 'RandomNormal',
  'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'OneHot', 'IsNaN', 'IsInf', 'EyeLike',
]);
