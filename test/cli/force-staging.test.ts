/**
 * `--force` replaces files only when every stem of the run is ready: `unweave separate` and
 * `unweave separate --project`, run in process (run() of src/cli/main.ts) with the move of the
 * third stem into place made to fail. Every file the run was to replace must be byte-identical
 * afterwards and no temp file or kept link may remain; without the failure every file is replaced.
 * The masks come from the tiny-random ONNX fixture (plumbing only).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { analyse, clusterSources, sourceMasks } from '../../src/engine/index'
import { makeRng } from '../../src/engine/cluster/random'
import { run } from '../../src/cli/main'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { loadModel } from '../../src/node/model-store'
import { createOnnxEmbedder } from '../../src/node/onnx-embedder'
import { createProject, saveProject } from '../../src/node/project/index'
import { makeTempDir, writeFloatWav } from '../helpers/audio-fixtures'
import { TINY } from '../helpers/cli'

/** While set, moving a stem's temp file onto a path this matches fails like a failing disk. */
const inject = vi.hoisted(() => ({ failPlacing: undefined as RegExp | undefined, tried: 0 }))
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>()
  const rename: typeof fs.rename = async (from, to) => {
    if (
      inject.failPlacing &&
      String(from).endsWith('.part') &&
      inject.failPlacing.test(String(to))
    ) {
      inject.tried++
      throw Object.assign(new Error(`EIO: i/o error, rename '${String(from)}'`), { code: 'EIO' })
    }
    return fs.rename(from, to)
  }
  return { ...fs, rename, default: { ...fs, rename } }
})

const tmp = makeTempDir('unweave-force-')
afterAll(() => tmp.cleanup())
const RATE = 44100
let dir: string
let input: string
let project: string

beforeAll(async () => {
  dir = tmp.fresh()
  input = join(dir, 'mix.wav')
  const rng = makeRng(11)
  const chans = [0, 1].map((c) =>
    new Float32Array(RATE * 2).map(
      (_, i) => 0.3 * Math.sin((2 * Math.PI * (220 + 150 * c) * i) / RATE) + 0.1 * (rng() * 2 - 1),
    ),
  )
  writeFloatWav(input, chans, RATE)
  const { metadata, onnxPath } = await loadModel(TINY)
  const { embedder } = await createOnnxEmbedder(onnxPath, metadata, { device: 'cpu', threads: 1 })
  const analysis = await analyse(await decodeAudioFile(input), metadata, embedder)
  await embedder.dispose?.()
  const clustering = clusterSources(analysis, 3)
  project = join(dir, 'mix.unweave')
  await saveProject(
    project,
    await createProject({
      audioPath: input,
      audioInfo: { sampleRate: RATE, channels: 2, durationSec: 2 },
      model: { name: metadata.name, version: metadata.version },
      settings: { mask: 'soft', requestedSources: 3 },
      masks: sourceMasks(analysis, clustering, 'soft'),
      clustering: { dim: clustering.dim, centroids: clustering.centroids },
    }),
  )
})

/** Runs the command in process; returns its exit code and what it wrote to stderr. */
async function unweave(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let err = ''
  stderr.on('data', (b: Buffer) => (err += b.toString()))
  stdout.resume()
  const code = await run(argv, { stdout, stderr } as never)
  return { code, stderr: err }
}

/** An --out folder holding an old file at each of the three stem paths, and their bytes. */
function oldStems(): { out: string; paths: string[]; bytes: Buffer[] } {
  const out = join(tmp.fresh(), 'out')
  mkdirSync(out)
  const paths = [1, 2, 3].map((k) => join(out, `mix.source-${k}.wav`))
  paths.forEach((p, k) => writeFileSync(p, `old stem ${k + 1} `.repeat(100 + k)))
  return { out, paths, bytes: paths.map((p) => readFileSync(p)) }
}

const commands = {
  separate: (out: string) => ['separate', input, '--sources', '3', '--out', out, '--model', TINY],
  'separate --project': (out: string) => ['separate', '--project', project, '--out', out],
}

describe.each(Object.entries(commands))('unweave %s --force', (_, args) => {
  it('the third stem cannot be put in place: every old file stays as it was, no temp file left', async () => {
    const { out, paths, bytes } = oldStems()
    inject.failPlacing = /mix\.source-3\.wav$/
    inject.tried = 0
    let r
    try {
      r = await unweave(...args(out), '--force')
    } finally {
      inject.failPlacing = undefined
    }
    expect(inject.tried, 'the failure was met when placing the third stem').toBe(1)
    expect(r.code, r.stderr).toBe(5)
    expect(r.stderr).toMatch(/cannot write .*mix\.source-3\.wav: i\/o error|EIO/)
    paths.forEach((p, k) =>
      expect(readFileSync(p).equals(bytes[k]!), `${p} is the old file`).toBe(true),
    )
    expect(readdirSync(out).sort(), 'no .part files, no kept links').toEqual([
      'mix.source-1.wav',
      'mix.source-2.wav',
      'mix.source-3.wav',
    ])
  })

  it('without a failure every old file is replaced by its stem, nothing else left', async () => {
    const { out, paths } = oldStems()
    const r = await unweave(...args(out), '--force')
    expect(r.code, r.stderr).toBe(0)
    for (const p of paths)
      expect((await decodeAudioFile(p)).channels[0]!.length, `${p} is a new stem`).toBe(RATE * 2)
    expect(readdirSync(out).sort()).toEqual([
      'mix.source-1.wav',
      'mix.source-2.wav',
      'mix.source-3.wav',
    ])
  })
})
