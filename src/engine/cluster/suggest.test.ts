import { describe, expect, it } from 'vitest'
import { syntheticAnalysis } from '../../../test/engine/synthetic'
import { suggestSourceCount, symmetricEigenvalues } from './suggest'

describe('suggestSourceCount', () => {
  for (const shares of [
    [1],
    [0.6, 0.4],
    [0.5, 0.3, 0.2],
    [0.4, 0.3, 0.2, 0.1],
    [0.3, 0.25, 0.2, 0.15, 0.1],
  ]) {
    it(`finds ${shares.length} well-separated synthetic source(s) with confidence`, () => {
      const { analysis } = syntheticAnalysis({
        frames: 200,
        bins: 65,
        dim: 20,
        shares,
        sigma: 0.15,
      })
      const s = suggestSourceCount(analysis, 8)
      expect(s.scores.length).toBe(8)
      expect(s.count).toBe(shares.length)
      expect(s.confidence).toBeGreaterThan(0.5)
      expect(s.confidence).toBeLessThanOrEqual(1)
    })
  }

  it('symmetricEigenvalues matches a known spectrum', () => {
    // R diag(3, 1, 0.5) R^T for a rotation R.
    const c = Math.cos(0.7)
    const s = Math.sin(0.7)
    const R = [
      [c, -s, 0],
      [s * 0.6, c * 0.6, -0.8],
      [s * 0.8, c * 0.8, 0.6],
    ]
    const D = [3, 1, 0.5]
    const A = R.map((ri) => R.map((rj) => ri.reduce((acc, _v, k) => acc + ri[k] * D[k] * rj[k], 0)))
    const ev = symmetricEigenvalues(A)
    expect(ev[0]).toBeCloseTo(3, 10)
    expect(ev[1]).toBeCloseTo(1, 10)
    expect(ev[2]).toBeCloseTo(0.5, 10)
  })
})
