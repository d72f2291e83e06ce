// Lint rules, including the layering of docs/architecture.md, checked per folder of src/.
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

/**
 * The folders of src/, by where their code runs, and which other folders each may import
 * (docs/architecture.md). Nothing imports renderer, main, cli or engine-process.
 */
const layers = {
  shared: { may: [], modules: ['electron', 'onnxruntime-node', ...nodeModules] },
  engine: { may: ['shared'], modules: ['electron', 'onnxruntime-node', ...nodeModules] },
  node: { may: ['shared', 'engine'], modules: ['electron'] },
  'engine-process': {
    may: ['shared', 'engine', 'node'],
    modules: ['onnxruntime-node'],
    typeOnly: ['electron'],
  },
  main: { may: ['shared', 'node'], modules: ['onnxruntime-node'] },
  preload: { may: ['shared'], modules: ['onnxruntime-node', ...nodeModules] },
  renderer: {
    may: ['shared', 'engine'],
    modules: ['electron', 'onnxruntime-node', ...nodeModules],
  },
  cli: { may: ['shared', 'engine', 'node'], modules: ['electron', 'onnxruntime-node'] },
}
/** Folders with an index.ts: code outside them imports only that index. */
const indexed = ['engine', 'node']
const message = 'Layering rule (docs/architecture.md)'

/**
 * The no-restricted-imports rule of one folder: the folders and modules it may not import and,
 * unless `deep` is false (tests), no import past another folder's index.ts.
 */
function layer(folder, deep = true) {
  const { may, modules, typeOnly = [] } = layers[folder]
  const forbidden = Object.keys(layers).filter((f) => f !== folder && !may.includes(f))
  const patterns = forbidden.map((f) => ({ group: [`**/${f}/**`, `**/${f}`], message }))
  const subpaths = modules.filter((m) => m.endsWith('/*'))
  if (subpaths.length) patterns.push({ group: subpaths, message })
  if (deep)
    for (const f of indexed.filter((f) => f !== folder && may.includes(f)))
      patterns.push({
        regex: `(^|/)${f}/(?!index$)`,
        message: `Import ${f} through its index (${f}/index), not a file inside it`,
      })
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          ...modules.filter((m) => !m.endsWith('/*')).map((name) => ({ name, message })),
          ...typeOnly.map((name) => ({ name, message, allowTypeImports: true })),
        ],
        patterns,
      },
    ],
  }
}
const tests = ['**/*.test.ts', '**/test/**']
const sources = (folder) =>
  folder === 'renderer'
    ? ['src/renderer/**/*.ts', 'src/renderer/**/*.svelte']
    : [`src/${folder}/**/*.ts`]

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
  // Type-aware: a promise is awaited, returned or marked `void`; none is passed where a callback
  // returning nothing is expected.
  {
    files: ['**/*.ts', '**/*.svelte'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // each folder's layering; tests may reach past an index to test the unit they are about
  ...Object.keys(layers).flatMap((folder) => [
    { files: sources(folder), ignores: tests, rules: layer(folder) },
    {
      files: [`src/${folder}/**/*.test.ts`, `src/${folder}/**/test/**`],
      rules: layer(folder, false),
    },
  ]),
)
