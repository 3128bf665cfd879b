// A model card's metadata checked against the Hugging Face Hub's rules, independently of how the card was written:
// the front matter is parsed with js-yaml and validated with ajv against a JSON Schema of the Hub's rules.
//   - model-index: huggingface_hub repocard_data.py (EvalResult: task.type, dataset.type, dataset.name, metrics[].type
//     and .value required) and hub-docs modelcard.md (the spec; name and results per model).
//   - license: hub-docs repositories-licenses.md, the list @huggingface/hub's `License` type spells out (checked below
//     at compile time, so the two cannot drift apart); `other` needs license_name.
//   - pipeline_tag and task.type: @huggingface/tasks PIPELINE_TYPES; library_name: its ALL_MODEL_LIBRARY_KEYS.
//   - base_model: Hub model ids only (hub-docs model-cards.md "specified by their Hub identifiers"), as
//     huggingface_hub utils/_validators.py validate_repo_id accepts them; never a local path. datasets: Hub ids too.
//   - language: ISO 639-1/2/3 codes (ModelCardData.language) that ICU names, or "multilingual" / "code".
import Ajv from 'ajv';
import { load } from 'js-yaml';
// Not re-exported from the package index: the type only (erased at run time), read from its declaration file.
import type { License } from '@huggingface/hub/dist/src/types/public';
import { ALL_MODEL_LIBRARY_KEYS, PIPELINE_TYPES } from '@huggingface/tasks';

export const HUB_LICENSES = [
  'apache-2.0', 'mit', 'openrail', 'bigscience-openrail-m', 'creativeml-openrail-m', 'bigscience-bloom-rail-1.0', 'bigcode-openrail-m', 'afl-3.0',
  'artistic-2.0', 'bsl-1.0', 'bsd', 'bsd-2-clause', 'bsd-3-clause', 'bsd-3-clause-clear', 'c-uda', 'cc', 'cc0-1.0', 'cc-by-2.0', 'cc-by-2.5', 'cc-by-3.0',
  'cc-by-4.0', 'cc-by-sa-3.0', 'cc-by-sa-4.0', 'cc-by-nc-2.0', 'cc-by-nc-3.0', 'cc-by-nc-4.0', 'cc-by-nd-4.0', 'cc-by-nc-nd-3.0', 'cc-by-nc-nd-4.0',
  'cc-by-nc-sa-2.0', 'cc-by-nc-sa-3.0', 'cc-by-nc-sa-4.0', 'cdla-sharing-1.0', 'cdla-permissive-1.0', 'cdla-permissive-2.0', 'wtfpl', 'ecl-2.0', 'epl-1.0',
  'epl-2.0', 'etalab-2.0', 'eupl-1.1', 'agpl-3.0', 'gfdl', 'gpl', 'gpl-2.0', 'gpl-3.0', 'lgpl', 'lgpl-2.1', 'lgpl-3.0', 'isc', 'lppl-1.3c', 'ms-pl',
  'mpl-2.0', 'odc-by', 'odbl', 'openrail++', 'osl-3.0', 'postgresql', 'ofl-1.1', 'ncsa', 'unlicense', 'zlib', 'pddl', 'lgpl-lr', 'deepfloyd-if-license',
  'llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.3', 'gemma', 'apple-ascl', 'apple-amlr', 'unknown', 'other',
] as const satisfies readonly License[];
// Fails to compile when @huggingface/hub's License names one this list lacks.
const _everyLicense: readonly (typeof HUB_LICENSES)[number][] = [] as License[];
void _everyLicense;

/** huggingface_hub validate_repo_id: `name` or `namespace/name`, word characters, '-' and '.', no '--' or '..', not '.git'. */
const REPO_ID = /^(\b[\w\-.]+\b\/)?\b[\w\-.]{1,96}\b$/;
const isRepoId = (s: string) => REPO_ID.test(s) && !s.includes('--') && !s.includes('..') && !s.endsWith('.git');

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const isLanguage = (s: string) => s === 'multilingual' || s === 'code' || (/^[a-z]{2,3}$/.test(s) && languageNames.of(s) !== undefined);

const oneOrMany = (item: object) => ({ anyOf: [item, { type: 'array', minItems: 1, items: item }] });

export const HUB_METADATA_SCHEMA = {
  $comment: 'Hugging Face Hub model card metadata (see the header of modelCardValidator.ts for where each rule comes from).',
  type: 'object',
  required: ['library_name', 'pipeline_tag', 'model-index'],
  properties: {
    library_name: { type: 'string', enum: [...ALL_MODEL_LIBRARY_KEYS] },
    pipeline_tag: { type: 'string', enum: [...PIPELINE_TYPES] },
    license: { type: 'string', enum: [...HUB_LICENSES] },
    license_name: { type: 'string', minLength: 1 },
    license_link: { type: 'string', minLength: 1 },
    base_model: oneOrMany({ type: 'string', format: 'hub-repo-id' }),
    datasets: oneOrMany({ type: 'string', format: 'hub-repo-id' }),
    language: oneOrMany({ type: 'string', format: 'iso-639' }),
    tags: { type: 'array', items: { type: 'string', minLength: 1 } },
    metrics: { type: 'array', items: { type: 'string', minLength: 1 } },
    'model-index': {
      type: 'array', minItems: 1,
      items: {
        type: 'object', required: ['name', 'results'],
        properties: {
          name: { type: 'string', minLength: 1 },
          results: {
            type: 'array',
            items: {
              type: 'object', required: ['task', 'dataset', 'metrics'],
              properties: {
                task: { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: [...PIPELINE_TYPES] }, name: { type: 'string' } } },
                dataset: {
                  type: 'object', required: ['name', 'type'],
                  properties: { name: { type: 'string', minLength: 1 }, type: { type: 'string', minLength: 1 }, split: { type: 'string' }, config: { type: 'string' }, revision: { type: 'string' }, args: {} },
                },
                metrics: {
                  type: 'array', minItems: 1,
                  items: {
                    type: 'object', required: ['type', 'value'],
                    properties: {
                      type: { type: 'string', minLength: 1 }, value: { type: ['number', 'string'] }, name: { type: 'string' }, config: { type: 'string' }, args: {}, verified: { type: 'boolean' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  // repositories-licenses.md: "In case of license: other ... set a name for it in license_name".
  if: { properties: { license: { const: 'other' } }, required: ['license'] },
  then: { required: ['license_name'] },
};

const ajv = new Ajv({ allErrors: true });
ajv.addFormat('hub-repo-id', isRepoId);
ajv.addFormat('iso-639', isLanguage);
const validate = ajv.compile(HUB_METADATA_SCHEMA);

export interface CardCheck {
  ok: boolean;
  /** "<JSON pointer>: <what is wrong>", one per problem. */
  errors: string[];
  metadata?: Record<string, unknown>;
  /** The Markdown after the front matter. */
  body: string;
}

/** Parses README.md's front matter (it must open the file, between `---` lines) and checks it against the Hub's rules. */
export function checkModelCard(markdown: string): CardCheck {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(markdown);
  if (!m) return { ok: false, errors: ['the card does not open with a YAML front matter block between "---" lines'], body: markdown };
  const body = markdown.slice(m[0].length);
  let metadata: unknown;
  try {
    metadata = load(m[1]);
  } catch (e) {
    return { ok: false, errors: [`the front matter is not valid YAML: ${(e as Error).message}`], body };
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return { ok: false, errors: ['the front matter is not a YAML mapping'], body };
  const ok = validate(metadata) === true;
  const errors = ok ? [] : (validate.errors ?? []).map((e) => `${e.dataPath || '/'}: ${e.message}${e.params && 'allowedValues' in e.params ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.length} allowed values)` : ''}`);
  return { ok, errors, metadata: metadata as Record<string, unknown>, body };
}
