// How entities read in the editor: a colour per entity type, the label after each entity, its hover, and the summary
// message. Plain strings (no vscode import) so the wording is unit-tested and the integration test compares with it.
import { formatScore } from './presentation';
import type { EntityResult, TextEntity } from './protocol';

/** Theme colours (so every theme gets readable ones), given to entity types in the model's label order and cycled. */
export const ENTITY_COLOURS = ['charts.blue', 'charts.orange', 'charts.green', 'charts.purple', 'charts.red', 'charts.yellow'] as const;

/**
 * Colours given to entity types in the order they are first met, cycled: a type keeps its colour for the session
 * (PER stays blue when a second model is used), and a model's types, registered in its label order, get distinct
 * colours as long as there are no more types than colours.
 */
export class EntityColours {
  private readonly given = new Map<string, string>();

  colour(type: string): string {
    let c = this.given.get(type);
    if (!c) {
      c = ENTITY_COLOURS[this.given.size % ENTITY_COLOURS.length];
      this.given.set(type, c);
    }
    return c;
  }

  /** Registers a model's types in order (its id2label order), so their colours do not depend on what was found first. */
  register(types: readonly string[]): void {
    for (const t of types) this.colour(t);
  }
}

/** Text shown right after an entity. */
export function entityLabel(e: TextEntity): string {
  return e.type;
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\s+/g, ' ')}\``;
}

export function entityHoverMarkdown(e: TextEntity, modelName: string): string {
  return [
    `**Fine-Tune Studio** — entity ${code(e.type)}`,
    '',
    `${code(e.text)} · score ${formatScore(e.score)} (mean tag probability over ${e.words} word${e.words === 1 ? '' : 's'})`,
    '',
    `Model: ${code(modelName)}`,
  ].join('\n');
}

/** One line for the notification: how many entities of which types, or that there were none. */
export function entitySummary(results: readonly EntityResult[], modelName: string): string {
  const counts = new Map<string, number>();
  for (const r of results) for (const e of r.entities) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const where = results.length === 1 ? 'the selection' : `${results.length} selections`;
  if (total === 0) return `No entities found in ${where} by ${modelName}.`;
  const parts = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${n} ${t}`);
  return `${total} entit${total === 1 ? 'y' : 'ies'} in ${where} (${parts.join(', ')}) by ${modelName}.`;
}

/** The entity types of an IOB2 label set (B-X / I-X → X), in label order: the order decoration colours are given in. */
export function entityTypes(labels: readonly string[]): string[] {
  const types: string[] = [];
  for (const l of labels) {
    const m = /^[BIESLU]-(.+)$/.exec(l);
    if (m && !types.includes(m[1])) types.push(m[1]);
  }
  return types;
}
