// The token tasks' own settings in the quick-pick flow (NER's windows, QA's windows and answer search): which box each
// task asks, and how typed text becomes a setting, checked by the same code as the CLI and config files. Pure.
import { DEFAULT_ARGS, resolveArgs, SettingsError } from '../training/hyperparameters';
import type { RunTask } from '../training/protocol';

/** The token tasks' settings asked after the common ones, with the trainer's defaults (hyperparameters.ts). */
export interface TokenTaskSetting { key: keyof typeof DEFAULT_ARGS; label: string; task: RunTask; kind: 'number' | 'boolean' }

export const TOKEN_TASK_SETTINGS: TokenTaskSetting[] = [
  { key: 'stride', label: 'Window overlap in tokens (long sentences)', task: 'token-classification', kind: 'number' },
  { key: 'labelAllSubwords', label: 'Label every subword (true) or only the first (false)', task: 'token-classification', kind: 'boolean' },
  { key: 'docStride', label: 'Context window overlap in tokens (doc stride)', task: 'question-answering', kind: 'number' },
  { key: 'maxQuestionLength', label: 'Max question length (tokens)', task: 'question-answering', kind: 'number' },
  { key: 'maxAnswerLength', label: 'Max answer length (tokens)', task: 'question-answering', kind: 'number' },
  { key: 'nBestSize', label: 'Start/end candidates (n-best)', task: 'question-answering', kind: 'number' },
  { key: 'nullScoreDiffThreshold', label: 'No-answer threshold (SQuAD v2)', task: 'question-answering', kind: 'number' },
];

/**
 * What an empty box means, in words, and the text the box is pre-filled with ('' where the default depends on another
 * setting: the doc stride is HF's 128 capped at a third of max length).
 */
export function tokenSettingDefault(key: TokenTaskSetting['key']): { text: string; prefill: string } {
  const v = DEFAULT_ARGS[key];
  if (v === undefined) return key === 'docStride' ? { text: '128, at most a third of max length', prefill: '' } : { text: 'unset', prefill: '' };
  return { text: String(v), prefill: String(v) };
}

/** A token-task setting's text → its value, or the CLI's message for it. Empty text: the default (not written). */
export function parseTokenSetting(key: string, kind: 'number' | 'boolean', text: string): { ok: true; value?: number | boolean } | { ok: false; problem: string } {
  const t = text.trim();
  if (t === '') return { ok: true };
  const value: unknown = kind === 'boolean' ? (t === 'true' ? true : t === 'false' ? false : t) : t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
  try {
    resolveArgs({ [key]: value });
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    return { ok: false, problem: e.message.split('\n- ').slice(1).join(' ') || e.message };
  }
  return { ok: true, value: value as number | boolean };
}
