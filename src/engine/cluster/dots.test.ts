import { describe, expect, it } from 'vitest'
import { makeRng } from './random'
import { argmaxOf, centroidDots, centroidDots2, packCentroids } from './dots'

/** The plain dot product of row i of x with centroid q. */
function naive(x: ArrayLike<number>, i: number, c: Float32Array, q: number, d: number): number {
  let s = 0
  for (let j = 0; j < d; j++) s += x[i * d + j]! * c[q * d + j]!
  return s
}

describe('centroid dot products', () => {
  const rng = makeRng(3)
  const d = 7
  const rows = 5
  const floats = Float32Array.from({ length: rows * d }, () => rng() * 2 - 1)
  const ints = Int8Array.from({ length: rows * d }, () => Math.round((rng() * 2 - 1) * 127))

  for (const k of [1, 2, 3, 4, 5, 8, 9]) {
    it(`one row against k = ${k} packed centroids (float32 and int8 rows)`, () => {
      const c = Float32Array.from({ length: k * d }, () => rng() * 2 - 1)
      const ct = packCentroids(c, k, d)
      const out = new Float64Array(Math.ceil(k / 4) * 4)
      for (const x of [floats, ints])
        for (let i = 0; i < rows; i++) {
          centroidDots(x, i * d, d, ct, out)
          for (let q = 0; q < k; q++) expect(out[q]).toBeCloseTo(naive(x, i, c, q, d), 5)
          for (let q = k; q < out.length; q++) expect(out[q]).toBe(0) // padding centroids
        }
    })
  }

  it('two rows at once give the one-row values bit for bit, and the rows squared norms', () => {
    const k = 3
    const c = Float32Array.from({ length: k * d }, () => rng() * 2 - 1)
    const ct = packCentroids(c, k, d)
    const one = new Float64Array(4)
    const two = new Float64Array(10)
    for (const x of [floats, ints]) {
      centroidDots2(x, 1 * d, 3 * d, d, ct, two)
      centroidDots(x, 1 * d, d, ct, one)
      expect(Array.from(two.subarray(0, 4))).toEqual(Array.from(one))
      centroidDots(x, 3 * d, d, ct, one)
      expect(Array.from(two.subarray(4, 8))).toEqual(Array.from(one))
      expect(two[8]).toBeCloseTo(naive(x, 1, x as unknown as Float32Array, 1, d), 5)
      expect(two[9]).toBeCloseTo(naive(x, 3, x as unknown as Float32Array, 3, d), 5)
    }
  })

  it('argmaxOf: the first of the largest, within its window', () => {
    const v = Float64Array.of(1, 5, 5, 2, 9, 0, 9, 3)
    expect(argmaxOf(v, 0, 4)).toBe(1)
    expect(argmaxOf(v, 4, 4)).toBe(0)
    expect(argmaxOf(v, 4, 1)).toBe(0)
    expect(argmaxOf(v, 5, 3)).toBe(1)
  })
})
