// Bundles the command line (src/cli/main.ts) into out/cli/unweave.mjs, started by bin/unweave.js.
// Runs on `npm install` (prepare) and `npm run build:cli`. Dependencies stay external (resolved
// from node_modules at run time: onnxruntime-node is native, the codecs load WASM beside them).
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeBundle } from './node-bundle.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
let build
try {
  ;({ build } = await import('esbuild'))
} catch {
  // prepare must not break an install without dev dependencies; the launcher explains what to do.
  console.warn(
    'build-cli: esbuild is not installed; skipping the CLI build (run npm install, then npm run build:cli)',
  )
  process.exit(0)
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const t = Date.now()
await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'out/cli/unweave.mjs'),
  ...nodeBundle,
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __UNWEAVE_VERSION__: JSON.stringify(pkg.version) },
})
if (!process.argv.includes('--quiet'))
  console.log(`build-cli: out/cli/unweave.mjs (${Date.now() - t} ms)`)
