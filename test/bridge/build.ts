/** Bundles the bridge's two non-vite pieces with esbuild: the engine process and the client script. */
import { build } from 'esbuild'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
/** The repository root. */
export const repoRoot = resolve(here, '../..')
/** Bundles live under node_modules so their bare imports (onnxruntime-node, codecs) resolve. */
const cacheDir = join(repoRoot, 'node_modules', '.cache', 'unweave-bridge')

/** Bundles test/bridge/engine-process.ts; returns the .mjs path to fork. */
export async function buildEngineProcess(): Promise<string> {
  mkdirSync(cacheDir, { recursive: true })
  const outfile = join(cacheDir, 'engine-process.mjs')
  await build({
    entryPoints: [join(here, 'engine-process.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  })
  return outfile
}

/** Bundles test/bridge/client.ts to an IIFE; returns its source (a Playwright init script). */
export async function buildClientScript(): Promise<string> {
  const r = await build({
    entryPoints: [join(here, 'client.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    logLevel: 'warning',
  })
  return r.outputFiles[0]!.text
}
