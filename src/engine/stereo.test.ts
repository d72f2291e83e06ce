import { describe, expect, it } from 'vitest'
import { appendCue, levelDifference, stereoLevelDifference } from './stereo'

describe('stereo cue', () => {
  it('levelDifference: 0 when centred or silent, +-1 at 20 dB or more to a side, linear in dB between', () => {
    const l = new Float32Array([1, 1, 0.01, 1e-9, 0, 2, 1])
    const r = new Float32Array([1, 0.01, 1, 1e-9, 0, 1, 10])
    const d = levelDifference(l, r)
    expect(Array.from(d.slice(0, 5))).toEqual([0, 1, -1, 0, 0])
    expect(d[5]).toBeCloseTo((20 * Math.log10(2)) / 20, 5)
    expect(d[6]).toBeCloseTo(-1, 5)
    expect(levelDifference(new Float32Array([2]), new Float32Array([1]), 12)[0]).toBeCloseTo(
      (20 * Math.log10(2)) / 12,
      5,
    )
    expect(() => levelDifference(new Float32Array(2), new Float32Array(3))).toThrow(RangeError)
    expect(() => levelDifference(l, r, 0)).toThrow(RangeError)
  })

  it('stereoLevelDifference: a tone panned left and one panned right land on opposite sides', () => {
    const rate = 16000
    const n = rate
    const left = new Float32Array(n)
    const right = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const a = Math.sin((2 * Math.PI * 500 * i) / rate) // bin 16 of 512
      const b = Math.sin((2 * Math.PI * 3000 * i) / rate) // bin 96
      left[i] = 0.9 * a + 0.1 * b
      right[i] = 0.1 * a + 0.9 * b
    }
    const cue = stereoLevelDifference(left, right, 512, 256)
    const bins = 257
    const t = 20
    expect(cue[t * bins + 16]).toBeCloseTo((20 * Math.log10(9)) / 20, 2)
    expect(cue[t * bins + 96]).toBeCloseTo(-(20 * Math.log10(9)) / 20, 2)
  })

  it('appendCue: rows become unit rows of d + 1, in place; cue 0 keeps the direction; zero rows stay zero', () => {
    const d = 3
    const rows = [
      [127, 0, 0],
      [0, 90, 90],
      [0, 0, 0],
      [-73, 73, 73],
    ]
    const cue = new Float32Array([0, 1, -1, -0.5])
    const w = 2
    const emb = new Int8Array(rows.length * (d + 1))
    emb.set(rows.flat())
    appendCue(emb, d, rows.length, cue, w)
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r].map((x) => x / 127)
      const n0 = Math.hypot(...v)
      const c = n0 > 0 ? w * cue[r] : 0
      const full = [...v, c]
      const norm = Math.hypot(...full)
      const got = Array.from(emb.slice(r * (d + 1), (r + 1) * (d + 1)))
      const want = full.map((x) => (norm > 0 ? Math.round((127 * x) / norm) : 0))
      expect(got).toEqual(want)
    }
    expect(Array.from(emb.slice(0, 4))).toEqual([127, 0, 0, 0])
    expect(Array.from(emb.slice(8, 12))).toEqual([0, 0, 0, 0])
    expect(() => appendCue(new Int8Array(8), 3, 2, new Float32Array(2), 1)).not.toThrow()
    expect(() => appendCue(new Int8Array(7), 3, 2, new Float32Array(2), 1)).toThrow(RangeError)
    expect(() => appendCue(new Int8Array(8), 3, 2, new Float32Array(3), 1)).toThrow(RangeError)
  })
})
