// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { FULL_BAND } from '../lib/freq-scale'
import { MAX_PX_PER_SEC, View, clamp } from './view.svelte'
import { History } from './history.svelte'
import { Errors } from './errors.svelte'
import { CodedError } from '../../../shared/errors'

describe('View', () => {
  it('zooms in from "fit", out back to "fit", within limits', () => {
    const v = new View()
    v.setWindow(0, 100, 1000) // 10 px/s fits 100 s
    expect(v.fitPxPerSec(100)).toBe(10)
    v.zoomIn(100)
    expect(v.pxPerSec).toBeCloseTo(15)
    v.zoomIn(100)
    expect(v.pxPerSec).toBeCloseTo(22.5)
    v.zoomOut(100)
    v.zoomOut(100)
    expect(v.pxPerSec).toBe(0)
    v.zoomOut(100)
    expect(v.pxPerSec).toBe(0)
    for (let i = 0; i < 40; i++) v.zoomIn(100)
    expect(v.pxPerSec).toBe(MAX_PX_PER_SEC)
    v.zoomToFit()
    expect(v.pxPerSec).toBe(0)
  })

  it('maps gain and range to the colour scale; clamps controls', () => {
    const v = new View()
    expect(v.colourRange(-3)).toEqual({ lowDb: -93, highDb: -3 })
    v.setGain(12)
    v.setRange(60)
    expect(v.colourRange(0)).toEqual({ lowDb: -72, highDb: -12 })
    v.setGain(500)
    expect(v.gainDb).toBe(60)
    v.setRange(1)
    expect(v.rangeDb).toBe(20)
    v.setMaskOpacity(3)
    expect(v.maskOpacity).toBe(1)
  })

  it('mask view follows the mode and the selected source', () => {
    const v = new View()
    expect(v.maskView(2)).toEqual({ kind: 'all' })
    v.maskMode = 'one'
    expect(v.maskView(2)).toEqual({ kind: 'one', index: 2 })
  })

  it('reports the visible span', () => {
    const v = new View()
    v.setWindow(10, 25, 800)
    expect(v.spanSec).toBe(15)
  })

  it('zooms the frequency axis around an anchor, within the axis and at most 64 times', () => {
    const v = new View()
    expect(v.freqZoom).toEqual({ lo: 0, hi: 1 })
    v.zoomFrequency(2, 0.25) // the anchor stays where it is on screen
    expect(v.freqZoom.lo).toBeCloseTo(0.125, 9)
    expect(v.freqZoom.hi).toBeCloseTo(0.625, 9)
    for (let i = 0; i < 20; i++) v.zoomFrequency(2, 0.3)
    expect(v.freqZoom.hi - v.freqZoom.lo).toBeCloseTo(1 / 64, 9)
    v.setFrequencyRange(0.9, 0.4)
    expect(v.freqZoom).toEqual({ lo: 0.4, hi: 0.9 })
    v.zoomFrequency(1 / 4)
    expect(v.freqZoom).toEqual({ lo: 0, hi: 1 })
    v.setFrequencyRange(0, 1)
    expect(v.freqZoom).toBe(FULL_BAND)
  })

  it('clamps NaN to the lower bound', () => {
    expect(clamp(Number.NaN, 1, 2)).toBe(1)
  })
})

describe('History', () => {
  /** Changes named by a letter that write what they do into `log`. */
  function changeLog() {
    const log: string[] = []
    const change = (n: string) => ({
      label: n,
      undo: () => void log.push(`undo ${n}`),
      redo: () => void log.push(`redo ${n}`),
    })
    return { log, change }
  }

  it('undoes and redoes in order; a new change clears redo', async () => {
    const h = new History()
    const { log, change } = changeLog()
    h.push(change('a'))
    h.push(change('b'))
    expect(h.undoLabel).toBe('b')
    await h.undo()
    await h.undo()
    await h.undo()
    expect(log).toEqual(['undo b', 'undo a'])
    expect(h.canUndo).toBe(false)
    await h.redo()
    expect(h.redoLabel).toBe('b')
    h.push(change('c'))
    expect(h.canRedo).toBe(false)
  })

  it('goes to any state of the list, undoing or redoing the changes between', async () => {
    const h = new History()
    const { log, change } = changeLog()
    for (const n of ['a', 'b', 'c', 'd']) h.push(change(n))
    await h.goTo(1)
    expect(log).toEqual(['undo d', 'undo c', 'undo b'])
    expect(h.entries.map((c) => c.label)).toEqual(['a', 'b', 'c', 'd'])
    expect(h.done.map((c) => c.label)).toEqual(['a'])
    log.length = 0
    await h.goTo(3)
    expect(log).toEqual(['redo b', 'redo c'])
    await h.goTo(0)
    expect(h.canUndo).toBe(false)
    await h.goTo(99) // clamped: everything redone
    expect(h.done).toHaveLength(4)
  })
})

describe('Errors', () => {
  it("keeps main's message, the newest first, at most 5", () => {
    const e = new Errors()
    e.report('Opening the file', new CodedError('input', 'Not an audio file: x.txt'))
    expect(e.current?.message).toBe('Not an audio file: x.txt')
    for (let i = 0; i < 7; i++) e.report('x', new Error(`e${i}`))
    expect(e.items).toHaveLength(5)
    expect(e.current?.message).toBe('e6')
    e.dismiss(e.current!.id)
    expect(e.current?.message).toBe('e5')
    e.clear()
    expect(e.current).toBeNull()
  })
})
