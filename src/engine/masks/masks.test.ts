import { describe, expect, it } from 'vitest'
import { syntheticAnalysis } from '../../../test/engine/synthetic'
import { clusterSources } from '../cluster/cluster'
import { maskRows, sourceMasks } from './masks'
import { makeRng } from '../cluster/random'

describe('sourceMasks', () => {
  for (const mode of ['hard', 'soft'] as const) {
    it(`${mode} masks of every bin (silent ones included) sum to 1`, () => {
      const { analysis } = syntheticAnalysis({
        frames: 100,
        bins: 33,
        dim: 16,
        shares: [1, 1, 1, 1],
        silentFraction: 0.5,
      })
      const c = clusterSources(analysis, 4, { sampleSize: 2000 })
      const m = sourceMasks(analysis, c, mode)
      expect(m.masks.length).toBe(4)
      let worst = 0
      for (let i = 0; i < 100 * 33; i++) {
        let s = 0
        for (let q = 0; q < 4; q++) {
          const v = m.masks[q][i]
          expect(v).toBeGreaterThanOrEqual(0)
          expect(v).toBeLessThanOrEqual(1)
          s += v
        }
        worst = Math.max(worst, Math.abs(s - 1))
      }
      expect(worst).toBeLessThan(1e-6)
      if (mode === 'hard') {
        for (let i = 0; i < 100 * 33; i++) expect(m.masks[c.assignment[i]][i]).toBe(1)
      }
    })
  }

  it('soft masks follow the hard assignment and sharpen with beta', () => {
    const { analysis } = syntheticAnalysis({ frames: 50, bins: 17, dim: 8, shares: [1, 1] })
    const c = clusterSources(analysis, 2, { sampleSize: 1000 })
    const soft5 = sourceMasks(analysis, c, 'soft', { beta: 5 })
    const soft50 = sourceMasks(analysis, c, 'soft', { beta: 50 })
    let agree = 0
    let sharper = 0
    for (let i = 0; i < 50 * 17; i++) {
      const a = c.assignment[i]
      if (soft5.masks[a][i] >= 0.5) agree++
      if (soft50.masks[a][i] >= soft5.masks[a][i] - 1e-6) sharper++
    }
    expect(agree).toBe(50 * 17)
    expect(sharper).toBe(50 * 17)
  })

  for (const k of [2, 3, 4, 5]) {
    it(`soft masks equal softmax(beta cos) computed naively, k=${k}`, () => {
      const d = 20
      const n = 333
      const rng = makeRng(40 + k)
      const emb = new Int8Array(n * d).map(() => Math.round(rng() * 254 - 127))
      emb.fill(0, 0, d) // a zero row: uniform
      const cents = new Float32Array(k * d).map(() => rng() - 0.5)
      for (let c = 0; c < k; c++) {
        const norm = Math.hypot(...cents.subarray(c * d, c * d + d))
        for (let j = 0; j < d; j++) cents[c * d + j] /= norm
      }
      const out = Array.from({ length: k }, () => new Float32Array(n))
      maskRows(emb, d, cents, k, 'soft', 5, 0, n, out)
      for (let i = 0; i < n; i++) {
        const norm = Math.hypot(...emb.subarray(i * d, i * d + d)) || 1
        const cos = Array.from({ length: k }, (_, c) => {
          let s = 0
          for (let j = 0; j < d; j++) s += emb[i * d + j] * cents[c * d + j]
          return s / norm
        })
        const e = cos.map((v) => Math.exp(5 * v))
        const z = e.reduce((a, b) => a + b)
        for (let c = 0; c < k; c++) expect(Math.abs(out[c][i] - e[c] / z)).toBeLessThan(1e-6)
      }
    })
  }
})
