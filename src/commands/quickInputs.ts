// One quick pick or input box of a multi-step flow (quickSteps.ts): a Back button when a step came before, the
// earlier answer pre-selected or pre-filled, Escape (or focus elsewhere, with ignoreFocusOut off) as "cancel".
import * as vscode from 'vscode';
import type { StepContext } from './quickSteps';

/** The answer of one prompt: the value, Back, or undefined when it was dismissed. */
export type Answer<T> = { value: T } | 'back' | undefined;

export interface PickOptions<T extends vscode.QuickPickItem> {
  title: string;
  placeholder?: string;
  /** Loaded while the pick already shows (busy), so a slow list (dataset summaries) never leaves the user waiting blind. */
  items: T[] | Promise<T[]>;
  /** The item to pre-select: the earlier answer after Back. */
  isActive?(item: T): boolean;
  matchOnDetail?: boolean;
  matchOnDescription?: boolean;
  /**
   * A reason to refuse the accepted item (quick pick items cannot be disabled): it is shown as a warning and the pick
   * stays open, so the user chooses again without starting over.
   */
  refuse?(item: T): string | undefined | Promise<string | undefined>;
}

export function pickStep<T extends vscode.QuickPickItem>(options: PickOptions<T>, context: StepContext): Promise<Answer<T>> {
  const qp = vscode.window.createQuickPick<T>();
  qp.title = options.title;
  qp.placeholder = options.placeholder;
  qp.ignoreFocusOut = true;
  qp.matchOnDetail = options.matchOnDetail ?? false;
  qp.matchOnDescription = options.matchOnDescription ?? false;
  if (context.canGoBack) qp.buttons = [vscode.QuickInputButtons.Back];
  return new Promise<Answer<T>>((resolve) => {
    let settled = false;
    const finish = (a: Answer<T>) => {
      if (settled) return;
      settled = true;
      resolve(a);
      qp.dispose();
    };
    qp.onDidTriggerButton((b) => {
      if (b === vscode.QuickInputButtons.Back) finish('back');
    });
    qp.onDidAccept(async () => {
      const item = qp.selectedItems[0] ?? qp.activeItems[0];
      if (!item) return;
      const reason = await options.refuse?.(item);
      if (reason) {
        void vscode.window.showWarningMessage(reason);
        return;
      }
      finish({ value: item });
    });
    qp.onDidHide(() => finish(undefined));
    qp.busy = true;
    qp.show();
    void Promise.resolve(options.items).then(
      (items) => {
        if (settled) return;
        qp.items = items;
        const active = options.isActive ? items.find((i) => options.isActive!(i)) : undefined;
        if (active) qp.activeItems = [active];
        qp.busy = false;
      },
      (e: unknown) => {
        void vscode.window.showErrorMessage((e as Error).message ?? String(e));
        finish(undefined);
      },
    );
  });
}

export interface InputOptions {
  title: string;
  prompt?: string;
  placeholder?: string;
  /** Pre-filled text: the earlier answer after Back, else the default. */
  value: string;
  validate?(text: string): string | undefined;
}

export function inputStep(options: InputOptions, context: StepContext): Promise<Answer<string>> {
  const box = vscode.window.createInputBox();
  box.title = options.title;
  box.prompt = options.prompt;
  box.placeholder = options.placeholder;
  box.value = options.value;
  box.ignoreFocusOut = true;
  if (context.canGoBack) box.buttons = [vscode.QuickInputButtons.Back];
  const check = (text: string) => {
    box.validationMessage = options.validate?.(text);
  };
  check(box.value);
  return new Promise<Answer<string>>((resolve) => {
    let settled = false;
    const finish = (a: Answer<string>) => {
      if (settled) return;
      settled = true;
      resolve(a);
      box.dispose();
    };
    box.onDidTriggerButton((b) => {
      if (b === vscode.QuickInputButtons.Back) finish('back');
    });
    box.onDidChangeValue(check);
    box.onDidAccept(() => {
      check(box.value);
      if (!box.validationMessage) finish({ value: box.value });
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}
