import { describe, expect, it } from 'vitest'
import { lcgNoise } from '../../../test/engine/synthetic'
import fixture from '../../../test/engine/fixtures/torch-stft.json'
import { istft, stft, stftFrameCount, stftMagnitude } from './stft'

function formulaSignal(n: number): Float32Array {
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++)
    x[i] = 0.6 * Math.sin(0.031 * i) + 0.3 * Math.sin(0.77 * i + 1) + 0.1 * Math.cos(2.1 * i)
  return x
}

/** Float32 noise in [-1, 1). */
const noise = (n: number, seed = 1): Float32Array => Float32Array.from(lcgNoise(n, seed))

describe('stft', () => {
  it('has floor(n / hop) + 1 frames', () => {
    expect(stftFrameCount(16000, 128)).toBe(126)
    expect(stftFrameCount(16001, 128)).toBe(126)
    expect(stftFrameCount(0, 128)).toBe(1)
    expect(stft(new Float32Array(1000), 64, 16).frames).toBe(63)
  })

  for (const c of fixture.cases) {
    it(`matches torch.stft(center=True, constant pad, periodic Hann): n=${c.n} nFft=${c.nFft} hop=${c.hop}`, () => {
      const X = stft(formulaSignal(c.n), c.nFft, c.hop)
      expect(X.frames).toBe(c.frames)
      expect(X.bins).toBe(c.bins)
      let maxErr = 0
      let maxRef = 0
      for (let i = 0; i < c.frames * c.bins; i++) {
        maxErr = Math.max(
          maxErr,
          Math.abs(X.data[2 * i] - c.re[i]),
          Math.abs(X.data[2 * i + 1] - c.im[i]),
        )
        maxRef = Math.max(maxRef, Math.hypot(c.re[i], c.im[i]))
      }
      expect(maxErr / maxRef).toBeLessThan(1e-6)
      const { magnitude } = stftMagnitude(formulaSignal(c.n), c.nFft, c.hop)
      for (let i = 0; i < c.frames * c.bins; i += 37) {
        expect(Math.abs(magnitude[i] - Math.hypot(c.re[i], c.im[i]))).toBeLessThan(1e-6 * maxRef)
      }
    })
  }
})

describe('istft', () => {
  for (const [nFft, hop, n] of [
    [512, 128, 16000],
    [2048, 512, 44100],
    [256, 64, 1001],
    [512, 256, 5000],
    [64, 16, 7],
  ] as const) {
    it(`round-trips to < 1e-5: nFft=${nFft} hop=${hop} n=${n}`, () => {
      const x = noise(n, nFft + n)
      const y = istft(stft(x, nFft, hop), n)
      let err = 0
      for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(y[i] - x[i]))
      expect(err).toBeLessThan(1e-5)
    })
  }
})
