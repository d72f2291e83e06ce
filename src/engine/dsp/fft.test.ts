import { describe, expect, it } from 'vitest'
import { lcgNoise } from '../../../test/engine/synthetic'
import { ComplexFft, RealFft } from './fft'

const noise = lcgNoise

/** Naive DFT, interleaved complex in and out. */
function dft(x: Float64Array, inverse = false): Float64Array {
  const m = x.length / 2
  const out = new Float64Array(2 * m)
  const sgn = inverse ? 1 : -1
  for (let k = 0; k < m; k++) {
    let re = 0
    let im = 0
    for (let t = 0; t < m; t++) {
      const a = (sgn * 2 * Math.PI * ((k * t) % m)) / m
      const c = Math.cos(a)
      const s = Math.sin(a)
      re += x[2 * t] * c - x[2 * t + 1] * s
      im += x[2 * t] * s + x[2 * t + 1] * c
    }
    out[2 * k] = re
    out[2 * k + 1] = im
  }
  return out
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let d = 0
  for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(a[i] - b[i]))
  return d
}

describe('ComplexFft', () => {
  for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) {
    it(`matches the naive DFT, forward and inverse, m=${m}`, () => {
      const x = noise(2 * m, m)
      const fft = new ComplexFft(m)
      const out = new Float64Array(2 * m)
      fft.transform(x, out)
      expect(maxAbsDiff(out, dft(x))).toBeLessThan(1e-11 * m)
      fft.transform(x, out, true)
      expect(maxAbsDiff(out, dft(x, true))).toBeLessThan(1e-11 * m)
    })
  }
  it('rejects sizes that are not powers of two', () => {
    expect(() => new ComplexFft(12)).toThrow(RangeError)
  })
})

describe('RealFft', () => {
  for (const n of [2, 4, 8, 16, 32, 64, 128, 512, 1024, 2048]) {
    it(`matches the naive DFT of a real signal and inverts exactly, n=${n}`, () => {
      const x = noise(n, n + 7)
      const xc = new Float64Array(2 * n)
      for (let i = 0; i < n; i++) xc[2 * i] = x[i]
      const ref = dft(xc)
      const fft = new RealFft(n)
      const spec = new Float64Array(n + 2)
      fft.forward(x, spec)
      expect(maxAbsDiff(spec, ref, n + 2)).toBeLessThan(1e-10 * n)
      const back = new Float64Array(n)
      fft.inverse(spec, back)
      expect(maxAbsDiff(back, x)).toBeLessThan(1e-13 * n)
    })
  }
  it('does not allocate between calls (same instance reused gives the same answer)', () => {
    const fft = new RealFft(256)
    const x = noise(256, 3)
    const a = new Float64Array(258)
    const b = new Float64Array(258)
    fft.forward(x, a)
    fft.forward(noise(256, 4), b)
    fft.forward(x, b)
    expect(maxAbsDiff(a, b)).toBe(0)
  })
})
