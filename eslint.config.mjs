// Flat config: typescript-eslint's recommended rules over sources, tests and scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'media/dist/**', 'node_modules/**', 'test/harness/node_modules/**', 'test/fixtures/generated/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', require: 'readonly', module: 'writable', performance: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', fetch: 'readonly', AbortController: 'readonly', window: 'readonly', document: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Layers, bottom up: util → onnx → models / data / hub → training / inference → views, commands, webview, extension.
  // A lower layer never imports a higher one (the ONNX IR and device choice sit at the bottom so models can build graphs
  // without reaching into the trainer).
  ...layerRules(),
);

function layerRules() {
  const above = (...layers) => layers.flatMap((l) => [`**/src/${l}/**`, `**/src/${l}`, `../${l}/*`, `../../${l}/*`, `../../../${l}/*`]);
  const upper = ['training', 'inference', 'views', 'commands', 'webview', 'services', 'extension', 'cli'];
  const rule = (files, layers, why) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: above(...layers), message: why }] }] },
  });
  return [
    rule(['src/util/**/*.ts'], ['onnx', 'models', 'data', 'hub', ...upper], 'src/util is the bottom layer: it imports nothing of the project.'),
    rule(['src/onnx/**/*.ts'], ['models', 'data', 'hub', ...upper], 'src/onnx (graph IR, serialisation, device choice) imports only src/util.'),
    rule(['src/models/**/*.ts', 'src/data/**/*.ts', 'src/hub/**/*.ts'], upper, 'models, data and hub are below training, inference and the UI: move the shared piece down instead.'),
  ];
}
