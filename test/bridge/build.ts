/** Bundles the bridge's two non-vite pieces with esbuild: the engine process and the client script. */
import { build } from 'esbuild'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeBundle } from '../../scripts/node-bundle.mjs'

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

/**
 * Bundles test/bridge/engine-process.ts and the engine's cluster worker; returns the .mjs paths
 * (the process to fork, and the worker script for its HostConfig).
 */
export async function buildEngineProcess(): Promise<{ process: string; clusterWorker: string }> {
  mkdirSync(cacheDir, { recursive: true })
  const common = { ...nodeBundle, sourcemap: 'inline' } as const
  const out = {
    process: join(cacheDir, 'engine-process.mjs'),
    clusterWorker: join(cacheDir, 'cluster-worker.mjs'),
  }
  await Promise.all([
    build({ ...common, entryPoints: [join(here, 'engine-process.ts')], outfile: out.process }),
    build({
      ...common,
      entryPoints: [join(repoRoot, 'src/engine-process/cluster-worker.ts')],
      outfile: out.clusterWorker,
    }),
  ])
  return out
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
