// What a run's card may say about the model it started from: its Hub id (only when it provably is one: the run
// recorded it, the folder is a Hugging Face cache snapshot, or a PEFT adapter names it), and what the base's own card
// (README.md YAML front matter, as Hub repos carry it) says about its license and language. Nothing is guessed: a local
// folder without a card gives no license and no language, and the card says so.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { cacheRepoId } from '../../models/modelFolderName';
import type { RunRecord } from '../runStore';

export interface BaseModelInfo {
  /** The base's Hub id ("org/name"), when it is one; undefined for a local folder (the Hub takes no path as base_model). */
  hubId?: string;
  /** The base's folder or name as the run knew it, for the card's text when there is no Hub id. */
  localName: string;
  license?: string;
  /** `license: other` comes with a name and a link (hub-docs repositories-licenses.md). */
  licenseName?: string;
  licenseLink?: string;
  language?: string[];
  /** The datasets the base card lists: what the base was trained on, not this run's data. */
  datasets?: string[];
  /** Why the base's card could not be read, when it exists and could not. */
  problem?: string;
}

/** A Hub repo id as huggingface_hub's validate_repo_id accepts it: `name` or `namespace/name`, no `--` or `..`. */
export function isHubRepoId(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?$/.test(s) && !s.includes('--') && !s.includes('..') && s.length <= 96;
}

/** The YAML front matter of a Markdown card (between the leading `---` lines), parsed; undefined without one. */
export function frontMatter(markdown: string): Record<string, unknown> | undefined {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(\r?\n|$)/.exec(markdown);
  if (!m) return undefined;
  const data = load(m[1]);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error('its YAML front matter is not a mapping');
  return data as Record<string, unknown>;
}

const strings = (v: unknown): string[] | undefined => {
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return list.length ? list : undefined;
};

/**
 * The base of a run: the model folder it trained, or for a run that continued a PEFT adapter folder the base that
 * folder's adapter_config.json names (an absolute path there is a local base; our own adapters write one for a local base).
 */
function baseOf(record: RunRecord): { dir?: string; hubId?: string; name: string } {
  const modelPath = record.config.model;
  const adapterConfig = path.join(modelPath, 'adapter_config.json');
  if (fs.existsSync(adapterConfig)) {
    const base = (JSON.parse(fs.readFileSync(adapterConfig, 'utf8')) as { base_model_name_or_path?: unknown }).base_model_name_or_path;
    if (typeof base === 'string' && base) {
      const local = path.isAbsolute(base) || fs.existsSync(path.resolve(modelPath, base)) ? path.resolve(modelPath, base) : undefined;
      const hubId = local ? cacheRepoId(local) : isHubRepoId(base) ? base : undefined;
      return { dir: local, hubId, name: hubId ?? path.basename(base) };
    }
  }
  const hubId = record.model.hubId ?? cacheRepoId(path.resolve(modelPath));
  return { dir: modelPath, hubId: hubId && isHubRepoId(hubId) ? hubId : undefined, name: hubId ?? path.basename(path.resolve(modelPath)) };
}

export function baseModelInfo(record: RunRecord): BaseModelInfo {
  const base = baseOf(record);
  const info: BaseModelInfo = { hubId: base.hubId, localName: base.name };
  const readme = base.dir ? path.join(base.dir, 'README.md') : undefined;
  if (!readme || !fs.existsSync(readme)) return info;
  let meta: Record<string, unknown> | undefined;
  try {
    meta = frontMatter(fs.readFileSync(readme, 'utf8'));
  } catch (e) {
    return { ...info, problem: `${readme} could not be read as a model card (${(e as Error).message})` };
  }
  if (!meta) return info;
  // A Hub repo's card passed the Hub's license check when it was pushed; a local card may say "Apache 2.0", which the
  // Hub would refuse: only an identifier-shaped value is carried over, anything else is reported instead.
  if (typeof meta.license === 'string' && /^[a-z0-9][a-z0-9.+-]*$/.test(meta.license)) info.license = meta.license;
  else if (meta.license !== undefined) info.problem = `the base model's card gives the license ${JSON.stringify(meta.license)}, not a Hub license identifier, so this card states none`;
  if (typeof meta.license_name === 'string') info.licenseName = meta.license_name;
  if (typeof meta.license_link === 'string') info.licenseLink = meta.license_link;
  info.language = strings(meta.language);
  info.datasets = strings(meta.datasets);
  return info;
}
