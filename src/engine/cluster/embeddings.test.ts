import { describe, expect, it } from 'vitest'
import { assignRows, dequantizeRows, quantizeRows } from './embeddings'
import { makeRng } from './random'

describe('int8 embeddings', () => {
  it('quantise to round(127 v) and back to unit rows', () => {
    const src = Float32Array.of(1, 0, -0.6, 0.8, 0.5, -0.5, Number.NaN, 1.2)
    const q = new Int8Array(8)
    quantizeRows(src, q, 2, 0, 4)
    expect(Array.from(q)).toEqual([127, 0, -76, 102, 64, -63, 0, 127])
    const back = dequantizeRows(q, 2, Uint32Array.of(1))
    expect(Math.hypot(back[0], back[1])).toBeCloseTo(1, 6)
    expect(back[0]).toBeCloseTo(-0.6, 2)
  })

  for (const k of [1, 2, 3, 4, 5, 7]) {
    it(`assignRows gives the naive nearest centroid, k=${k}, odd row count`, () => {
      const d = 20
      const n = 1001
      const rng = makeRng(k)
      const emb = new Int8Array(n * d).map(() => Math.round(rng() * 254 - 127))
      const cents = new Float32Array(k * d).map(() => rng() - 0.5)
      const out = new Uint8Array(n)
      assignRows(emb, d, cents, k, out)
      for (let i = 0; i < n; i++) {
        let best = 0
        let bs = -Infinity
        for (let c = 0; c < k; c++) {
          let s = 0
          for (let j = 0; j < d; j++) s += emb[i * d + j] * cents[c * d + j]
          if (s > bs) {
            bs = s
            best = c
          }
        }
        expect(out[i]).toBe(best)
      }
    })
  }
})
