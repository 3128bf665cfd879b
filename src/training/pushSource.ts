// What a push of a run sends (the run side of a push; src/hub/hubPush.ts is the Hub side): its exported model/ or a
// LoRA run's adapter/, only for a completed run — the same rule as `export`, so a half-trained model never lands on
// the Hub under the run's name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canResume, describeRunState, readRunState, resumeCommand } from './runStatus';
import { readRun } from './runStore';
import { suggestRepoName } from '../hub/repoName';
import { modelCardFor } from './modelCard/modelCard';

export type PushPart = 'model' | 'adapter';

export interface PushSource {
  runId: string;
  folder: string;
  part: PushPart;
  /** A valid repo name made from the run id. */
  defaultRepoName: string;
  commitMessage: string;
  /**
   * The files that replace the folder's own for a push to `repoId`: the model card made again under the repo's name
   * (the export's card names the run). Empty when it cannot be made: the export's card is pushed then.
   */
  extraFiles: (repoId: string) => Record<string, string>;
}

export const hasAdapter = (runDir: string): boolean => fs.existsSync(path.join(runDir, 'adapter', 'adapter_config.json'));

/** The folder to push for `runDir`, or an Error saying why there is none yet and what to do. */
export function pushSource(runDir: string, part: PushPart = 'model'): PushSource {
  const record = readRun(runDir);
  const state = readRunState(runDir);
  if (state.state !== 'completed') {
    throw new Error(`${record.id} is ${describeRunState(state)}: only a completed run is pushed (its model/ folder, if any, is from an earlier export). ${canResume(state.state) ? `Finish it first: ${resumeCommand(runDir)}` : 'Let it finish first.'}`);
  }
  if (part === 'adapter' && !hasAdapter(runDir)) throw new Error(`${record.id} has no LoRA adapter to push (strategy ${record.config.strategy}); push the model instead.`);
  const folder = path.join(runDir, part);
  if (part === 'model' && !fs.existsSync(path.join(folder, 'config.json'))) throw new Error(`${record.id} has no exported model (model/config.json is missing): it is written when the run completes.`);
  return {
    runId: record.id,
    folder,
    part,
    defaultRepoName: suggestRepoName(part === 'adapter' ? `${record.id}-adapter` : record.id),
    commitMessage: `Upload ${part === 'adapter' ? 'LoRA adapter' : 'model'} of run ${record.id} (${record.config.strategy}) from Fine-Tune Studio`,
    extraFiles: (repoId): Record<string, string> => {
      try {
        return { 'README.md': modelCardFor(runDir, { repoId, folder: part }) };
      } catch {
        return {};
      }
    },
  };
}
