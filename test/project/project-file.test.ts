/**
 * Project files: save -> open gives identical masks and history; damaged, foreign and newer files
 * fail with InputError; a missing or changed recording is reported as data; saving is atomic.
 * Synthetic masks (plumbing).
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRng } from '../../src/engine/cluster/random'
import {
  brushSelection,
  EditableMasks,
  rectangleSelection,
  timeRangeSelection,
} from '../../src/engine/edits/index'
import {
  checkProjectAudio,
  createProject,
  decodeProject,
  encodeProject,
  openProject,
  projectEditor,
  relocateAudio,
  saveProject,
  withEditorState,
  type ProjectData,
} from '../../src/node/project/index'
import { InputError, OutputError } from '../../src/shared/errors'
import { makeTempDir, writeFloatWav } from '../helpers/audio-fixtures'
import { randomSoftMasks } from '../edits/grid'

const tmp = makeTempDir('unweave-project-')
afterAll(() => tmp.cleanup())
const fresh = tmp.fresh
const same = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.length === b.length &&
  a.every((x, s) =>
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
      Buffer.from(b[s].buffer, b[s].byteOffset, b[s].byteLength),
    ),
  )

function writeAudio(path: string, seed = 1): void {
  const rng = makeRng(seed)
  writeFloatWav(path, [new Float32Array(16000).map(() => rng() - 0.5)], 16000)
}

async function editedProject(
  dir: string,
): Promise<{ project: ProjectData; editor: EditableMasks }> {
  const audioPath = join(dir, 'song.wav')
  writeAudio(audioPath)
  const base = await createProject({
    audioPath,
    audioInfo: { sampleRate: 16000, channels: 1, durationSec: 1 },
    model: { name: 'tiny-random', version: '0.0.1' },
    settings: { mask: 'soft', requestedSources: 3 },
    masks: randomSoftMasks(3, 63, 257, 4),
    clustering: { dim: 4, centroids: new Float32Array(12).map((_, i) => i / 12) },
  })
  const editor = projectEditor(base)
  const rng = makeRng(8)
  for (let i = 0; i < 30; i++) {
    const p = { frame: rng() * 63, bin: rng() * 257 }
    const st = editor.beginStroke({ type: 'assign', to: i % 3 })
    st.add(brushSelection(editor.masks, [p], { radius: 4, softness: 0.5 }))
    st.add(
      brushSelection(editor.masks, [p, { frame: p.frame + 5, bin: p.bin + 9 }], {
        radius: 4,
        softness: 0.5,
      }),
    )
    st.end()
  }
  editor.edit({
    action: { type: 'move', from: 0, to: 2 },
    selection: timeRangeSelection(editor.masks, 10, 20),
  })
  editor.edit({
    action: { type: 'restore' },
    selection: rectangleSelection(editor.masks, { frame: 0, bin: 0 }, { frame: 5, bin: 100 }),
  })
  editor.undo()
  editor.undo()
  const project = withEditorState(base, editor)
  project.sources[1] = { name: 'Vocals', colour: '#ff0000' }
  return { project, editor }
}

describe('project files', () => {
  it('save -> open: identical automatic masks, edited masks, history, sources and settings', async () => {
    const dir = fresh()
    const { project, editor } = await editedProject(dir)
    const file = join(dir, 'song.unweave')
    const saved = await saveProject(file, project)
    expect(saved.bytes).toBeGreaterThan(0)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const opened = await openProject(file)
    expect(opened.audio.status).toBe('ok')
    expect(opened.version).toBe(1)
    const p = opened.project
    expect(same(p.automatic.masks, project.automatic.masks)).toBe(true)
    expect(p.history.undo).toEqual(project.history.undo)
    expect(p.history.redo).toEqual(project.history.redo)
    expect(p.history.undo.length).toBe(30)
    expect(p.history.redo.length).toBe(2)
    expect(p.sources[1]).toEqual({ name: 'Vocals', colour: '#ff0000' })
    expect(p.settings).toEqual({ mask: 'soft', requestedSources: 3 })
    expect(p.model).toEqual({ name: 'tiny-random', version: '0.0.1' })
    expect(Array.from(p.clustering!.centroids)).toEqual(Array.from(project.clustering!.centroids))
    const ed = projectEditor(p)
    expect(same(ed.masks.masks, editor.masks.masks)).toBe(true)
    // Undo after reopening restores exactly what the original session's undo gives.
    const ed2 = projectEditor(p)
    const orig = projectEditor(project)
    for (let i = 0; i < 5; i++) {
      ed2.undo()
      orig.undo()
    }
    expect(same(ed2.masks.masks, orig.masks.masks)).toBe(true)
    while (ed2.undo());
    expect(same(ed2.masks.masks, p.automatic.masks)).toBe(true)
    // Redo after reopening re-applies exactly what the original redo gives.
    ed.redo()
    editor.redo()
    expect(same(ed.masks.masks, editor.masks.masks)).toBe(true)
    // Saving again over the file (atomic replace) keeps createdAt.
    await saveProject(file, withEditorState(p, ed))
    const again = await openProject(file)
    expect(again.project.createdAt).toBe(p.createdAt)
    expect(again.project.history.undo.length).toBe(31)
  })

  it('the container is a standard zip (CRCs checked by an independent reader) and deterministic', async () => {
    const dir = fresh()
    const { project } = await editedProject(dir)
    const file = join(dir, 'song.unweave')
    await saveProject(file, project)
    const bytes = readFileSync(file)
    // fflate lists the same entries, manifest first; the manifest is deflated, the rest stored
    const files = unzipSync(bytes)
    expect(Object.keys(files)).toEqual([
      'manifest.json',
      'masks.bin',
      'history.bin',
      'centroids.bin',
    ])
    expect(JSON.parse(strFromU8(files['manifest.json']!)).format).toBe('unweave-project')
    // Python's zipfile verifies every entry's CRC-32 and size
    const py = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip())', file],
      { encoding: 'utf8' },
    )
    if (py.error) console.log(`skipped the Python zipfile check: ${py.error.message}`)
    else expect(py.stdout.trim(), py.stderr).toBe('None')
    // the same project gives the same bytes apart from the save time in the manifest
    const again = await encodeProject({ ...project, savedAt: undefined }, file)
    const m1 = JSON.parse(strFromU8(unzipSync(again)['manifest.json']!))
    expect(Object.keys(unzipSync(again))).toEqual(Object.keys(files))
    expect(m1.entries).toEqual(JSON.parse(strFromU8(files['manifest.json']!)).entries)
  })

  it('hard masks are stored as labels and round-trip', async () => {
    const dir = fresh()
    const audioPath = join(dir, 'a.wav')
    writeAudio(audioPath)
    const masks = randomSoftMasks(2, 40, 257)
    for (let i = 0; i < masks.masks[0].length; i++) {
      const h = masks.masks[0][i] > 0.5 ? 1 : 0
      masks.masks[0][i] = h
      masks.masks[1][i] = 1 - h
    }
    const project = await createProject({
      audioPath,
      model: { name: 'm', version: '1' },
      settings: { mask: 'hard' },
      masks,
    })
    const bytes = await encodeProject(project)
    const man = JSON.parse(strFromU8(unzipSync(bytes)['manifest.json']))
    expect(man.masks.encoding).toBe('labels-u8')
    expect(same((await decodeProject(bytes)).project.automatic.masks, masks.masks)).toBe(true)
  })

  it('damaged, foreign and newer files fail with InputError saying what is wrong', async () => {
    const dir = fresh()
    const { project } = await editedProject(dir)
    const good = await encodeProject(project, join(dir, 'x.unweave'))
    const files = unzipSync(good)
    const man = JSON.parse(strFromU8(files['manifest.json']))
    const rezip = (over: Record<string, Uint8Array>): Uint8Array => zipSync({ ...files, ...over })
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /empty/],
      ['text', strToU8('hello, this is not a project'), /container cannot be read|not a valid/],
      ['truncated', good.subarray(0, Math.floor(good.length / 2)), /not a valid Unweave project/],
      ['no manifest', zipSync({ 'masks.bin': files['masks.bin'] }), /no manifest/],
      ['bad json', rezip({ 'manifest.json': strToU8('{"format": ') }), /not valid JSON/],
      [
        'foreign',
        rezip({ 'manifest.json': strToU8(JSON.stringify({ ...man, format: 'other' })) }),
        /format 'unweave-project'/,
      ],
      [
        'newer',
        rezip({ 'manifest.json': strToU8(JSON.stringify({ ...man, version: 99 })) }),
        /newer Unweave.*format 99/,
      ],
      [
        'bad grid',
        rezip({
          'manifest.json': strToU8(JSON.stringify({ ...man, grid: { ...man.grid, frames: 64 } })),
        }),
        /do not fit|bytes, expected|not a valid/,
      ],
      [
        'flipped mask byte',
        rezip({ 'masks.bin': files['masks.bin'].map((b, i) => (i === 100 ? b ^ 1 : b)) }),
        /checksum/,
      ],
      [
        'bad history',
        rezip({
          'manifest.json': strToU8(
            JSON.stringify({
              ...man,
              history: {
                ...man.history,
                undo: [{ ...man.history.undo[0], action: { type: 'assign', to: 7 } }],
              },
            }),
          ),
        }),
        /undo\[0\].*source 7/,
      ],
      [
        'missing sources',
        rezip({ 'manifest.json': strToU8(JSON.stringify({ ...man, sources: [] })) }),
        /name and colour/,
      ],
      [
        'bad stereo cue',
        rezip({
          'manifest.json': strToU8(
            JSON.stringify({ ...man, settings: { ...man.settings, stereoCue: 'wide' } }),
          ),
        }),
        /stereo cue setting is not a weight/,
      ],
    ]
    for (const [name, bytes, re] of cases) {
      const file = join(dir, `${name.replace(/ /g, '-')}.unweave`)
      writeFileSync(file, bytes)
      const err = await openProject(file).catch((e) => e)
      expect(err, name).toBeInstanceOf(InputError)
      expect(err.message, name).toMatch(re)
      expect(err.exitCode).toBe(3)
    }
    await expect(openProject(join(dir, 'nope.unweave'))).rejects.toThrow(/does not exist/)
    await expect(openProject(dir)).rejects.toThrow(/is a folder/)
  })

  it('reports a missing or changed recording as data; locating the file fixes it', async () => {
    const dir = fresh()
    const { project } = await editedProject(dir)
    const file = join(dir, 'song.unweave')
    await saveProject(file, project)
    // Changed content (same size).
    copyFileSync(project.audio.path, join(dir, 'orig.wav'))
    writeAudio(project.audio.path, 2)
    let opened = await openProject(file)
    expect(opened.audio.status).toBe('changed')
    expect(opened.audio.status === 'changed' && opened.audio.message).toMatch(/has changed/)
    // Missing.
    renameSync(project.audio.path, join(dir, 'other.wav'))
    opened = await openProject(file)
    expect(opened.audio).toMatchObject({ status: 'missing' })
    expect(opened.audio.status === 'missing' && opened.audio.message).toMatch(/missing.*Locate/)
    // Locate: a file with other content is refused, the original accepted.
    expect((await relocateAudio(opened.project, join(dir, 'other.wav'))).audio.status).toBe(
      'changed',
    )
    const loc = await relocateAudio(opened.project, join(dir, 'orig.wav'))
    expect(loc.audio.status).toBe('ok')
    expect(loc.project.audio.path).toBe(join(dir, 'orig.wav'))
    expect((await checkProjectAudio(loc.project)).status).toBe('ok')
  })

  it('a moved folder (project + recording) still finds the recording by its relative path', async () => {
    const dir = fresh()
    const { project } = await editedProject(dir)
    await saveProject(join(dir, 'song.unweave'), project)
    const moved = join(fresh(), 'moved')
    renameSync(dir, moved)
    const opened = await openProject(join(moved, 'song.unweave'))
    expect(opened.audio.status).toBe('ok')
    expect(opened.project.audio.path).toBe(join(moved, 'song.wav'))
  })

  it('a failed save leaves the old file intact and says why (OutputError)', async () => {
    if (process.getuid?.() === 0) return // root writes anywhere
    const dir = fresh()
    const { project } = await editedProject(dir)
    const file = join(dir, 'song.unweave')
    await saveProject(file, project)
    const before = readFileSync(file)
    chmodSync(dir, 0o555)
    try {
      await expect(saveProject(file, project)).rejects.toBeInstanceOf(OutputError)
    } finally {
      chmodSync(dir, 0o755)
    }
    expect(readFileSync(file).equals(before)).toBe(true)
    expect(existsSync(file)).toBe(true)
  })

  it('editor state is independent of the saved project (history replay, not copies)', async () => {
    const dir = fresh()
    const { project } = await editedProject(dir)
    const a = projectEditor(project)
    const b = projectEditor(project)
    a.edit({ action: { type: 'split' }, selection: timeRangeSelection(a.masks, 0, 3) })
    expect(same(b.masks.masks, a.masks.masks)).toBe(false)
    expect(project.history.undo.length).toBe(30)
  })
})
