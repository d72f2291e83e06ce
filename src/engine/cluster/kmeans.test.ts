import { describe, expect, it } from 'vitest'
import {
  bestPermutationAccuracy,
  clusteredPoints,
  orthogonalDirections,
} from '../../../test/engine/synthetic'
import { sphericalKMeans } from './kmeans'

describe('sphericalKMeans', () => {
  for (const k of [2, 3, 4, 6]) {
    it(`recovers ${k} well-separated clusters (unequal sizes, weighted)`, () => {
      const d = 20
      const shares = Array.from({ length: k }, (_, i) => 1 / (i + 1))
      const { points, labels } = clusteredPoints(orthogonalDirections(k, d), d, 5000, 0.12, shares)
      const weights = new Float32Array(5000).map((_, i) => 0.5 + ((i * 7919) % 100) / 100)
      const res = sphericalKMeans(points, weights, d, k, { restarts: 4, seed: 5 })
      expect(bestPermutationAccuracy(labels, res.labels, k)).toBeGreaterThan(0.995)
      for (let c = 0; c < k; c++) {
        const norm = Math.hypot(...res.centroids.subarray(c * d, c * d + d))
        expect(norm).toBeCloseTo(1, 5)
      }
      expect(res.inertia).toBeLessThan(0.2)
    })
  }

  it('is deterministic for a seed', () => {
    const d = 8
    const { points } = clusteredPoints(orthogonalDirections(3, d), d, 1000, 0.3, [1, 1, 1])
    const w = new Float32Array(1000).fill(1)
    const a = sphericalKMeans(points, w, d, 3, { seed: 9 })
    const b = sphericalKMeans(points, w, d, 3, { seed: 9 })
    expect(a.labels).toEqual(b.labels)
    expect(a.centroids).toEqual(b.centroids)
  })

  it('k = 1 gives the weighted mean direction', () => {
    const d = 3
    const points = Float32Array.of(1, 0, 0, 0, 1, 0)
    const res = sphericalKMeans(points, Float32Array.of(3, 1), d, 1)
    const c = res.centroids
    expect(c[0]).toBeCloseTo(3 / Math.sqrt(10), 5)
    expect(c[1]).toBeCloseTo(1 / Math.sqrt(10), 5)
  })

  it('handles more clusters than distinct points and zero weights without NaN', () => {
    const d = 2
    const points = Float32Array.of(1, 0, 1, 0, 0, 1)
    const res = sphericalKMeans(points, Float32Array.of(1, 0, 1), d, 3)
    for (const v of res.centroids) expect(Number.isFinite(v)).toBe(true)
    expect(res.labels[0]).not.toBe(res.labels[2])
  })

  it('rejects bad k and mismatched shapes', () => {
    expect(() => sphericalKMeans(new Float32Array(4), new Float32Array(2), 2, 0)).toThrow(
      RangeError,
    )
    expect(() => sphericalKMeans(new Float32Array(5), new Float32Array(2), 2, 1)).toThrow(
      RangeError,
    )
  })
})
