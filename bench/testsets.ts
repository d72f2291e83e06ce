/**
 * The training pipeline's evaluation splits on disk, as `npm run eval` and `npm run fit-count`
 * read them: <root>/<split>/manifest.json ({ mixtures: [{ id, mix, sources: [...] }] }, paths
 * relative to the split's folder), written by `python3 -m unweave_train.data.testsets`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Manifest {
  split: string
  category?: string
  description?: string
  mixtures: { id: string; mix: string; sources: string[]; category?: string }[]
}

/** The splits under root that have a manifest: sorted, or only the `wanted` ones in their order. */
export function listSplits(root: string, wanted?: string[]): string[] {
  const here = readdirSync(root).filter((d) => existsSync(join(root, d, 'manifest.json')))
  return wanted ? [...new Set(wanted)].filter((d) => here.includes(d)) : here.sort()
}

export function readManifest(root: string, split: string): Manifest {
  return JSON.parse(readFileSync(join(root, split, 'manifest.json'), 'utf8')) as Manifest
}
