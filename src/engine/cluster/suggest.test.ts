import { describe, expect, it } from 'vitest'
import { syntheticAnalysis } from '../../../test/engine/synthetic'
import type { ModelSourceCount } from '../../shared/model'
import {
  countFeatures,
  countProbabilities,
  embeddingSpectrum,
  suggestSourceCount,
  symmetricEigenvalues,
} from './suggest'

const D = 20

/** A classifier over counts 1..n whose logits are bias plus w * (standardised) feature f. */
function countModel(counts: number[], bias: number[], f = -1, w: number[] = []): ModelSourceCount {
  return {
    features: 'spectrum-v1',
    sampleSize: 5_000,
    counts,
    mean: new Array<number>(2 * D).fill(0),
    scale: new Array<number>(2 * D).fill(1),
    weights: counts.map((_, c) =>
      Array.from({ length: 2 * D }, (_, i) => (i === f ? (w[c] ?? 0) : 0)),
    ),
    bias,
  }
}

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

describe('the embedding spectrum and the fitted source-count classifier', () => {
  const analysisOf = (shares: number[]) =>
    syntheticAnalysis({ frames: 200, bins: 65, dim: D, shares, sigma: 0.15 }).analysis

  it('embeddingSpectrum: descending eigenvalues that sum to 1, one large one per source', () => {
    const ev = embeddingSpectrum(analysisOf([0.5, 0.3, 0.2]), D, 5_000, 2)
    expect(ev).not.toBeNull()
    const e = ev as number[]
    expect(e.length).toBe(D)
    expect(e.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
    for (let i = 1; i < D; i++) expect(e[i]).toBeLessThanOrEqual(e[i - 1] + 1e-12)
    expect(e[2]).toBeGreaterThan(0.1)
    expect(e[3]).toBeLessThan(0.05)
    // fewer coordinates: a D' x D' spectrum, still normalised
    const e5 = embeddingSpectrum(analysisOf([0.5, 0.3, 0.2]), 5, 5_000, 2) as number[]
    expect(e5.length).toBe(5)
    expect(e5.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
  })

  it('countFeatures: the spectrum, then log10(l + 1e-4)', () => {
    expect(countFeatures([0.9, 0.1, 0])).toEqual([
      0.9,
      0.1,
      0,
      Math.log10(0.9001),
      Math.log10(0.1001),
      -4,
    ])
  })

  it('countProbabilities: the softmax of the standardised logits, features checked', () => {
    const m = countModel([1, 2], [0, 0], 1, [0, 2])
    m.mean[1] = 0.5
    m.scale[1] = 0.25
    const x = new Array<number>(2 * D).fill(0)
    x[1] = 0.75 // standardised: 1 -> logits 0 and 2
    const p = countProbabilities(m, x)
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(2)), 12)
    expect(p[1]).toBeCloseTo(Math.exp(2) / (1 + Math.exp(2)), 12)
    expect(() => countProbabilities(m, [1, 2, 3])).toThrow(/expects 40 features, got 3/)
  })

  it("suggestSourceCount uses the analysis's classifier: p(k) as scores, maxK respected", () => {
    const a = { ...analysisOf([0.6, 0.4]), sourceCount: countModel([1, 2, 3, 4], [0, 1, 3, 2]) }
    const s = suggestSourceCount(a, 8)
    expect(s.count).toBe(3)
    expect(s.scores.length).toBe(8)
    expect(s.scores.slice(4)).toEqual([0, 0, 0, 0])
    expect(s.scores.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12)
    expect(s.confidence).toBeCloseTo(s.scores[2], 12)
    // only counts up to maxK compete; the confidence is renormalised over them
    const two = suggestSourceCount(a, 2)
    expect(two.count).toBe(2)
    expect(two.scores.length).toBe(2)
    expect(two.confidence).toBeCloseTo(two.scores[1] / (two.scores[0] + two.scores[1]), 12)
  })

  it('a classifier on the second eigenvalue tells one source from two', () => {
    // logit(2) - logit(1) = 40 * (l2 - 0.1): two sources when the second direction holds > 10 %
    const m = countModel([1, 2], [0, -4], 1, [0, 40])
    expect(suggestSourceCount({ ...analysisOf([1]), sourceCount: m }, 8).count).toBe(1)
    expect(suggestSourceCount({ ...analysisOf([0.6, 0.4]), sourceCount: m }, 8).count).toBe(2)
  })
})
