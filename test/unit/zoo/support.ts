// The generated Hub layout zoo (scripts/fixtures/hubZoo.ts), generated here when `npm run fixtures` has not run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ZOO_OUT, ZOO_REPOS, ZOO_SEED, ZooManifest, generateZoo, zooDirName, type ZooRepoId } from '../../../scripts/fixtures/hubZoo';
import { REPO, generatedOnce } from '../models/support';

const ZOO = path.join(REPO, DEFAULT_ZOO_OUT);

function complete(): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(ZOO, 'manifest.json'), 'utf8')) as ZooManifest;
    return m.seed === ZOO_SEED && ZOO_REPOS.every((id) => m.repos.some((r) => r.id === id));
  } catch {
    return false;
  }
}

export function zooRoot(): string {
  return generatedOnce(ZOO, complete, (into) => generateZoo(into, ZOO_SEED));
}

export function zooRepo(id: ZooRepoId): string {
  return path.join(zooRoot(), zooDirName(id));
}

export function zooManifest(): ZooManifest {
  return JSON.parse(fs.readFileSync(path.join(zooRoot(), 'manifest.json'), 'utf8')) as ZooManifest;
}

/** vocab_size as the repo's config.json says (the zoo reduces the vocabulary; HF sizes the tables from the config). */
export function configVocab(id: ZooRepoId): number {
  return (JSON.parse(fs.readFileSync(path.join(zooRepo(id), 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
}
