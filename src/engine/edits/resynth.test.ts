import { describe, expect, it } from 'vitest'
import { makeRng } from '../cluster/random'
import { synthesizeFromRows, synthesizeStems } from '../masks/synthesize'
import type { StemSink } from '../types'
import { randomSoftMasks } from '../../../test/edits/grid'
import {
  EditableMasks,
  lassoSelection,
  rectangleSelection,
  selectionMaskRows,
  soloMaskRows,
  touchedSampleRange,
} from './index'

/** Collects a synthesis into [source][channel] arrays starting at `start`. */
function collector(k: number, C: number, len: number): { sink: StemSink; out: Float32Array[][] } {
  const out = Array.from({ length: k }, () =>
    Array.from({ length: C }, () => new Float32Array(len)),
  )
  const pos = new Array(k).fill(0)
  return {
    out,
    sink: {
      write(s, block) {
        block.forEach((b, c) => out[s][c].set(b, pos[s]))
        pos[s] += block[0].length
      },
    },
  }
}

describe('re-synthesis after an edit', () => {
  const rate = 22050
  const n = rate * 2
  const rng = makeRng(2)
  const audio = {
    sampleRate: rate,
    channels: [
      new Float32Array(n).map(() => rng() - 0.5),
      new Float32Array(n).map(() => rng() - 0.5),
    ],
  }
  const frames = Math.floor((2 * 16000) / 256) + 1

  it('only samples inside touchedSampleRange change; the range re-synthesis equals the whole file there', async () => {
    const ed = new EditableMasks(randomSoftMasks(3, frames, 257, 5))
    const before = collector(3, 2, n)
    await synthesizeStems(audio, ed.masks, before.sink)
    const touched = ed.edit({
      action: { type: 'assign', to: 1 },
      selection: rectangleSelection(ed.masks, { frame: 40, bin: 0 }, { frame: 49, bin: 256 }),
    })!
    const after = collector(3, 2, n)
    await synthesizeStems(audio, ed.masks, after.sink)
    const range = touchedSampleRange(ed.masks, touched, rate, n)
    let changed = 0
    for (let s = 0; s < 3; s++)
      for (let c = 0; c < 2; c++)
        for (let i = 0; i < n; i++) {
          if (before.out[s][c][i] === after.out[s][c][i]) continue
          changed++
          expect(i >= range.start && i < range.start + range.length).toBe(true)
        }
    expect(changed).toBeGreaterThan(0)
    const part = collector(3, 2, range.length)
    await synthesizeStems(audio, ed.masks, part.sink, { range })
    for (let s = 0; s < 3; s++)
      for (let c = 0; c < 2; c++)
        expect(Array.from(part.out[s][c])).toEqual(
          Array.from(after.out[s][c].subarray(range.start, range.start + range.length)),
        )
  })

  it('a soloed source (two-source view) is bit-identical to that stem of the full synthesis', async () => {
    const ed = new EditableMasks(randomSoftMasks(3, frames, 257, 6))
    const full = collector(3, 2, n)
    await synthesizeStems(audio, ed.masks, full.sink)
    for (const s of [0, 1]) {
      const solo = collector(2, 2, n)
      await synthesizeFromRows(audio, soloMaskRows(ed.masks, s), solo.sink)
      for (let c = 0; c < 2; c++)
        expect(Buffer.from(solo.out[0][c].buffer).equals(Buffer.from(full.out[s][c].buffer))).toBe(
          true,
        )
    }
    // The last source: the complement view's first stem (masked directly; equal to float rounding).
    const solo = collector(2, 2, n)
    await synthesizeFromRows(audio, soloMaskRows(ed.masks, 2), solo.sink)
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < n; i += 101) expect(solo.out[0][c][i]).toBeCloseTo(full.out[2][c][i], 5)
  })

  it('a selection as the mask: its part and the rest sum to the mixture, equal to materialised masks', async () => {
    const m = randomSoftMasks(2, frames, 257, 9)
    const { masks: _, ...grid } = m
    const sel = lassoSelection(grid, [
      { frame: 20, bin: 10 },
      { frame: 60, bin: 40 },
      { frame: 30, bin: 120 },
    ])
    const range = touchedSampleRange(
      grid,
      { frameStart: sel.frame0, frameEnd: sel.frame0 + sel.frames },
      rate,
      n,
    )
    const got = collector(2, 2, range.length)
    await synthesizeFromRows(audio, selectionMaskRows(grid, sel), got.sink, { range })
    // the same masks made dense: the export's synthesizeStems over them gives the same samples
    const dense = [new Float32Array(frames * 257), new Float32Array(frames * 257).fill(1)]
    for (let t = 0; t < sel.frames; t++)
      for (let f = 0; f < sel.bins; f++) {
        const w = sel.weights[t * sel.bins + f] / 255
        const i = (sel.frame0 + t) * 257 + sel.bin0 + f
        dense[0][i] = w
        dense[1][i] = 1 - w
      }
    const ref = collector(2, 2, range.length)
    await synthesizeStems(audio, { ...grid, k: 2, masks: dense }, ref.sink, { range })
    for (let s = 0; s < 2; s++)
      for (let c = 0; c < 2; c++) expect(got.out[s][c]).toEqual(ref.out[s][c])
    let worst = 0
    let energy = 0
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < range.length; i++) {
        const x = audio.channels[c][range.start + i]
        worst = Math.max(worst, Math.abs(got.out[0][c][i] + got.out[1][c][i] - x))
        energy += got.out[0][c][i] ** 2
      }
    expect(worst).toBeLessThan(1e-4)
    expect(energy).toBeGreaterThan(0)
  })
})
