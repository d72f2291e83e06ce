/** The bundled example shows the product at its best from the first second: no silent stretch. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeAudioFile } from '../../src/node/audio-decode'

const EXAMPLE = join(__dirname, '../../examples/trio.flac')

describe('examples/trio.flac', () => {
  it('is 15 s of 44.1 kHz stereo, and every half second of it sounds (no rest, no silence)', async () => {
    const a = await decodeAudioFile(EXAMPLE)
    expect(a.sampleRate).toBe(44100)
    expect(a.channels).toHaveLength(2)
    expect(a.channels[0].length / a.sampleRate).toBeCloseTo(15, 1)
    const half = a.sampleRate / 2
    const levels: number[] = []
    for (let i = 0; i + half <= a.channels[0].length; i += half) {
      let e = 0
      for (const ch of a.channels) for (let j = i; j < i + half; j++) e += ch[j] * ch[j]
      levels.push(10 * Math.log10(e / (2 * half) + 1e-20))
    }
    // quietest half second within 10 dB of the loudest, and well above silence
    expect(Math.min(...levels)).toBeGreaterThan(-30)
    expect(Math.max(...levels) - Math.min(...levels)).toBeLessThan(10)
  })
})
