// Bench: extension activation outside VS Code. A fresh Node process loads dist/extension.js with a stub `vscode`
// module (every API call answers another stub) and times require() and activate(); repeated in new processes, median
// reported. This measures our code's share of activation (module loading, view construction), not VS Code's own.
import { spawnSync } from 'node:child_process';
import Module from 'node:module';
import * as path from 'node:path';
import { args, emit, median } from './lib/stats';

/** A value that is callable, constructible and has every property: the vscode API as far as activate() can tell. */
function stub(): unknown {
  const target = function () {
    /* stub */
  };
  const handler: ProxyHandler<typeof target> = {
    get: (_t, key) => (key === Symbol.toPrimitive ? () => '' : key === 'then' ? undefined : stub()),
    apply: () => stub(),
    construct: () => stub() as object,
  };
  return new Proxy(target, handler);
}

/**
 * The module object: esbuild's __toESM copies a module's OWN properties, so the API's namespaces are listed here;
 * the classes our views extend or instantiate are real minimal classes.
 */
function vscodeModule(): Record<string, unknown> {
  class TreeItem {
    constructor(public label: unknown, public collapsibleState?: unknown) {}
  }
  class EventEmitter {
    private listeners: ((e: unknown) => void)[] = [];
    event = (l: (e: unknown) => void) => {
      this.listeners.push(l);
      return { dispose: () => undefined };
    };
    fire(e: unknown): void {
      for (const l of this.listeners) l(e);
    }
    dispose(): void {
      this.listeners = [];
    }
  }
  class Disposable {
    constructor(private readonly fn: () => void = () => undefined) {}
    dispose(): void {
      this.fn();
    }
    static from(): Disposable {
      return new Disposable();
    }
  }
  class ThemeIcon {
    constructor(public id: string, public color?: unknown) {}
  }
  const names = ['window', 'commands', 'workspace', 'languages', 'env', 'extensions', 'l10n', 'Uri', 'TreeItemCollapsibleState', 'ThemeColor', 'ProgressLocation',
    'StatusBarAlignment', 'ViewColumn', 'MarkdownString', 'RelativePattern', 'ConfigurationTarget', 'Range', 'Position', 'Selection', 'FileType', 'QuickPickItemKind'];
  return { ...Object.fromEntries(names.map((n) => [n, stub()])), TreeItem, EventEmitter, Disposable, ThemeIcon };
}

async function once(bundle: string): Promise<void> {
  const vscode = vscodeModule();
  const m = Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown };
  const load = m._load;
  m._load = (req, parent, isMain) => (req === 'vscode' ? vscode : load(req, parent, isMain));
  const t0 = performance.now();
  const ext = require(bundle) as { activate: (ctx: unknown) => unknown };
  const t1 = performance.now();
  const subscriptions: unknown[] = [];
  await ext.activate({ subscriptions, extensionPath: path.dirname(path.dirname(bundle)), extensionUri: stub(), globalState: stub(), workspaceState: stub(), globalStorageUri: stub(), storageUri: stub(), asAbsolutePath: (p: string) => p });
  const t2 = performance.now();
  const ortLoaded = Object.keys(require.cache).some((k) => k.includes('onnxruntime') || k.includes('@huggingface'));
  emit({ requireMs: t1 - t0, activateMs: t2 - t1, ortLoaded, subscriptions: subscriptions.length });
}

function main(): void {
  const a = args();
  const bundle = path.resolve(a.get('bundle') ?? path.join(__dirname, '..', 'extension.js'));
  if (a.get('once') === 'true') {
    once(bundle).catch((e: unknown) => {
      console.error(e instanceof Error ? e.stack ?? e.message : e);
      process.exit(1);
    });
    return;
  }
  const reps = Number(a.get('reps') ?? 5);
  const runs: { requireMs: number; activateMs: number; ortLoaded: boolean; subscriptions: number }[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const r = spawnSync(process.execPath, [__filename, '--once', '--bundle', bundle], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation child failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    // The first process warms the OS file cache; it is not counted.
    if (i > 0) runs.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  emit({ reps, bundle, requireMs: median(runs.map((r) => r.requireMs)), activateMs: median(runs.map((r) => r.activateMs)), ortLoaded: runs.some((r) => r.ortLoaded), subscriptions: runs[0].subscriptions });
}

main();
