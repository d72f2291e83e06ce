// @vitest-environment happy-dom
import { formatTime } from '../../../shared/format'
import { describe, expect, it } from 'vitest'
import { Backend } from '../lib/backend'
import { createFakeApi, FakeAudioContext } from '../test/fake-api'
import { AppState } from './app.svelte'
import type { EditTouch } from './mask-editor.svelte'
import type { AudioContextLike } from './playback.svelte'

/** An app with a separation of k sources; `withMain` adds main's editing channels to the fake api. */
async function setup(k = 3, withMain = true) {
  const fake = createFakeApi()
  const edits: { separationId: string; op: { type: string } }[] = []
  if (withMain) {
    const api = fake.api as unknown as Record<string, unknown>
    api.editMasks = async (a: { separationId: string; op: { type: string } }) => {
      edits.push(a)
      return { type: 'ok', value: { touched: null, undoDepth: 0, redoDepth: 0 } }
    }
  }
  const app = new AppState(
    new Backend(fake.api),
    () => new FakeAudioContext() as unknown as AudioContextLike,
  )
  app.start()
  await app.open()
  await app.separation.setCount(k)
  await app.separate()
  return { fake, app, edits }
}

const snapshot = (m: Float32Array[]) => m.map((x) => x.slice())

function expectSumsToOne(m: Float32Array[]) {
  let worst = 0
  for (let i = 0; i < m[0].length; i++) {
    let s = 0
    for (const x of m) s += x[i]
    worst = Math.max(worst, Math.abs(s - 1))
  }
  expect(worst).toBeLessThan(1e-5)
}

describe('MaskEditor', () => {
  it('edits nothing until a separation exists; picks tools by key and puts them down again', async () => {
    const fake = createFakeApi()
    const app = new AppState(new Backend(fake.api), () => new FakeAudioContext() as never)
    expect(app.editor.handleKey('B')).toBe(false)
    const { app: a } = await setup()
    expect(a.editor.grid?.k).toBe(3)
    expect(a.editor.handleKey('b')).toBe(true)
    expect(a.editor.tool).toBe('brush')
    expect(a.editor.display).not.toBeNull()
    a.editor.handleKey('W')
    expect(a.editor.tool).toBe('wand')
    a.editor.handleKey('W')
    expect(a.editor.tool).toBeNull()
    a.editor.handleKey('R')
    expect(a.handleKey({ key: 'Escape', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, target: null })).toBe(true) // prettier-ignore
    expect(a.editor.tool).toBeNull()
  })

  it('assign / move / split / restore keep every bin summing to 1; undo and redo are exact', async () => {
    const { app, edits } = await setup(3)
    const ed = app.editor
    const e = ed.editable!
    const before = snapshot(e.masks.masks)
    // the warm-up stroke left no trace: edited == automatic, no overrides, no history
    expect(before).toEqual(e.automatic.masks)
    expect(e.override.every((w) => w === 0)).toBe(true)
    expect(e.canUndo).toBe(false)
    const g = e.masks
    ed.selectShape('rect', [
      { frame: 2, bin: 3 },
      { frame: 10, bin: 20 },
    ])
    expect(ed.hasSelection).toBe(true)
    expect(ed.selectionBins).toBe(9 * (Math.min(20, g.bins - 1) - 3 + 1))
    expect(ed.assign(1)).toBe(true)
    expect(e.masks.masks[1][5 * g.bins + 10]).toBe(1)
    expectSumsToOne(e.masks.masks)
    const afterAssign = snapshot(e.masks.masks)
    ed.selectShape('lasso', [
      { frame: 0, bin: 0 },
      { frame: 20, bin: 0 },
      { frame: 20, bin: 30 },
    ])
    expect(ed.move(1, 2)).toBe(true)
    expectSumsToOne(e.masks.masks)
    ed.selectShape('time', [
      { frame: 30, bin: 0 },
      { frame: 40, bin: 0 },
    ])
    expect(ed.split()).toBe(true)
    expectSumsToOne(e.masks.masks)
    expect(e.masks.masks[0][35 * g.bins + 4]).toBeCloseTo(1 / 3, 6)
    ed.selectShape('band', [
      { frame: 0, bin: 4 },
      { frame: 0, bin: 8 },
    ])
    expect(ed.restore()).toBe(true)
    expectSumsToOne(e.masks.masks)
    expect(app.history.done).toHaveLength(4)
    // names say the tool, the action, the time and the frequency range
    expect(app.history.done.map((c) => c.label)).toEqual([
      expect.stringMatching(/^Rectangle → Source [123], 0:\d\d\.\d–0:\d\d\.\d, /),
      expect.stringMatching(/^Lasso: Source 2 → Source 3, 0:00\.0–0:01\.0, all frequencies$/),
      expect.stringMatching(/^Time range: split evenly, 0:01\.5–0:02\.1, all frequencies$/),
      `Frequency band: back to automatic, 0:00.0–${formatTime((g.frames * g.hop) / g.sampleRate)}, 2–4 kHz`,
    ])

    for (let i = 0; i < 3; i++) await app.undo()
    expect(e.masks.masks).toEqual(afterAssign)
    await app.undo()
    expect(e.masks.masks).toEqual(before)
    await app.redo()
    expect(e.masks.masks).toEqual(afterAssign)

    await ed.flush()
    expect(edits.map((x) => x.op.type)).toEqual([
      'apply',
      'apply',
      'apply',
      'apply',
      'undo',
      'undo',
      'undo',
      'undo',
      'redo',
    ])
    expect(edits[0].separationId).toBe(app.separation.separationId)
  })

  it('a brush stroke is one undoable edit; the overlay hears of each dab, playback after main has it', async () => {
    const { app, edits } = await setup(2)
    const ed = app.editor
    ed.setTool('brush')
    ed.target = 1
    ed.softness = 0
    const touches: EditTouch[] = []
    ed.onTouched((t) => touches.push(t))
    const e = ed.editable!
    const before = snapshot(e.masks.masks)
    const p = (frame: number) => ({ frame, bin: 10, radiusFrames: 1.5, radiusBins: 3 })
    ed.beginStroke(p(5))
    ed.strokeAt(p(8))
    ed.strokeAt(p(12))
    ed.endStroke()
    expect(touches.filter((t) => t.phase === 'local').length).toBe(3)
    expect(ed.strokeStats?.events).toBe(3)
    expect(e.masks.masks[1][8 * e.masks.bins + 10]).toBe(1)
    expectSumsToOne(e.masks.masks)
    expect(app.history.done).toHaveLength(1)
    await ed.flush()
    expect(edits).toHaveLength(1)
    const main = touches.filter((t) => t.phase === 'main')
    expect(main).toHaveLength(1)
    expect(main[0].startSec).toBeLessThanOrEqual((4 * e.masks.hop) / e.masks.sampleRate)
    expect(ed.syncMs).not.toBeNull()
    await app.undo()
    expect(e.masks.masks).toEqual(before)

    // the eraser returns bins to automatic; Escape cancels a stroke without a trace
    await app.redo()
    ed.setTool('eraser')
    ed.beginStroke(p(8))
    ed.endStroke()
    expect(e.override[8 * e.masks.bins + 10]).toBe(0)
    expect(e.masks.masks[1][8 * e.masks.bins + 10]).toBe(before[1][8 * e.masks.bins + 10])
    const mid = snapshot(e.masks.masks)
    ed.setTool('brush')
    ed.beginStroke(p(20))
    ed.handleKey('Escape')
    expect(e.masks.masks).toEqual(mid)
    expect(app.history.done).toHaveLength(2)
  })

  it('without main editing channels edits stay local; a new clustering starts editing over', async () => {
    const { app, fake } = await setup(3, false)
    const ed = app.editor
    expect(ed.mainEdits).toBe(false)
    ed.selectShape('rect', [
      { frame: 0, bin: 0 },
      { frame: 3, bin: 3 },
    ])
    ed.assign(2)
    await ed.flush()
    expect(fake.callsTo('editMasks')).toHaveLength(0)
    const old = ed.editable!
    await app.setCount(2)
    expect(ed.grid?.k).toBe(2)
    expect(ed.selection).toBeNull()
    expect(ed.editable).not.toBe(old)
    // the old edit's history entry no longer touches the new masks
    const now = snapshot(ed.editable!.masks.masks)
    await app.history.undo() // sources 3 -> 2
    await app.history.undo() // the stale edit
    expect(now[0].length).toBe(ed.editable!.masks.masks[0].length)
  })

  it('re-cluster with my edits: main re-clusters, the edits are replayed on the new masks', async () => {
    const { app, fake } = await setup(3)
    const api = fake.api as unknown as Record<string, (a: unknown) => Promise<unknown>>
    const calls: unknown[] = []
    api.reclusterWithEdits = async (a: unknown) => {
      calls.push(a)
      return api.cluster({ fileId: fake.file.fileId, sourceCount: 3 })
    }
    expect(app.canReclusterWithEdits).toBe(true)
    const ed = app.editor
    ed.selectShape('rect', [
      { frame: 1, bin: 1 },
      { frame: 5, bin: 5 },
    ])
    ed.assign(0)
    const edited = snapshot(ed.editable!.masks.masks)
    const before = app.separation.separationId
    await app.reclusterWithEdits()
    expect(calls).toEqual([{ separationId: before, taskId: expect.any(String) }])
    expect(app.separation.separationId).not.toBe(before)
    expect(ed.editable!.masks.masks).toEqual(edited)
    expect(app.history.done).toHaveLength(1)
    await app.undo()
    expect(ed.editable!.override.every((w) => w === 0)).toBe(true)
  })

  it('the wand asks main from a bin or the selection; the share slider re-selects from the same seed', async () => {
    const { app, fake } = await setup(2)
    const api = fake.api as unknown as Record<string, (a: unknown) => Promise<unknown>>
    const asked: { seed: unknown; share: number }[] = []
    api.wandSelect = async (a: unknown) => {
      const { seed, share } = a as { seed: unknown; share: number }
      asked.push({ seed, share })
      const n = Math.max(1, Math.round(share * 40))
      return {
        type: 'ok',
        value: { frame0: 0, frames: n, bin0: 0, bins: 2, weights: new Uint8Array(n * 2).fill(255) },
      }
    }
    const fresh = new AppState(new Backend(fake.api), () => new FakeAudioContext() as never)
    await fresh.open()
    await fresh.separate()
    const ed = fresh.editor
    expect(ed.mainWand).toBe(true)
    ed.setTool('wand')
    await ed.wandAt({ frame: 3.4, bin: 7.6 })
    expect(asked[0]).toEqual({ seed: { frame: 3, bin: 8 }, share: 0.05 })
    expect(ed.selectionBins).toBe(4)
    expect(ed.selectionShape?.kind).toBe('wand')
    await ed.setWandShare(0.125)
    expect(asked[1].seed).toEqual({ frame: 3, bin: 8 })
    expect(ed.selectionBins).toBe(10)
    await ed.wandAt('selection')
    expect(asked[2].seed).toMatchObject({ selection: { frames: 5, bins: 2 } })
    expect(ed.assign(1)).toBe(true)
    expect(fresh.history.done).toHaveLength(1)
    void app
  })
})
