// Lint rules, including the layering of architecture.md (habit 3), checked per folder:
// shared <- engine <- main/services, cli; renderer -> shared + engine; nothing imports renderer.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'url',
  'stream',
  'util',
  'events',
  'net',
  'http',
]
const nodeModules = nodeBuiltins.flatMap((m) => [m, `node:${m}`, `node:${m}/*`, `${m}/*`])

/** A no-restricted-imports rule that forbids the given folders (by path fragment) and modules. */
function layer(
  forbiddenFolders,
  forbiddenModules = [],
  message = 'Layering rule (architecture.md habit 3)',
) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: forbiddenModules.map((name) => ({ name, message })),
        patterns: forbiddenFolders.map((f) => ({ group: [`**/${f}/**`, `**/${f}`], message })),
      },
    ],
  }
}

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'out',
      'dist',
      'test-results',
      'coverage',
      'training',
      'models',
      '.cache',
      '.coord',
      'examples',
      'bin',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: layer(
      ['engine', 'main', 'preload', 'renderer', 'cli'],
      ['electron', 'onnxruntime-node', ...nodeModules],
    ),
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: layer(
      ['main', 'preload', 'renderer', 'cli'],
      ['electron', 'onnxruntime-node', ...nodeModules],
    ),
  },
  { files: ['src/main/**/*.ts'], rules: layer(['renderer', 'cli', 'preload']) },
  { files: ['src/cli/**/*.ts'], rules: layer(['renderer', 'preload'], ['electron']) },
  { files: ['src/preload/**/*.ts'], rules: layer(['renderer', 'engine', 'cli', 'main']) },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.svelte'],
    rules: layer(
      ['main', 'cli', 'preload/index'],
      ['electron', 'onnxruntime-node', ...nodeModules],
    ),
  },
)
