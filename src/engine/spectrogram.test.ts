import { describe, expect, it } from 'vitest'
import { magnitudeSpectrogram, magnitudeSpectrogramBytes } from './spectrogram'

function song(rate: number, seconds: number): Float32Array[] {
  const n = rate * seconds
  const l = new Float32Array(n)
  const r = new Float32Array(n)
  let s = 7
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const noise = (s / 2 ** 32 - 0.5) * 0.01
    l[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate) + noise
    r[i] = 0.25 * Math.sin((2 * Math.PI * 3000 * i) / rate) + noise
  }
  return [l, r]
}

describe('magnitudeSpectrogramBytes', () => {
  it('matches the float spectrogram quantised to bytes (within one step)', () => {
    const audio = { sampleRate: 22050, channels: song(22050, 2) }
    const f = magnitudeSpectrogram(audio, { nFft: 1024, hop: 256, floorDb: -200 })
    const b = magnitudeSpectrogramBytes(audio, { nFft: 1024, hop: 256, dbMin: -100, dbMax: 0 })
    expect(b.frames).toBe(f.frames)
    expect(b.values.length).toBe(f.frames * f.bins)
    let worst = 0
    for (let i = 0; i < f.db.length; i++) {
      const expected = Math.min(255, Math.max(0, Math.round(((f.db[i] + 100) * 255) / 100)))
      worst = Math.max(worst, Math.abs(b.values[i] - expected))
    }
    expect(worst).toBeLessThanOrEqual(1)
    expect(b.maxDb).toBeCloseTo(f.maxDb, 3)
  })

  it('computes a frame range identical to the same rows of the whole', () => {
    const audio = { sampleRate: 16000, channels: song(16000, 1) }
    const whole = magnitudeSpectrogramBytes(audio, { nFft: 512 })
    const part = magnitudeSpectrogramBytes(audio, { nFft: 512, fromFrame: 10, toFrame: 40 })
    expect(part.fromFrame).toBe(10)
    expect(part.values).toEqual(whole.values.subarray(10 * 257, 40 * 257))
  })
})
