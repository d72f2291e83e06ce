/** Bundles the bridge's two non-vite pieces with esbuild: the engine process and the client script. */
import { build } from 'esbuild'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: found upwards from this file (or from the cwd when bundled elsewhere). */
export const repoRoot = findRoot()
const here = join(repoRoot, 'test', 'bridge')

function findRoot(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    let dir = start
    for (;;) {
      if (existsSync(join(dir, 'test', 'bridge', 'engine-process.ts'))) return dir
      const up = dirname(dir)
      if (up === dir) break
      dir = up
    }
  }
  throw new Error('test bridge: cannot find the repository root (run from inside it)')
}
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
