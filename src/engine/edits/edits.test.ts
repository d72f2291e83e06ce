import { describe, expect, it } from 'vitest'
import { makeRng } from '../cluster/random'
import type { SourceMasks } from '../types'
import { hardMasks, randomSoftMasks } from '../../../test/edits/grid'
import {
  brushSelection,
  canonicalMasks,
  decodeHistory,
  dequantizeMasks,
  EditablePreparation,
  packedFor,
  decodeMasks,
  EditableMasks,
  encodeHistory,
  encodeMasks,
  frequencyBandSelection,
  lassoSelection,
  quantizeMasks,
  rectangleSelection,
  selectedCount,
  selectionWeight,
  timeRangeSelection,
  unionSelections,
  intersectSelections,
  subtractSelections,
  invertSelection,
  combineSelections,
  type EditAction,
  type EditCommand,
  type Selection,
} from './index'

const snap = (m: SourceMasks): Float32Array[] => m.masks.map((a) => a.slice())
const bitsEqual = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.every((x, s) =>
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
      Buffer.from(b[s].buffer, b[s].byteOffset, b[s].byteLength),
    ),
  )

function maxSumError(m: SourceMasks): number {
  let worst = 0
  const n = m.frames * m.bins
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let q = 0; q < m.k; q++) {
      const v = m.masks[q][i]
      if (!(v >= 0 && v <= 1)) return Infinity
      s += v
    }
    worst = Math.max(worst, Math.abs(s - 1))
  }
  return worst
}

/** A random selection of any kind. */
function randomSelection(rng: () => number, frames: number, bins: number): Selection {
  const g = { frames, bins }
  const p = (): { frame: number; bin: number } => ({ frame: rng() * frames, bin: rng() * bins })
  switch (Math.floor(rng() * 5)) {
    case 0:
      return brushSelection(g, [p(), p(), p()], { radius: 1 + rng() * 6, softness: rng() })
    case 1:
      return rectangleSelection(g, p(), p(), rng() < 0.5 ? 1 : rng())
    case 2:
      return lassoSelection(g, [p(), p(), p(), p(), p()])
    case 3: {
      const a = Math.floor(rng() * frames)
      return timeRangeSelection(g, a, a + 1 + Math.floor(rng() * 10))
    }
    default: {
      const a = Math.floor(rng() * bins)
      return frequencyBandSelection(g, a, a + 1 + Math.floor(rng() * 5))
    }
  }
}

function randomAction(rng: () => number, k: number): EditAction {
  const j = Math.floor(rng() * k)
  switch (Math.floor(rng() * 4)) {
    case 0:
      return { type: 'assign', to: j }
    case 1:
      return { type: 'move', from: Math.floor(rng() * k), to: j }
    case 2:
      return { type: 'split' }
    default:
      return { type: 'restore' }
  }
}

describe('selections', () => {
  const g = { frames: 40, bins: 30 }
  it('brush: weight 1 at the centre, soft rim, nothing beyond the radius', () => {
    const s = brushSelection(g, [{ frame: 20, bin: 15 }], { radius: 5, softness: 0.5 })
    expect(selectionWeight(s, 20, 15)).toBe(1)
    expect(selectionWeight(s, 20, 19)).toBeGreaterThan(0)
    expect(selectionWeight(s, 20, 19)).toBeLessThan(1)
    expect(selectionWeight(s, 20, 20)).toBe(0)
    expect(selectionWeight(s, 26, 15)).toBe(0)
    const hard = brushSelection(g, [{ frame: 20, bin: 15 }], { radius: 5 })
    expect(selectionWeight(hard, 20, 19)).toBe(1)
  })
  it('brush strokes fill the segment between points and clip to the grid', () => {
    const s = brushSelection(
      g,
      [
        { frame: -3, bin: 2 },
        { frame: 30, bin: 2 },
      ],
      { radius: 2 },
    )
    for (let t = 0; t <= 30; t++) expect(selectionWeight(s, t, 2)).toBe(1)
    expect(s.frame0).toBe(0)
    expect(s.bin0).toBe(1) // bin 0 lies on the radius: weight 0
  })
  it('rectangle, time range, band, lasso', () => {
    const r = rectangleSelection(g, { frame: 5, bin: 8 }, { frame: 2, bin: 3 })
    expect([r.frame0, r.frames, r.bin0, r.bins]).toEqual([2, 4, 3, 6])
    expect(selectedCount(r)).toBe(24)
    const t = timeRangeSelection(g, 10, 13)
    expect([t.frame0, t.frames, t.bin0, t.bins]).toEqual([10, 3, 0, 30])
    const b = frequencyBandSelection(g, 4, 6)
    expect([b.frame0, b.frames, b.bin0, b.bins]).toEqual([0, 40, 4, 2])
    // A right triangle (0,0) (10,0) (0,10): bins with t + f <= 10 (inside, up to the edge).
    const l = lassoSelection(g, [
      { frame: 0, bin: 0 },
      { frame: 10, bin: 0 },
      { frame: 0, bin: 10 },
    ])
    expect(selectionWeight(l, 2, 2)).toBe(1)
    expect(selectionWeight(l, 8, 8)).toBe(0)
    expect(selectedCount(l)).toBeGreaterThan(50)
    expect(selectedCount(l)).toBeLessThan(70)
    const u = unionSelections(r, t)
    expect(selectedCount(u)).toBe(24 + 90)
    expect(selectedCount(intersectSelections(b, t))).toBe(6)
  })

  it('selection algebra: add, subtract, intersect, invert, as per-bin weights', () => {
    const g = { frames: 40, bins: 30 }
    const a = rectangleSelection(g, { frame: 0, bin: 0 }, { frame: 9, bin: 9 }) // 10 x 10
    const b = rectangleSelection(g, { frame: 5, bin: 5 }, { frame: 14, bin: 14 }) // overlaps 5 x 5
    const at = (s: Selection, t: number, f: number) => selectionWeight(s, t, f)
    const add = combineSelections(a, b, 'add')
    expect(selectedCount(add)).toBe(100 + 100 - 25)
    const sub = combineSelections(a, b, 'subtract')
    expect(selectedCount(sub)).toBe(75)
    expect([at(sub, 2, 2), at(sub, 7, 7), at(sub, 12, 12)]).toEqual([1, 0, 0])
    const both = combineSelections(a, b, 'intersect')
    expect(selectedCount(both)).toBe(25)
    expect([both.frame0, both.frames, both.bin0, both.bins]).toEqual([5, 5, 5, 5])
    expect(combineSelections(a, b, 'replace')).toBe(b)
    // with nothing selected: add and replace give the new one, subtract and intersect nothing
    expect(combineSelections(null, b, 'add')).toBe(b)
    expect(selectedCount(combineSelections(null, b, 'subtract'))).toBe(0)
    expect(selectedCount(combineSelections(null, b, 'intersect'))).toBe(0)
    // soft weights: subtracting half a bin leaves half of it
    const half = { ...b, weights: b.weights.map(() => 128) }
    expect(at(subtractSelections(a, half), 6, 6)).toBeCloseTo(127 / 255, 2)
    expect(selectedCount(subtractSelections(a, a))).toBe(0)
    const inv = invertSelection(g, a)
    expect(selectedCount(inv)).toBe(40 * 30 - 100)
    expect([at(inv, 3, 3), at(inv, 3, 20), at(inv, 30, 3)]).toEqual([0, 1, 1])
    expect(selectedCount(invertSelection(g, inv))).toBe(100)
  })
})

describe('EditableMasks', () => {
  it('canonical masks are idempotent and sum to exactly 4095 units', () => {
    const m = randomSoftMasks(3, 20, 17)
    const c = canonicalMasks(m)
    expect(bitsEqual(canonicalMasks(c).masks, c.masks)).toBe(true)
    const q = quantizeMasks(c)
    for (let i = 0; i < 20 * 17; i++) expect(q[0][i] + q[1][i] + q[2][i]).toBe(4095)
    expect(maxSumError(c)).toBeLessThan(1e-6)
  })

  it('canonical masks equal dequantize(quantize()); a prepared editor (slice by slice) equals the constructor', () => {
    for (const k of [1, 2, 3, 5]) {
      const m = randomSoftMasks(k, 40, 33, k)
      const ref = dequantizeMasks(quantizeMasks(m), k, 40 * 33)
      expect(bitsEqual(canonicalMasks(m).masks, ref)).toBe(true)
      const direct = new EditableMasks(m)
      expect(bitsEqual(direct.automatic.masks, ref)).toBe(true)
      expect(bitsEqual(direct.masks.masks, ref)).toBe(true)
      const prep = new EditablePreparation(m)
      let steps = 0
      while (!prep.step(0)) steps++
      expect(steps).toBe(0) // 1,320 bins: one slice
      const ed = prep.finish()
      expect(prep.finish()).toBe(ed)
      expect(bitsEqual(ed.automatic.masks, ref)).toBe(true)
      expect(bitsEqual(ed.masks.masks, ref)).toBe(true)
      expect(ed.masks.masks[0]).not.toBe(ed.automatic.masks[0]) // a working copy, not the same array
      // and it edits like the other
      const cmd: EditCommand = {
        action: { type: 'assign', to: 0 },
        selection: rectangleSelection(m, { frame: 3, bin: 2 }, { frame: 20, bin: 30 }, 0.5),
      }
      direct.edit(cmd)
      ed.edit(cmd)
      expect(bitsEqual(ed.masks.masks, direct.masks.masks)).toBe(true)
    }
    // a grid of several slices, finished half way
    const big = randomSoftMasks(3, 600, 257, 9)
    const prep = new EditablePreparation(big)
    expect(prep.step(0)).toBe(false)
    expect(prep.done).toBe(false)
    const ed = prep.finish()
    expect(prep.done).toBe(true)
    expect(bitsEqual(ed.masks.masks, canonicalMasks(big).masks)).toBe(true)
  })

  it('undo memory: a first edit of a bin keeps nothing but its selection, a re-edit 8 + 4k bytes', () => {
    const k = 3
    const ed = new EditableMasks(randomSoftMasks(k, 100, 64, 5))
    const sel = rectangleSelection(ed.masks, { frame: 10, bin: 0 }, { frame: 60, bin: 64 })
    const n = selectedCount(sel)
    ed.edit({ action: { type: 'assign', to: 1 }, selection: sel })
    expect(ed.historyBytes).toBe(sel.weights.length)
    ed.edit({ action: { type: 'assign', to: 2 }, selection: sel })
    expect(ed.historyBytes).toBe((8 + 4 * k) * n + 2 * sel.weights.length)
  })

  it('property: any random edit sequence keeps masks summing to 1, writes only its range, undoes and redoes exactly', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rng = makeRng(seed)
      const k = 2 + (seed % 3)
      const frames = 50
      const bins = 33
      const ed = new EditableMasks(
        seed % 2
          ? randomSoftMasks(k, frames, bins, seed)
          : hardMasks(k, frames, bins, (t, f) => (t + f) % k),
      )
      const states: Float32Array[][] = [snap(ed.masks)]
      const weights: Float32Array[] = [ed.override.slice()]
      for (let step = 0; step < 60; step++) {
        const before = snap(ed.masks)
        const cmd: EditCommand = {
          action: randomAction(rng, k),
          selection: randomSelection(rng, frames, bins),
        }
        const r = ed.edit(cmd)
        expect(maxSumError(ed.masks)).toBeLessThan(2e-6)
        // Undo relies on it: a bin with override weight 0 holds exactly the automatic masks.
        for (let i = 0; i < frames * bins; i++)
          if (ed.override[i] === 0)
            for (let s = 0; s < k; s++) expect(ed.masks.masks[s][i]).toBe(ed.automatic.masks[s][i])
        // Nothing outside the touched range changed.
        for (let s = 0; s < k; s++)
          for (let t = 0; t < frames; t++)
            for (let f = 0; f < bins; f++) {
              const i = t * bins + f
              if (ed.masks.masks[s][i] === before[s][i]) continue
              expect(r).not.toBeNull()
              expect(
                t >= r!.frameStart && t < r!.frameEnd && f >= r!.binStart && f < r!.binEnd,
              ).toBe(true)
              expect(selectionWeight(cmd.selection, t, f)).toBeGreaterThan(0)
            }
        if (r) {
          states.push(snap(ed.masks))
          weights.push(ed.override.slice())
        }
      }
      expect(ed.undoStack.length).toBe(states.length - 1)
      const final = states[states.length - 1]
      // Undo all the way: every intermediate state comes back bit for bit.
      for (let i = states.length - 2; i >= 0; i--) {
        expect(ed.undo()).not.toBeNull()
        expect(bitsEqual(ed.masks.masks, states[i])).toBe(true)
        expect(bitsEqual([ed.override], [weights[i]])).toBe(true)
      }
      expect(ed.undo()).toBeNull()
      expect(bitsEqual(ed.masks.masks, ed.automatic.masks)).toBe(true)
      // Redo all the way.
      for (let i = 1; i < states.length; i++) {
        ed.redo()
        expect(bitsEqual(ed.masks.masks, states[i])).toBe(true)
      }
      expect(ed.redo()).toBeNull()
      expect(bitsEqual(ed.masks.masks, final)).toBe(true)
      // Replaying the history from scratch gives the same floats.
      const replay = EditableMasks.fromHistory(ed.automatic, ed.undoStack, [], { canonical: true })
      expect(bitsEqual(replay.masks.masks, final)).toBe(true)
    }
  })

  it('assign with full weight makes hard masks; soft masks stay soft outside the selection', () => {
    const ed = new EditableMasks(randomSoftMasks(3, 10, 10))
    const auto = snap(ed.automatic)
    ed.edit({
      action: { type: 'assign', to: 2 },
      selection: rectangleSelection(ed.masks, { frame: 2, bin: 2 }, { frame: 4, bin: 4 }),
    })
    const i = 3 * 10 + 3
    expect([ed.masks.masks[0][i], ed.masks.masks[1][i], ed.masks.masks[2][i]]).toEqual([0, 0, 1])
    expect(ed.override[i]).toBe(1)
    const j = 7 * 10 + 7
    expect(ed.masks.masks[0][j]).toBe(auto[0][j])
    expect(ed.override[j]).toBe(0)
  })

  it("move i -> j moves only i's share; split evens; restore returns to automatic", () => {
    const ed = new EditableMasks(randomSoftMasks(3, 6, 6, 9))
    const A = snap(ed.automatic)
    const sel = rectangleSelection(ed.masks, { frame: 0, bin: 0 }, { frame: 5, bin: 5 })
    ed.edit({ action: { type: 'move', from: 0, to: 1 }, selection: sel })
    for (let i = 0; i < 36; i++) {
      expect(ed.masks.masks[0][i]).toBe(0)
      expect(ed.masks.masks[1][i]).toBeCloseTo(A[0][i] + A[1][i], 6)
      expect(ed.masks.masks[2][i]).toBeCloseTo(A[2][i], 6)
    }
    ed.edit({ action: { type: 'split' }, selection: sel })
    for (let i = 0; i < 36; i++) expect(ed.masks.masks[2][i]).toBeCloseTo(1 / 3, 6)
    ed.edit({ action: { type: 'restore' }, selection: sel })
    expect(bitsEqual(ed.masks.masks, A)).toBe(true)
    expect(ed.override.every((w) => w === 0)).toBe(true)
    // Half-weight assign: halfway between the current mask and the target.
    const half = rectangleSelection(ed.masks, { frame: 0, bin: 0 }, { frame: 0, bin: 0 }, 0.5)
    ed.edit({ action: { type: 'assign', to: 0 }, selection: half })
    expect(ed.masks.masks[0][0]).toBeCloseTo((1 - 128 / 255) * A[0][0] + 128 / 255, 6)
  })

  it('a stroke applied dab by dab equals the one-shot command; cancel restores; one undo step', () => {
    const base = randomSoftMasks(4, 60, 40, 3)
    const a = new EditableMasks(base)
    const before = snap(a.masks)
    const g = a.masks
    const st = a.beginStroke({ type: 'assign', to: 1 })
    const pts = [
      { frame: 5, bin: 5 },
      { frame: 12, bin: 9 },
      { frame: 20, bin: 20 },
      { frame: 22, bin: 21 },
    ]
    for (let i = 0; i < pts.length; i++) {
      const r = st.add(
        brushSelection(g, pts.slice(Math.max(0, i - 1), i + 1), { radius: 4, softness: 0.6 }),
      )
      expect(r).not.toBeNull()
    }
    const done = st.end()!
    expect(a.undoStack.length).toBe(1)
    const b = new EditableMasks(base)
    b.edit(done.command)
    expect(bitsEqual(a.masks.masks, b.masks.masks)).toBe(true)
    a.undo()
    expect(bitsEqual(a.masks.masks, before)).toBe(true)
    a.redo()
    expect(bitsEqual(a.masks.masks, b.masks.masks)).toBe(true)
    const st2 = a.beginStroke({ type: 'split' })
    st2.add(brushSelection(g, [{ frame: 40, bin: 30 }], { radius: 5 }))
    st2.cancel()
    expect(bitsEqual(a.masks.masks, b.masks.masks)).toBe(true)
    expect(a.undoStack.length).toBe(1)
  })

  it('a new edit clears the redo stack', () => {
    const ed = new EditableMasks(randomSoftMasks(2, 8, 8))
    const sel = rectangleSelection(ed.masks, { frame: 1, bin: 1 }, { frame: 2, bin: 2 })
    ed.edit({ action: { type: 'assign', to: 0 }, selection: sel })
    ed.undo()
    expect(ed.canRedo).toBe(true)
    ed.edit({ action: { type: 'assign', to: 1 }, selection: sel })
    expect(ed.canRedo).toBe(false)
  })

  it('rejects bad actions and selections', () => {
    const ed = new EditableMasks(randomSoftMasks(2, 8, 8))
    const sel = rectangleSelection(ed.masks, { frame: 1, bin: 1 }, { frame: 2, bin: 2 })
    expect(() => ed.edit({ action: { type: 'assign', to: 2 }, selection: sel })).toThrow(/source 2/)
    expect(() => ed.edit({ action: { type: 'split' }, selection: { ...sel, frame0: 7 } })).toThrow(
      RangeError,
    )
  })

  it('setAutomatic replays the edits over new automatic masks', () => {
    const ed = new EditableMasks(randomSoftMasks(3, 10, 10, 1))
    const sel = rectangleSelection(ed.masks, { frame: 0, bin: 0 }, { frame: 3, bin: 3 })
    ed.edit({ action: { type: 'assign', to: 2 }, selection: sel })
    ed.setAutomatic(randomSoftMasks(3, 10, 10, 2))
    expect(ed.masks.masks[2][0]).toBe(1)
    const fresh = EditableMasks.fromHistory(randomSoftMasks(3, 10, 10, 2), ed.undoStack)
    expect(bitsEqual(fresh.masks.masks, ed.masks.masks)).toBe(true)
    expect(ed.assignedBins().indices.length).toBe(16)
  })
})

describe('codec', () => {
  it('packed planes: decoded masks stay packed until read; editors and encodings from them are exact', () => {
    for (const [k, hard] of [
      [3, false],
      [2, true],
      [1, false],
    ] as const) {
      const m = hard
        ? hardMasks(k, 40, 33, (t, f) => (t + 2 * f) % k)
        : canonicalMasks(randomSoftMasks(k, 40, 33, k))
      const { masks: _, ...grid } = m
      const enc = encodeMasks(m)
      expect(enc.encoding).toBe(hard || k === 1 ? 'labels-u8' : 'u12-planes')
      // an editor keeps its automatic masks packed: encoding them is the same bytes, no floats made
      const ed = new EditableMasks(m)
      const auto = ed.automatic
      expect(packedFor(auto)).toBeDefined()
      const again = encodeMasks(auto)
      expect(again.encoding).toBe(enc.encoding)
      expect(Buffer.from(again.data).equals(Buffer.from(enc.data))).toBe(true)
      if (enc.encoding === 'u12-planes') {
        const d = decodeMasks(enc, grid)
        expect(packedFor(d)).toBeDefined()
        expect(Object.getOwnPropertyDescriptor(d, 'masks')?.get).toBeTypeOf('function')
        // an editor over the decoded planes adopts them (same object) and equals one over floats
        const e2 = new EditableMasks(d, { canonical: true })
        expect(e2.automatic).toBe(d)
        expect(bitsEqual(e2.masks.masks, ed.masks.masks)).toBe(true)
        expect(bitsEqual(d.masks, m.masks)).toBe(true) // read now: the floats, exactly
        const cmd: EditCommand = {
          action: { type: 'restore' },
          selection: rectangleSelection(m, { frame: 2, bin: 1 }, { frame: 30, bin: 20 }, 0.6),
        }
        ed.edit({ action: { type: 'assign', to: 0 }, selection: cmd.selection })
        e2.edit({ action: { type: 'assign', to: 0 }, selection: cmd.selection })
        ed.edit(cmd)
        e2.edit(cmd)
        expect(bitsEqual(e2.masks.masks, ed.masks.masks)).toBe(true)
      }
    }
  })

  it('masks (soft and hard) and history round-trip exactly', () => {
    for (const m of [
      canonicalMasks(randomSoftMasks(4, 31, 21)),
      hardMasks(3, 30, 21, (t, f) => (t * f) % 3),
    ]) {
      const enc = encodeMasks(m)
      expect(enc.encoding).toBe(
        m.masks[0].every((v) => v === 0 || v === 1) ? 'labels-u8' : 'u12-planes',
      )
      const { masks: _, ...grid } = m
      expect(bitsEqual(decodeMasks(enc, grid).masks, m.masks)).toBe(true)
    }
    // Non-canonical input is quantised first: decodes to its canonical form.
    const raw = randomSoftMasks(3, 30, 21, 7)
    const { masks: _r, ...rawGrid } = raw
    expect(bitsEqual(decodeMasks(encodeMasks(raw), rawGrid).masks, canonicalMasks(raw).masks)).toBe(
      true,
    )
    const ed = new EditableMasks(randomSoftMasks(3, 30, 20))
    const rng = makeRng(4)
    const tools = ['rect', 'wand', undefined, 'selection'] as const
    for (let i = 0; i < 20; i++)
      ed.edit({
        action: randomAction(rng, 3),
        selection: randomSelection(rng, 30, 20),
        ...(tools[i % 4] ? { tool: tools[i % 4] } : {}),
      })
    // a stroke keeps its tool too (the History names it "Brush → …" after reopening)
    const st = ed.beginStroke({ type: 'assign', to: 1 }, 'brush')
    st.add(randomSelection(rng, 30, 20))
    st.end()
    expect(ed.undoStack.at(-1)!.tool).toBe('brush')
    for (let i = 0; i < 5; i++) ed.undo()
    expect(ed.redoStack.map((c) => c.tool)).toEqual([
      'brush',
      'selection',
      undefined,
      'wand',
      'rect',
    ])
    const h = encodeHistory(ed.undoStack, ed.redoStack)
    const json = JSON.parse(JSON.stringify({ undo: h.undo, redo: h.redo }))
    const back = decodeHistory(json, h.bytes, { frames: 30, bins: 20, k: 3 })
    expect(back.undo).toEqual(ed.undoStack)
    expect(back.redo).toEqual(ed.redoStack)
    expect(() =>
      decodeHistory({ undo: [{ ...h.undo[0], frame0: 29, frames: 5 }], redo: [] }, h.bytes, {
        frames: 30,
        bins: 20,
        k: 3,
      }),
    ).toThrow(/undo\[0\]/)
  })
})
