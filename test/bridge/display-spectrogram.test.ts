import { describe, expect, it } from 'vitest'
import { magnitudeSpectrogram } from '../../src/engine/index'
import {
  CHUNK_FRAMES,
  DISPLAY_DB_MAX,
  DISPLAY_DB_MIN,
  DisplaySpectrogram,
  MAX_DISPLAY_FRAMES,
  displayGrid,
  quantiseInto,
} from '../../src/engine-process/display-spectrogram'
import { jsMixture } from './audio-fixtures'

describe('display spectrogram', () => {
  it('computed chunk by chunk, in any order, equals the engine spectrogram of the whole file', async () => {
    const audio = { sampleRate: 22050, channels: jsMixture(30, 22050) }
    const sp = new DisplaySpectrogram(audio)
    const { frames, bins, nFft, hop } = sp.grid
    expect(frames).toBeGreaterThan(2 * CHUNK_FRAMES)
    sp.ensure(CHUNK_FRAMES + 3, CHUNK_FRAMES + 5) // a middle chunk first
    sp.ensure(frames - 1, frames) // then the last
    await sp.fill(new AbortController().signal, async () => undefined)
    expect(sp.complete).toBe(true)
    const whole = magnitudeSpectrogram(audio, { nFft, hop, floorDb: DISPLAY_DB_MIN - 1 })
    expect(whole.frames).toBe(frames)
    const expected = new Uint8Array(frames * bins)
    quantiseInto(whole.db, DISPLAY_DB_MIN, DISPLAY_DB_MAX, expected)
    let maxDiff = 0
    for (let i = 0; i < expected.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(expected[i]! - sp.db[i]!))
    expect(maxDiff).toBeLessThanOrEqual(1)
  })

  it('widens the hop for long files and scales the FFT with the rate', () => {
    expect(displayGrid(44100, 44100 * 180)).toMatchObject({ nFft: 2048, hop: 512, bins: 1025 })
    const long = displayGrid(44100, 44100 * 1800)
    expect(long.frames).toBeLessThanOrEqual(MAX_DISPLAY_FRAMES)
    expect(long.hop).toBe(4096)
    expect(displayGrid(96000, 96000)).toMatchObject({ nFft: 4096 })
  })

  it('quantises with rounding and clamping', () => {
    const out = new Uint8Array(5)
    quantiseInto(new Float32Array([-200, -120, -60, 0, 10]), -120, 0, out)
    expect([...out]).toEqual([0, 0, 128, 255, 255])
  })
})
