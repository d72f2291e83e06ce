import { describe, expect, it } from 'vitest'
import { hannWindow } from './window'

describe('hannWindow', () => {
  it('is periodic: w[0] = 0, w[n/2] = 1, symmetric about n/2', () => {
    const w = hannWindow(512)
    expect(w[0]).toBe(0)
    expect(w[256]).toBeCloseTo(1, 15)
    for (let i = 1; i < 256; i++) expect(w[i]).toBeCloseTo(w[512 - i], 14)
  })
  it('sums to n/2 and its squares overlap-add to 1.5 at hop n/4', () => {
    const n = 256
    const w = hannWindow(n)
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(n / 2, 10)
    for (let i = 0; i < n / 4; i++) {
      let s = 0
      for (let j = i; j < n; j += n / 4) s += w[j] * w[j]
      expect(s).toBeCloseTo(1.5, 12)
    }
  })
})
