// The bundled sample — a seeded tiny BERT and labelled review sentences — that the CLI trains with no arguments and
// the walkthrough copies into a workspace, so a first fine-tune needs neither a download nor data of one's own.
// A packaged extension carries it in sample/ (scripts/package.mjs); a development checkout reads the generated
// fixtures (node dist/tools/fixtures.js), which have the same layout.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Relative to a sample root; the same under sample/ and test/fixtures/generated/workspace/. */
export const SAMPLE_FILES = {
  model: 'models/tiny-bert',
  train: 'data/sentiment_train.csv',
  test: 'data/sentiment_test.csv',
} as const;

/** A randomly initialised tiny model needs a far larger lr than the 2e-5 meant for pretrained BERTs. */
export const SAMPLE_SETTINGS = { learningRate: 3e-3, epochs: 5, batchSize: 16, maxLength: 64 } as const;

/** Where the workspace copy goes: one folder the user can see and delete. */
export const SAMPLE_FOLDER = 'finetune-sample';

export type SamplePaths = { [K in keyof typeof SAMPLE_FILES]: string };

export const samplePaths = (root: string): SamplePaths => ({
  model: path.join(root, SAMPLE_FILES.model),
  train: path.join(root, SAMPLE_FILES.train),
  test: path.join(root, SAMPLE_FILES.test),
});

/** The first root under `packageRoot` that holds every sample file, or undefined (a checkout without fixtures). */
export function bundledSampleRoot(packageRoot: string): string | undefined {
  const candidates = [path.join(packageRoot, 'sample'), path.join(packageRoot, 'test', 'fixtures', 'generated', 'workspace')];
  return candidates.find((root) => Object.values(samplePaths(root)).every((p) => fs.existsSync(p)));
}

export interface SampleCopy {
  paths: SamplePaths;
  /** Entries (of SAMPLE_FILES) copied now. */
  copied: string[];
  /** Entries already in the workspace, left as they are: the user may have edited the data. */
  kept: string[];
}

/** Copies the sample files from one sample root to another, never overwriting what is there. */
export function copySampleFiles(sourceRoot: string, targetRoot: string): SampleCopy {
  const copied: string[] = [];
  const kept: string[] = [];
  for (const rel of Object.values(SAMPLE_FILES)) {
    const to = path.join(targetRoot, rel);
    if (fs.existsSync(to)) {
      kept.push(rel);
      continue;
    }
    // Copy to a sibling temp name, then rename: a half-copied model folder must never look like a model.
    const tmp = `${to}.partial-${process.pid}`;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(path.join(sourceRoot, rel), tmp, { recursive: true });
    fs.renameSync(tmp, to);
    copied.push(rel);
  }
  return { paths: samplePaths(targetRoot), copied, kept };
}

/** The walkthrough's copy: `<workspace>/finetune-sample/`. */
export const copySample = (sourceRoot: string, workspace: string): SampleCopy => copySampleFiles(sourceRoot, path.join(workspace, SAMPLE_FOLDER));
