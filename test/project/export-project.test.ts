/**
 * Exporting an edited project: `unweave separate --project` and the app's path (exportProjectStems
 * in process) write byte-identical stems; the stems sum to the input; an edit changes the samples
 * only around the frames it touched. The masks come from the real engine on the tiny-random ONNX
 * fixture (random weights: PLUMBING only, no quality claim).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyse, clusterSources, sourceMasks } from '../../src/engine/index'
import { makeRng } from '../../src/engine/cluster/random'
import { rectangleSelection, touchedSampleRange } from '../../src/engine/edits/index'
import { createOnnxEmbedder } from '../../src/node/onnx-embedder'
import { decodeAudioFile } from '../../src/node/audio-decode'
import {
  exportProjectStems,
  projectStemPaths,
  createProject,
  openProject,
  projectEditor,
  saveProject,
  withEditorState,
  type ProjectData,
} from '../../src/node/project/index'
import { loadModel } from '../../src/node/model-store'
import { cli, ROOT, TINY } from '../helpers/cli'
import { makeTempDir, writeFloatWav } from '../helpers/audio-fixtures'

const tmp = makeTempDir('unweave-project-export-')
afterAll(() => tmp.cleanup())
const fresh = tmp.fresh

const RATE = 44100
const SEC = 3
let audioPath: string
let plain: ProjectData
let edited: ProjectData
let editedFile: string
let plainFile: string
/** The edit: model frames 60..79, bins 20..120 painted onto source 2. */
const EDIT = { frameStart: 60, frameEnd: 80 }

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs'), '--quiet'], { cwd: ROOT })
  const dir = fresh()
  audioPath = join(dir, 'mix.wav')
  const rng = makeRng(5)
  const len = RATE * SEC
  const chans = [0, 1].map((c) =>
    new Float32Array(len).map(
      (_, i) => 0.3 * Math.sin((2 * Math.PI * (330 + 97 * c) * i) / RATE) + 0.1 * (rng() * 2 - 1),
    ),
  )
  writeFloatWav(audioPath, chans, RATE)
  const { metadata, onnxPath } = await loadModel(TINY)
  const { embedder } = await createOnnxEmbedder(onnxPath, metadata, { device: 'cpu', threads: 1 })
  const audio = await decodeAudioFile(audioPath)
  const analysis = await analyse(audio, metadata, embedder)
  await embedder.dispose?.()
  const clustering = clusterSources(analysis, 3)
  plain = await createProject({
    audioPath,
    audioInfo: { sampleRate: RATE, channels: 2, durationSec: SEC },
    model: { name: metadata.name, version: metadata.version },
    settings: { mask: 'soft', requestedSources: 3 },
    masks: sourceMasks(analysis, clustering, 'soft'),
    clustering: { dim: clustering.dim, centroids: clustering.centroids },
  })
  const ed = projectEditor(plain)
  ed.edit({
    action: { type: 'assign', to: 2 },
    selection: rectangleSelection(
      ed.masks,
      { frame: EDIT.frameStart, bin: 20 },
      { frame: EDIT.frameEnd - 1, bin: 120 },
    ),
  })
  edited = withEditorState(plain, ed)
  editedFile = join(dir, 'edited.unweave')
  plainFile = join(dir, 'plain.unweave')
  await saveProject(editedFile, edited)
  await saveProject(plainFile, plain)
})

const read32f = async (p: string): Promise<Float32Array[]> => (await decodeAudioFile(p)).channels

describe.skipIf(!existsSync(TINY))('unweave separate --project', () => {
  it('writes stems that sum to the input, byte-identical to the in-process (app) export', async () => {
    const out = fresh()
    const r = cli('separate', '--project', editedFile, '--out', out, '--bits', '32f', '--json')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const rep = JSON.parse(r.stdout)
    expect(rep.edits).toBe(1)
    expect(rep.sources.map((s: { path: string }) => s.path)).toEqual(
      projectStemPaths(edited, out, 'wav'),
    )
    const input = await read32f(audioPath)
    const stems = await Promise.all(rep.sources.map((s: { path: string }) => read32f(s.path)))
    let worst = 0
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < input[c].length; i++) {
        const s = stems[0][c][i] + stems[1][c][i] + stems[2][c][i]
        worst = Math.max(worst, Math.abs(s - input[c][i]))
      }
    expect(worst).toBeLessThan(1e-4)
    // The app's path: open the project and call the same export in process.
    const app = fresh()
    const opened = await openProject(editedFile)
    const res = await exportProjectStems(opened.project, {
      outDir: app,
      format: 'wav',
      bits: '32f',
    })
    for (let s = 0; s < 3; s++)
      expect(readFileSync(res.files[s].path).equals(readFileSync(rep.sources[s].path))).toBe(true)
    // FLAC 16 too.
    const f1 = fresh()
    const f2 = fresh()
    expect(
      cli('separate', '--project', editedFile, '--out', f1, '--format', 'flac', '--bits', '16')
        .status,
    ).toBe(0)
    await exportProjectStems(opened.project, { outDir: f2, format: 'flac', bits: 16 })
    for (const f of readdirSync(f1))
      expect(readFileSync(join(f1, f)).equals(readFileSync(join(f2, f)))).toBe(true)
  })

  it('an edit changes the samples only around the frames it touched', async () => {
    const a = fresh()
    const b = fresh()
    expect(cli('separate', '--project', plainFile, '--out', a, '--bits', '32f').status).toBe(0)
    expect(cli('separate', '--project', editedFile, '--out', b, '--bits', '32f').status).toBe(0)
    const range = touchedSampleRange(plain.automatic, EDIT, RATE, RATE * SEC)
    let changedInside = 0
    for (const f of readdirSync(a)) {
      const x = await read32f(join(a, f))
      const y = await read32f(join(b, f))
      for (let c = 0; c < 2; c++)
        for (let i = 0; i < x[c].length; i++) {
          if (x[c][i] === y[c][i]) continue
          expect(i >= range.start && i < range.start + range.length, `${f} sample ${i}`).toBe(true)
          changedInside++
        }
    }
    expect(changedInside).toBeGreaterThan(1000)
    // The edited region is a small part of the file.
    expect(range.length).toBeLessThan((RATE * SEC) / 3)
  })

  it('errors: usage (2), missing recording and damaged project (3), existing stems (5)', async () => {
    expect(cli('separate', '--project', editedFile, '--sources', '3').status).toBe(2)
    const both = cli('separate', audioPath, '--project', editedFile)
    expect(both.status).toBe(2)
    expect(both.stderr).toMatch(/either an input file or --project/)
    const dir = fresh()
    const bad = join(dir, 'bad.unweave')
    writeFileSync(bad, 'not a project')
    const r = cli('separate', '--project', bad, '--out', dir)
    expect(r.status).toBe(3)
    expect(r.stderr).toMatch(/not a valid Unweave project/)
    const out = fresh()
    expect(cli('separate', '--project', editedFile, '--out', out).status).toBe(0)
    const again = cli('separate', '--project', editedFile, '--out', out)
    expect(again.status).toBe(5)
    expect(again.stderr).toMatch(/exist already.*--force/)
    expect(cli('separate', '--project', editedFile, '--out', out, '--force').status).toBe(0)
    // The recording moved away: exit 3, nothing written.
    const moved = audioPath + '.moved'
    renameSync(audioPath, moved)
    try {
      const out2 = fresh()
      const m = cli('separate', '--project', editedFile, '--out', out2)
      expect(m.status).toBe(3)
      expect(m.stderr).toMatch(/missing.*Locate/)
      expect(readdirSync(out2)).toEqual([])
    } finally {
      renameSync(moved, audioPath)
    }
  })
})
