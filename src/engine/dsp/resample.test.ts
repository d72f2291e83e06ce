import { describe, expect, it } from 'vitest'
import { Resampler, resample } from './resample'

function sine(n: number, rate: number, hz: number, amp = 0.5, phase = 0): Float32Array {
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / rate + phase)
  return x
}

/** Max |y[i] - amp sin(2 pi hz i / rate)| over the interior (away from the zero-padded ends). */
function sineError(y: Float32Array, rate: number, hz: number, amp: number, margin: number): number {
  let err = 0
  for (let i = margin; i < y.length - margin; i++) {
    err = Math.max(err, Math.abs(y[i] - amp * Math.sin((2 * Math.PI * hz * i) / rate)))
  }
  return err
}

function rmsInterior(y: Float32Array, margin: number): number {
  let s = 0
  for (let i = margin; i < y.length - margin; i++) s += y[i] * y[i]
  return Math.sqrt(s / (y.length - 2 * margin))
}

describe('resample', () => {
  it('has length ceil(n * out / in)', () => {
    expect(resample(new Float32Array(44100), 44100, 16000).length).toBe(16000)
    expect(resample(new Float32Array(44101), 44100, 16000).length).toBe(16001)
    expect(resample(new Float32Array(1), 44100, 16000).length).toBe(1)
    expect(resample(new Float32Array(0), 44100, 16000).length).toBe(0)
    expect(resample(new Float32Array(1000), 8000, 192000).length).toBe(24000)
    expect(resample(new Float32Array(999), 48000, 16000).length).toBe(333)
  })

  for (const [inRate, outRate, hz] of [
    [44100, 16000, 1000],
    [44100, 16000, 7000],
    [48000, 16000, 3000],
    [16000, 44100, 5000],
    [8000, 192000, 3500],
    [192000, 8000, 3000],
    [22050, 16000, 440],
    [96000, 44100, 15000],
    [44100, 44101, 9000],
    [11025, 16000, 4000],
  ] as const) {
    it(`keeps a ${hz} Hz sine's frequency, amplitude and timing: ${inRate} -> ${outRate}`, () => {
      const x = sine(inRate, inRate, hz) // one second
      const y = resample(x, inRate, outRate)
      // Interior error: the output is the same sine sampled at i / outRate (no delay, no gain change).
      expect(sineError(y, outRate, hz, 0.5, Math.ceil(outRate / 50))).toBeLessThan(2e-4)
    })
  }

  for (const [inRate, outRate, hz] of [
    [44100, 16000, 12000],
    [44100, 16000, 8300],
    [48000, 16000, 9000],
    [192000, 8000, 60000],
    [96000, 44100, 25000],
  ] as const) {
    it(`suppresses a ${hz} Hz sine above the output Nyquist (aliasing): ${inRate} -> ${outRate}`, () => {
      const y = resample(sine(inRate, inRate, hz), inRate, outRate)
      const db = 20 * Math.log10(rmsInterior(y, Math.ceil(outRate / 50)) / (0.5 / Math.SQRT2))
      expect(db).toBeLessThan(-90)
    })
  }

  it('is exact at DC and an identity copy when rates are equal', () => {
    const y = resample(new Float32Array(44100).fill(0.25), 44100, 16000)
    for (let i = 200; i < y.length - 200; i++) expect(Math.abs(y[i] - 0.25)).toBeLessThan(1e-6)
    const x = sine(100, 16000, 440)
    const z = resample(x, 16000, 16000)
    expect(z).toEqual(x)
    expect(z).not.toBe(x)
  })

  it('puts an impulse at the right time (delay compensated)', () => {
    const x = new Float32Array(4410)
    x[2205] = 1 // t = 50 ms
    const y = new Resampler(44100, 16000).process(x)
    let best = 0
    for (let i = 1; i < y.length; i++) if (Math.abs(y[i]) > Math.abs(y[best])) best = i
    expect(best).toBe(800) // 50 ms at 16 kHz
  })

  it("processMean resamples the channels' mean without a downmix copy", () => {
    const a = sine(10000, 44100, 440)
    const b = sine(10000, 44100, 3000, 0.3)
    const r = new Resampler(44100, 16000)
    const mean = a.map((v, i) => (v + b[i]) / 2)
    const y1 = r.processMean([a, b])
    const y2 = r.process(mean)
    expect(y1.length).toBe(y2.length)
    for (let i = 0; i < y1.length; i++) expect(Math.abs(y1[i] - y2[i])).toBeLessThan(1e-6)
  })

  it('rejects non-integer or non-positive rates', () => {
    expect(() => new Resampler(0, 16000)).toThrow(RangeError)
    expect(() => new Resampler(44100.5, 16000)).toThrow(RangeError)
  })
})
