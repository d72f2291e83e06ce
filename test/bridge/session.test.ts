/**
 * The test bridge end to end without a browser: HTTP calls in the bridge's wire format to the
 * real SessionService -> EngineClient -> forked EngineHost -> engine + onnxruntime, on the
 * plumbing model (test/fixtures/tiny-random: random weights, so no quality is asserted).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodeAudioFile } from '../../src/node/audio-decode'
import type { ArgsOf, Channel, IpcResult, ResultOf } from '../../src/shared/ipc'
import { jsMixture, writeWavFloat } from './audio-fixtures'
import { repoRoot } from './build'
import { startBridge, type Bridge } from './server'
import { decode, encode } from './wire'

const dir = mkdtempSync(join(tmpdir(), 'unweave-session-'))
let bridge: Bridge

async function call<C extends Channel>(
  channel: C,
  args: ArgsOf<C> | Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<IpcResult<ResultOf<C>>> {
  const { chunks } = encode(args)
  const res = await fetch(`${bridge.url}__bridge/invoke/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: Buffer.concat(chunks),
  })
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  return decode(await res.arrayBuffer()) as IpcResult<ResultOf<C>>
}

async function ok<C extends Channel>(channel: C, args: ArgsOf<C> | Record<string, unknown> = {}) {
  const r = await call(channel, args)
  if (r.type !== 'ok') throw new Error(`${channel}: ${r.code}: ${r.message}`)
  return r.value
}

const input = jsMixture(4, 44100)
const mixPath = join(dir, 'mix.wav')

// Long enough that an analysis is still running when a cancel arrives. Made before the bridge
// starts: seconds of synchronous work between two requests let the server close the client's
// idle keep-alive socket just as the next request goes out on it (ECONNRESET).
const longPath = join(dir, 'long.wav')

beforeAll(async () => {
  writeWavFloat(mixPath, input, 44100)
  writeWavFloat(longPath, jsMixture(120, 44100), 44100)
  const rendererDir = join(dir, 'renderer')
  mkdirSync(rendererDir)
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>')
  bridge = await startBridge({
    userDataDir: join(dir, 'user-data'),
    rendererDir,
    modelPath: join(repoRoot, 'test/fixtures/tiny-random.json'),
  })
})
afterAll(async () => {
  await bridge?.close()
})

describe('test bridge + session service + engine host', () => {
  it('serves the renderer with the CSP and refuses cross-origin calls', async () => {
    const res = await fetch(bridge.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    const evil = await fetch(`${bridge.url}__bridge/invoke/getAppInfo`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      body: Buffer.concat(encode({}).chunks),
    })
    expect(evil.status).toBe(403)
    expect((await fetch(`${bridge.url}../../etc/passwd`)).status).not.toBe(200)
    expect(await ok('getAppInfo')).toMatchObject({ bridge: true })
  })

  it('refuses bad paths with clear messages', async () => {
    expect(await call('openFile', { path: 'mix.wav' })).toMatchObject({
      type: 'error',
      code: 'invalid-argument',
    })
    expect(await call('openFile', { path: join(dir, 'nope.wav') })).toMatchObject({
      type: 'error',
      code: 'input',
      message: expect.stringMatching(/does not exist/),
    })
    writeFileSync(join(dir, 'junk.wav'), 'not audio at all')
    expect(await call('openFile', { path: join(dir, 'junk.wav') })).toMatchObject({
      type: 'error',
      code: 'input',
    })
    expect(await call('openFileDialog')).toEqual({ type: 'ok', value: null })
  })

  it('opens, separates, re-clusters, plays and exports stems that sum to the input', async () => {
    bridge.dialogs.open.push(mixPath)
    const file = (await ok('openFileDialog'))!
    expect(file).toMatchObject({
      name: 'mix.wav',
      sampleRate: 44100,
      channels: 2,
      length: input[0]!.length,
    })
    expect((await ok('listRecentFiles'))[0]).toMatchObject({ path: mixPath, exists: true })

    const spec = await ok('getSpectrogram', { fileId: file.fileId })
    const g = file.spectrogram
    expect(spec.db).toBeInstanceOf(Uint8Array)
    expect(spec.db.length).toBe(g.frames * g.bins)
    expect(g.sampleRate).toBe(44100)
    const page = await ok('getSpectrogram', { fileId: file.fileId, range: { from: 10, to: 20 } })
    expect(page.db).toEqual(spec.db.subarray(10 * g.bins, 20 * g.bins))

    const peaks = await ok('getPeaks', { fileId: file.fileId, peaksPerSecond: 100 })
    expect(peaks.channels).toHaveLength(2)
    expect(peaks.channels[0]!.length).toBe(2 * peaks.length)

    const audio = await ok('getAudio', { fileId: file.fileId, range: { from: 1000, to: 2000 } })
    expect(audio.channels[1]).toEqual(input[1]!.subarray(1000, 2000))

    const seen = bridge.events.length
    const three = await ok('cluster', { fileId: file.fileId, sourceCount: 3, taskId: 'sep-1' })
    expect(three.sourceCount).toBe(3)
    expect(three.sources.reduce((a, s) => a + s.energyShare, 0)).toBeCloseTo(1, 5)
    expect(three.suggestion.count).toBeGreaterThanOrEqual(1)
    const progress = bridge.events.slice(seen).filter((e) => e.type === 'progress')
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((e) => e.type === 'progress' && e.taskId === 'sep-1')).toBe(true)

    const masks = await ok('getMasks', { separationId: three.separationId })
    expect(masks.masks).toHaveLength(3)
    const n = masks.grid.frames * masks.grid.bins
    for (let i = 0; i < n; i += 97) {
      const sum = masks.masks[0]![i]! + masks.masks[1]![i]! + masks.masks[2]![i]!
      expect(Math.abs(sum - 255)).toBeLessThanOrEqual(2)
    }

    const t0 = performance.now()
    const two = await ok('cluster', { fileId: file.fileId, sourceCount: 2 })
    const reclusterMs = performance.now() - t0
    expect(two.sourceCount).toBe(2)
    expect(Object.keys(two.timingsSec)).not.toContain('embed')
    console.log(`re-cluster to k=2 through the bridge: ${reclusterMs.toFixed(0)} ms`)

    const stems = await ok('getStemAudio', { separationId: two.separationId, sources: [0, 1] })
    for (let c = 0; c < 2; c++) {
      let max = 0
      for (let i = 0; i < input[c]!.length; i++) {
        const d = Math.abs(
          stems.stems[0]!.channels[c]![i]! + stems.stems[1]!.channels[c]![i]! - input[c]![i]!,
        )
        if (d > max) max = d
      }
      expect(max).toBeLessThan(1e-4)
    }

    // A playback window is that slice of the whole-file stems (preview == export).
    const win = await ok('getStemAudio', {
      separationId: two.separationId,
      sources: [1],
      range: { from: 12_345, to: 56_789 },
    })
    expect(win).toMatchObject({ fromSample: 12_345, toSample: 56_789 })
    expect(win.stems[0]!.index).toBe(1)
    for (let c = 0; c < 2; c++) {
      expect(win.stems[0]!.channels[c]).toEqual(
        stems.stems[1]!.channels[c]!.subarray(12_345, 56_789),
      )
    }

    const out = join(dir, 'stems')
    mkdirSync(out)
    bridge.dialogs.folder.push(out)
    expect(await ok('chooseExportFolder')).toBe(out)
    const req = {
      separationId: two.separationId,
      sources: [0, 1],
      folder: out,
      format: { container: 'wav', bits: '32f' },
      template: '{name}.source-{index}',
      overwrite: 'never',
    } as const
    const plan = await ok('planExport', req)
    expect(plan.map((f) => f.path)).toEqual([
      join(out, 'mix.source-1.wav'),
      join(out, 'mix.source-2.wav'),
    ])
    expect(plan.every((f) => !f.exists)).toBe(true)
    const written = await ok('exportStems', { ...req, taskId: 'exp-1' })
    expect(written.status).toBe('written')
    const decoded = await Promise.all(plan.map((f) => decodeAudioFile(f.path)))
    for (const d of decoded) expect(d).toMatchObject({ sampleRate: 44100, channels: { length: 2 } })
    for (let c = 0; c < 2; c++) {
      let max = 0
      for (let i = 0; i < input[c]!.length; i++) {
        const d = Math.abs(
          decoded[0]!.channels[c]![i]! + decoded[1]!.channels[c]![i]! - input[c]![i]!,
        )
        if (d > max) max = d
      }
      expect(max).toBeLessThan(1e-4)
    }
    // Never silently: the second export reports the existing files and writes nothing.
    expect(await ok('exportStems', { ...req, taskId: 'exp-2' })).toMatchObject({ status: 'exists' })
    expect(
      await ok('exportStems', {
        ...req,
        format: { container: 'flac', bits: 24 },
        overwrite: 'never',
        taskId: 'exp-3',
      }),
    ).toMatchObject({ status: 'written' })
    expect(
      await ok('exportStems', { ...req, overwrite: 'replace', taskId: 'exp-4' }),
    ).toMatchObject({
      status: 'written',
    })

    expect(await ok('revealInFolder', { path: plan[0]!.path })).toBeNull()
    expect(bridge.revealed).toEqual([plan[0]!.path])
    expect(await call('revealInFolder', { path: mixPath })).toMatchObject({
      code: 'invalid-argument',
    })
    expect(
      await call('getStemAudio', { separationId: two.separationId, sources: [2] }),
    ).toMatchObject({
      code: 'invalid-argument',
    })
  })

  it('an edit gives the same stems whether main prepared the editor in idle time or makes it at once', async () => {
    const file = await ok('openFile', { path: mixPath })
    const box = { frame0: 5, frames: 30, bin0: 3, bins: 50 }
    const selection = { ...box, weights: new Uint8Array(box.frames * box.bins).fill(200) }
    const edit = { type: 'apply', command: { action: { type: 'assign', to: 1 }, selection } }
    // at once: the edit comes straight after the separation
    const a = await ok('cluster', { fileId: file.fileId, sourceCount: 3 })
    await ok('editMasks', { separationId: a.separationId, op: edit })
    // after idle time: main has prepared the editor (same k: the same cached masks)
    const b = await ok('cluster', { fileId: file.fileId, sourceCount: 3 })
    await new Promise((r) => setTimeout(r, 1500))
    await ok('editMasks', { separationId: b.separationId, op: edit })
    const stems = async (id: string) =>
      (await ok('getStemAudio', { separationId: id, sources: [0, 1, 2] })).stems
    const sa = await stems(a.separationId)
    const sb = await stems(b.separationId)
    for (let j = 0; j < 3; j++)
      for (let c = 0; c < sa[j]!.channels.length; c++)
        expect(
          Buffer.from(sb[j]!.channels[c]!.buffer).equals(Buffer.from(sa[j]!.channels[c]!.buffer)),
        ).toBe(true)
  })

  it('edits masks, wand, re-clusters with edits, saves/opens projects and recovers autosaves', async () => {
    const file = await ok('openFile', { path: mixPath })
    const sep = await ok('cluster', { fileId: file.fileId, sourceCount: 2 })
    const { frames, bins } = sep.grid
    const box = { frame0: 10, frames: 40, bin0: 0, bins: 60 }
    const selection = { ...box, weights: new Uint8Array(box.frames * box.bins).fill(255) }
    const applied = await ok('editMasks', {
      separationId: sep.separationId,
      op: { type: 'apply', command: { action: { type: 'assign', to: 0 }, selection } },
    })
    expect(applied.touched).toMatchObject({ frameStart: 10, frameEnd: 50, binStart: 0, binEnd: 60 })
    expect(applied).toMatchObject({ undoDepth: 1, redoDepth: 0 })
    // Edited masks still sum to 1: the stems still sum to the input.
    const stems = await ok('getStemAudio', { separationId: sep.separationId, sources: [0, 1] })
    let max = 0
    for (let i = 0; i < input[0]!.length; i++) {
      const d = Math.abs(
        stems.stems[0]!.channels[0]![i]! + stems.stems[1]!.channels[0]![i]! - input[0]![i]!,
      )
      if (d > max) max = d
    }
    expect(max).toBeLessThan(1e-4)
    expect(
      await ok('editMasks', { separationId: sep.separationId, op: { type: 'undo' } }),
    ).toMatchObject({ undoDepth: 0, redoDepth: 1 })
    expect(
      await ok('editMasks', { separationId: sep.separationId, op: { type: 'redo' } }),
    ).toMatchObject({ undoDepth: 1, redoDepth: 0 })
    // Bad edits are refused with a clear message.
    const outside = { frame0: frames - 1, frames: 2, bin0: 0, bins: 1, weights: new Uint8Array(2) }
    expect(
      await call('editMasks', {
        separationId: sep.separationId,
        op: { type: 'apply', command: { action: { type: 'split' }, selection: outside } },
      }),
    ).toMatchObject({ type: 'error', code: 'invalid-argument' })
    expect(
      await call('editMasks', {
        separationId: sep.separationId,
        op: { type: 'apply', command: { action: { type: 'assign', to: 5 }, selection } },
      }),
    ).toMatchObject({ type: 'error', code: 'invalid-argument' })

    const wand = await ok('wandSelect', {
      separationId: sep.separationId,
      seed: { frame: 20, bin: 10 },
      share: 0.5,
    })
    expect(wand.weights).toBeInstanceOf(Uint8Array)
    expect(wand.weights.length).toBe(wand.frames * wand.bins)
    expect(wand.frame0 + wand.frames).toBeLessThanOrEqual(frames)
    expect(wand.bin0 + wand.bins).toBeLessThanOrEqual(bins)

    // Listen to the selection: its part and the rest, over the samples it reaches, sum to the mixture
    const inside = await ok('getSelectionAudio', {
      separationId: sep.separationId,
      selection: wand,
      part: 'selection',
    })
    const restAudio = await ok('getSelectionAudio', {
      separationId: sep.separationId,
      selection: wand,
      part: 'rest',
    })
    expect([inside.stems[0]!.index, restAudio.stems[0]!.index]).toEqual([0, 1])
    expect(restAudio.fromSample).toBe(inside.fromSample)
    expect(inside.toSample).toBeGreaterThan(inside.fromSample)
    const mixed = await ok('getAudio', {
      fileId: file.fileId,
      range: { from: inside.fromSample, to: inside.toSample },
    })
    let worst = 0
    for (let c = 0; c < mixed.channels.length; c++)
      for (let i = 0; i < mixed.channels[c]!.length; i++)
        worst = Math.max(
          worst,
          Math.abs(
            inside.stems[0]!.channels[c]![i]! +
              restAudio.stems[0]!.channels[c]![i]! -
              mixed.channels[c]![i]!,
          ),
        )
    expect(worst).toBeLessThan(1e-4)
    expect(
      await call('getSelectionAudio', {
        separationId: sep.separationId,
        selection: { ...wand, frame0: frames },
        part: 'selection',
      }),
    ).toMatchObject({ type: 'error', code: 'invalid-argument' })

    const again = await ok('reclusterWithEdits', { separationId: sep.separationId, taskId: 're-1' })
    expect(again.sourceCount).toBe(2)
    expect(again.separationId).not.toBe(sep.separationId)
    expect((await ok('getMasks', { separationId: again.separationId })).masks).toHaveLength(2)

    // Projects: Save As (dialog), cancelled save, autosave + recovery, open, locate.
    const projectPath = join(dir, 'mix.unweave')
    bridge.dialogs.save.push(join(dir, 'mix'))
    const sources = [
      { name: 'Drone', colour: '#4f9dff' },
      { name: 'Beeps', colour: '#ff9f1c' },
    ]
    const saved = await ok('saveProject', { separationId: again.separationId, sources })
    expect(saved).toMatchObject({ path: projectPath })
    expect(saved!.sizeBytes).toBeGreaterThan(0)
    expect(await ok('saveProject', { separationId: again.separationId, sources })).toBeNull()
    expect(await ok('getRecovery')).toBeNull()
    const note = { edits: 1, lastEdit: 'Assign → Source 1, 0:00.2–0:00.8' }
    const auto = await ok('autosaveProject', { separationId: again.separationId, sources, note })
    // the recovery prompt says what it holds; the project holds the edit (its history)
    expect(await ok('getRecovery')).toMatchObject({
      path: auto.path,
      audioName: 'mix.wav',
      ...note,
    })
    const held = await ok('openProject', { path: auto.path })
    expect(held.history.undo).toHaveLength(1)
    expect(await ok('discardRecovery')).toBeNull()
    expect(await ok('getRecovery')).toBeNull()

    bridge.dialogs.project.push(projectPath)
    const opened = (await ok('openProjectDialog'))!
    expect(opened.audio.status).toBe('ok')
    expect(opened.sources.map((x) => x.name)).toEqual(['Drone', 'Beeps'])
    expect(opened.history.undo).toHaveLength(1)
    expect(opened.history.undo[0]!.selection.weights).toBeInstanceOf(Uint8Array)
    expect(opened.file).toMatchObject({ path: mixPath, sampleRate: 44100 })
    const os = opened.separation!
    expect(os.sourceCount).toBe(2)
    // The project's edited masks play and export, and still sum to the input.
    const ps = await ok('getStemAudio', { separationId: os.separationId, sources: [0, 1] })
    expect(ps.stems[0]!.channels[0]!.length).toBe(input[0]!.length)
    expect(
      await ok('editMasks', { separationId: os.separationId, op: { type: 'undo' } }),
    ).toMatchObject({ undoDepth: 0, redoDepth: 1 })

    // The recording moved: missing, then located.
    const moved = join(dir, 'moved.wav')
    writeWavFloat(moved, input, 44100)
    const movedProject = join(dir, 'moved.unweave')
    const f2 = await ok('openFile', { path: moved })
    const s2 = await ok('cluster', { fileId: f2.fileId, sourceCount: 2 })
    bridge.dialogs.save.push(movedProject) // main's save dialog answers
    await ok('saveProject', { separationId: s2.separationId, sources })
    rmSync(moved)
    const missing = await ok('openProject', { path: movedProject })
    expect(missing).toMatchObject({ audio: { status: 'missing' }, file: null, separation: null })
    bridge.dialogs.open.push(mixPath) // same content, another place
    const located = (await ok('locateProjectAudio', { projectPath: movedProject }))!
    expect(located.audio.status).toBe('ok')
    expect(located.file?.path).toBe(mixPath)
    expect(await call('openProject', { path: join(dir, 'nope.unweave') })).toMatchObject({
      type: 'error',
      code: 'input',
    })
    expect(await call('openProject', { path: mixPath })).toMatchObject({ code: 'invalid-argument' })
  })

  it('stereo placement: the cue reaches the analysis, the wand, re-clustering and the project', async () => {
    const file = await ok('openFile', { path: mixPath })
    expect(file.channels).toBe(2)
    const plain = await ok('cluster', { fileId: file.fileId, sourceCount: 2 })
    expect(plain.stereoCue).toBe(0)
    const cued = await ok('cluster', { fileId: file.fileId, sourceCount: 2, stereoCue: true })
    expect(cued.stereoCue).toBe(2) // the fixture's metadata has no stereoCue: the engine default
    // a count change with the cue re-clusters the same (cued) analysis
    expect(
      (await ok('cluster', { fileId: file.fileId, sourceCount: 3, stereoCue: true })).stereoCue,
    ).toBe(2)
    const wand = await ok('wandSelect', {
      separationId: cued.separationId,
      seed: { frame: 20, bin: 10 },
      share: 0.5,
    })
    expect(wand.weights.length).toBe(wand.frames * wand.bins)
    const again = await ok('reclusterWithEdits', { separationId: cued.separationId })
    expect(again.stereoCue).toBe(2)
    const projectPath = join(dir, 'stereo.unweave')
    bridge.dialogs.save.push(projectPath)
    await ok('saveProject', { separationId: again.separationId, sources: [] })
    // Reopened, the project re-analyses with its own cue: the wand and re-clustering still fit it.
    await ok('openFile', { path: mixPath }) // another file id: the cued analysis is gone
    const opened = (await ok('openProject', { path: projectPath }))!
    const os = opened.separation!
    expect(os.stereoCue).toBe(2)
    const re = await ok('reclusterWithEdits', { separationId: os.separationId })
    expect(re.sourceCount).toBe(2)
    expect(
      (
        await ok('wandSelect', {
          separationId: re.separationId,
          seed: { frame: 5, bin: 5 },
          share: 0.5,
        })
      ).weights.length,
    ).toBeGreaterThan(0)
    expect(
      await call('cluster', { fileId: file.fileId, sourceCount: 2, stereoCue: 'yes' }),
    ).toMatchObject({
      type: 'error',
      code: 'invalid-argument',
    })
  })

  it('cancels a running analysis and reports stale ids', async () => {
    const file = await ok('openFile', { path: longPath })
    const pending = call('analyse', { fileId: file.fileId, taskId: 'an-1' })
    await vi.waitFor(() =>
      expect(bridge.events.some((e) => e.type === 'progress' && e.taskId === 'an-1')).toBe(true),
    )
    expect(await ok('cancelTask', { taskId: 'an-1' })).toBe(true)
    // Separate again at once, while the cancelled run is still winding down: a run of its own
    const rerun = call('analyse', { fileId: file.fileId, taskId: 'an-2' })
    expect(await pending).toMatchObject({ type: 'error', code: 'cancelled' })
    expect(await ok('cancelTask', { taskId: 'an-1' })).toBe(false)
    expect(await rerun).toMatchObject({ type: 'ok' })
    const again = await ok('openFile', { path: mixPath })
    expect(await call('getFileInfo', { fileId: file.fileId })).toMatchObject({ code: 'stale' })
    expect(await ok('getFileInfo', { fileId: again.fileId })).toMatchObject({
      fileId: again.fileId,
    })
  })

  it('restarts a crashed engine and keeps working', async () => {
    const file = await ok('openFile', { path: mixPath })
    bridge.engine.crashForTest()
    await vi.waitFor(
      () =>
        expect(
          bridge.events.some((e) => e.type === 'engine' && e.status.state === 'restarting'),
        ).toBe(true),
      { timeout: 10_000 },
    )
    expect(await call('getSpectrogram', { fileId: file.fileId })).toMatchObject({ type: 'error' })
    const reopened = await ok('openFile', { path: mixPath })
    expect((await ok('getSpectrogram', { fileId: reopened.fileId })).db.length).toBeGreaterThan(0)
  })
})

describe('main decides where files go; a failed open keeps the open recording (issue 16)', () => {
  it('a corrupt file opened over a separated recording leaves it playable and editable', async () => {
    bridge.dialogs.open.push(mixPath)
    const file = (await ok('openFileDialog'))!
    const sep = await ok('cluster', { fileId: file.fileId, sourceCount: 2 })
    const bad = join(dir, 'corrupt.wav')
    writeFileSync(bad, Buffer.from('RIFF\x08\x00\x00\x00WAVEfmt ', 'latin1'))
    const r = await call('openFile', { path: bad })
    expect(r.type).toBe('error')
    const audio = await ok('getAudio', { fileId: file.fileId, range: { from: 0, to: 100 } })
    expect(audio.channels[0]).toEqual(input[0]!.subarray(0, 100))
    expect((await ok('getMasks', { separationId: sep.separationId })).masks).toHaveLength(2)
  })

  it('export: no folder main did not hand out; no foreign file replaced without main asking', async () => {
    bridge.dialogs.open.push(mixPath)
    const file = (await ok('openFileDialog'))!
    const sep = await ok('cluster', { fileId: file.fileId, sourceCount: 2 })
    const elsewhere = mkdtempSync(join(tmpdir(), 'unweave-elsewhere-'))
    try {
      const req = {
        separationId: sep.separationId,
        sources: [0],
        folder: elsewhere,
        format: { container: 'wav', bits: 16 },
        template: 'precious{index}',
        overwrite: 'replace',
        taskId: 'x-1',
      } as const
      const r = await call('exportStems', req)
      expect(r).toMatchObject({ type: 'error', code: 'invalid-argument' })
      expect(readdirSync(elsewhere)).toEqual([])
      // the recording's folder is main's; a file there that this session did not write
      const precious = join(dir, 'precious1.wav')
      writeFileSync(precious, 'precious')
      bridge.dialogs.replace.push(false)
      const asked = bridge.replaceAsked.length
      const r2 = await ok('exportStems', { ...req, folder: dir, taskId: 'x-2' })
      expect(r2.status).toBe('exists')
      expect(bridge.replaceAsked.slice(asked)).toEqual([[precious]])
      expect(readFileSync(precious, 'utf8')).toBe('precious')
    } finally {
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })

  it('saveProject: a path main did not hand out for this recording makes main ask', async () => {
    bridge.dialogs.open.push(mixPath)
    const file = (await ok('openFileDialog'))!
    const sep = await ok('cluster', { fileId: file.fileId, sourceCount: 2 })
    const unrelated = join(dir, 'unrelated.unweave')
    writeFileSync(unrelated, 'not yours')
    // main's save dialog is cancelled (empty queue): nothing written
    expect(
      await ok('saveProject', { separationId: sep.separationId, path: unrelated, sources: [] }),
    ).toBeNull()
    expect(readFileSync(unrelated, 'utf8')).toBe('not yours')
    // a path from main's dialog is bound to this recording; saving there again needs no dialog
    const mine = join(dir, 'mine.unweave')
    bridge.dialogs.save.push(mine)
    expect(await ok('saveProject', { separationId: sep.separationId, sources: [] })).toMatchObject({
      path: mine,
    })
    expect(
      await ok('saveProject', { separationId: sep.separationId, path: mine, sources: [] }),
    ).toMatchObject({ path: mine })
    // reopened, it shows the suggestion it was saved with (not 'confidence 0%')
    const reopened = (await ok('openProject', { path: mine }))!
    expect(sep.suggestion.scores.length).toBeGreaterThan(0)
    expect(reopened.separation!.suggestion).toEqual(sep.suggestion)
    // another recording: the first one's project path is not its own, main asks again
    const other = join(dir, 'other.wav')
    writeWavFloat(other, jsMixture(2, 44100), 44100)
    const f2 = (await ok('openFile', { path: other }))!
    const sep2 = await ok('cluster', { fileId: f2.fileId, sourceCount: 2 })
    const before = readFileSync(mine)
    expect(
      await ok('saveProject', { separationId: sep2.separationId, path: mine, sources: [] }),
    ).toBeNull()
    expect(readFileSync(mine).equals(before)).toBe(true)
  })
})

describe('quit with unsaved edits: the close handshake through the service (issue 16)', () => {
  it('asks the window only with unsaved edits; a yes drops the recovery file and closes', async () => {
    const g = bridge.service.closeGuard
    expect(g.request()).toBe(true)
    const events = bridge.events.length
    expect(await ok('setUnsavedEdits', { unsaved: true })).toBeNull()
    expect(g.request()).toBe(false)
    const asked = bridge.events.slice(events)
    expect(asked).toEqual([{ type: 'close-requested', id: expect.any(Number) }])
    const idOf = () => (bridge.events.at(-1) as { id: number }).id
    // Cancel keeps the window
    await ok('confirmClose', { id: idOf(), close: false })
    expect(bridge.closes).toEqual([])
    // an autosave exists; the user then discards: it goes with the edits
    bridge.dialogs.open.push(mixPath)
    const file = (await ok('openFileDialog'))!
    const sep = await ok('cluster', { fileId: file.fileId, sourceCount: 2 })
    await ok('autosaveProject', {
      separationId: sep.separationId,
      sources: [],
      note: { edits: 0, lastEdit: '' },
    })
    expect(await ok('getRecovery')).not.toBeNull()
    expect(g.request()).toBe(false)
    // an answer to an older question does nothing
    await ok('confirmClose', { id: idOf() - 1, close: true })
    expect(bridge.closes).toEqual([])
    expect(await ok('getRecovery')).not.toBeNull()
    await ok('confirmClose', { id: idOf(), close: true })
    expect(bridge.closes).toEqual([false])
    expect(await ok('getRecovery')).toBeNull()
    g.pageLoaded()
  })

  it('the model card comes from the model file, without loading the network', async () => {
    const meta = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/tiny-random.json'), 'utf8'))
    expect(await ok('getModelCard')).toEqual({
      name: meta.name,
      version: meta.version,
      steps: meta.training?.steps ?? null,
      scores: (meta.scores ?? []).map((x: Record<string, number>) => ({
        split: x.split,
        sources: x.sources,
        sisdri: x.sisdriModel,
        sisdriIbm: x.sisdriIbm,
      })),
    })
  })

  it('refuses answers that are not true or false', async () => {
    expect(await call('confirmClose', { id: 1, close: 'yes' })).toMatchObject({
      type: 'error',
      code: 'invalid-argument',
    })
    expect(await call('setUnsavedEdits', { unsaved: 1 })).toMatchObject({
      type: 'error',
      code: 'invalid-argument',
    })
  })
})

describe("energy shares are the exported stems' (issue 16)", () => {
  /** Each exported stem's share of the stems' energy (32-bit float WAVs, decoded from disk). */
  async function exportedShares(separationId: string, k: number, tag: string): Promise<number[]> {
    const req = {
      separationId,
      sources: Array.from({ length: k }, (_, i) => i),
      folder: dir,
      format: { container: 'wav', bits: '32f' },
      template: `${tag}-{index}`,
      overwrite: 'never',
      taskId: `energy-${tag}`,
    } as const
    const r = await ok('exportStems', req)
    const energy = await Promise.all(
      r.files.map(async (f) => {
        let e = 0
        for (const ch of (await decodeAudioFile(f.path)).channels) for (const x of ch) e += x * x
        return e
      }),
    )
    const total = energy.reduce((a, b) => a + b, 0)
    return energy.map((e) => e / total)
  }
  const close = (a: number[], b: number[]) => {
    expect(a).toHaveLength(b.length)
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-6)
  }

  it('before and after an edit, after undo, and after the project is reopened', async () => {
    const long = join(dir, 'energy.wav')
    writeWavFloat(long, jsMixture(5, 44100), 44100) // four blocks of 65536 samples, the last short
    const file = await ok('openFile', { path: long })
    const sep = await ok('cluster', { fileId: file.fileId, sourceCount: 3 })
    const id = sep.separationId
    const before = await ok('getEnergyShares', { separationId: id })
    close(before, await exportedShares(id, 3, 'before'))
    // an edit inside the first block: only it is made again, and the shares follow
    const box = { frame0: 10, frames: 40, bin0: 0, bins: 120 }
    const selection = { ...box, weights: new Uint8Array(box.frames * box.bins).fill(255) }
    await ok('editMasks', {
      separationId: id,
      op: { type: 'apply', command: { action: { type: 'assign', to: 2 }, selection } },
    })
    const edited = await ok('getEnergyShares', { separationId: id })
    expect(edited[2]).toBeGreaterThan(before[2]! + 1e-4)
    close(edited, await exportedShares(id, 3, 'edited'))
    await ok('editMasks', { separationId: id, op: { type: 'undo' } })
    const undone = await ok('getEnergyShares', { separationId: id })
    close(undone, await exportedShares(id, 3, 'undone'))
    // the editor's masks are the automatic ones in its own precision: within rounding of before
    for (let i = 0; i < 3; i++) expect(Math.abs(undone[i]! - before[i]!)).toBeLessThan(1e-4)
    await ok('editMasks', { separationId: id, op: { type: 'redo' } })
    // saved and reopened: the same shares
    const path = join(dir, 'energy.unweave')
    bridge.dialogs.save.push(path)
    await ok('saveProject', { separationId: id, sources: [] })
    const reopened = await ok('openProject', { path })
    const again = await ok('getEnergyShares', { separationId: reopened.separation!.separationId })
    close(again, edited)
    close(again, await exportedShares(reopened.separation!.separationId, 3, 'reopened'))
  })
})
