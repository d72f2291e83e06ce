// Runs a TypeScript entry point (bench, eval) by bundling it with esbuild into a temp file.
import { build } from 'esbuild'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { nodeBundle } from './node-bundle.mjs'

const entry = process.argv[2]
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args…]')
  process.exit(2)
}
// Bundle inside node_modules/.cache so that external packages (fft.js, onnxruntime-node) resolve.
const cacheDir = resolve('node_modules/.cache')
mkdirSync(cacheDir, { recursive: true })
const outfile = join(mkdtempSync(join(cacheDir, 'unweave-run-')), 'entry.mjs')
await build({ ...nodeBundle, entryPoints: [resolve(entry)], outfile, sourcemap: 'inline' })
process.argv.splice(2, 1)
await import(pathToFileURL(outfile).href)
