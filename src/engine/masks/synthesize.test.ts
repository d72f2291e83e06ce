import { describe, expect, it } from 'vitest'
import { makeRng } from '../cluster/random'
import type { PcmAudio, SourceMasks, StemSink } from '../types'
import { outputFftSize, synthesizeStems } from './synthesize'

/** Collects every block the engine streams, checking the write order. */
class CollectingSink implements StemSink {
  stems: Float32Array[][]
  private next = 0
  private lengths: number[] = []
  constructor(
    private k: number,
    channels: number,
    n: number,
  ) {
    this.stems = Array.from({ length: k }, () =>
      Array.from({ length: channels }, () => new Float32Array(n)),
    )
  }
  private pos = new Map<number, number>()
  write(s: number, block: Float32Array[]): void {
    expect(s).toBe(this.next)
    this.next = (this.next + 1) % this.k
    if (s === 0) this.lengths.push(block[0].length)
    else expect(block[0].length).toBe(this.lengths[this.lengths.length - 1])
    const p = this.pos.get(s) ?? 0
    block.forEach((b, c) => this.stems[s][c].set(b, p))
    this.pos.set(s, p + block[0].length)
  }
  written(s: number): number {
    return this.pos.get(s) ?? 0
  }
}

function noiseAudio(rate: number, n: number, channels: number, seed = 1): PcmAudio {
  const rng = makeRng(seed)
  return {
    sampleRate: rate,
    channels: Array.from({ length: channels }, () =>
      new Float32Array(n).map(() => 0.8 * (rng() * 2 - 1)),
    ),
  }
}

/** Model-grid masks from a function of (frame, bin) -> source weights (normalised here). */
function gridMasks(
  k: number,
  rate: number,
  nFft: number,
  hop: number,
  frames: number,
  fn: (t: number, f: number, s: number) => number,
): SourceMasks {
  const bins = nFft / 2 + 1
  const masks = Array.from({ length: k }, () => new Float32Array(frames * bins))
  for (let t = 0; t < frames; t++)
    for (let f = 0; f < bins; f++) {
      let sum = 0
      for (let s = 0; s < k; s++) sum += fn(t, f, s)
      for (let s = 0; s < k; s++)
        masks[s][t * bins + f] = sum > 0 ? fn(t, f, s) / sum : s === 0 ? 1 : 0
    }
  return { k, sampleRate: rate, nFft, hop, frames, bins, masks }
}

function maxAbs(a: Float32Array, b?: Float32Array, from = 0, to = a.length): number {
  let m = 0
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i] - (b ? b[i] : 0)))
  return m
}

describe('synthesizeStems', () => {
  it('chooses ~64 ms power-of-two FFT sizes', () => {
    expect(outputFftSize(44100)).toBe(2048)
    expect(outputFftSize(48000)).toBe(2048)
    expect(outputFftSize(16000)).toBe(1024)
    expect(outputFftSize(96000)).toBe(4096)
    expect(outputFftSize(8000)).toBe(512)
  })

  it('stems of random soft masks sum to the input (44.1 kHz stereo, model grid 16 kHz)', async () => {
    const n = 44100 * 2 + 123
    const audio = noiseAudio(44100, n, 2)
    const frames = Math.floor((n * 16000) / 44100 / 128) + 1
    const rng = makeRng(5)
    const table = new Float32Array(frames * 257 * 3).map(() => rng())
    const masks = gridMasks(3, 16000, 512, 128, frames, (t, f, s) => table[(t * 257 + f) * 3 + s])
    const sink = new CollectingSink(3, 2, n)
    const res = await synthesizeStems(audio, masks, sink, { blockFrames: 37 })
    for (let s = 0; s < 3; s++) expect(sink.written(s)).toBe(n)
    for (let c = 0; c < 2; c++) {
      const sum = new Float32Array(n)
      for (let s = 0; s < 3; s++) sink.stems[s][c].forEach((v, i) => (sum[i] += v))
      expect(maxAbs(sum, audio.channels[c])).toBeLessThan(1e-6)
    }
    expect(res.energyShares.reduce((a, b) => a + b)).toBeCloseTo(1, 9)
    expect(res.nFft).toBe(2048)
    expect(res.hop).toBe(512)
  })

  it('a mask of all ones reconstructs the input in that stem (perfect reconstruction < 1e-5)', async () => {
    const n = 30001
    const audio = noiseAudio(48000, n, 3, 2)
    const frames = Math.floor((n * 8000) / 48000 / 64) + 1
    const masks = gridMasks(3, 8000, 256, 64, frames, (_t, _f, s) => (s === 1 ? 1 : 0))
    const sink = new CollectingSink(3, 3, n)
    await synthesizeStems(audio, masks, sink)
    for (let c = 0; c < 3; c++) {
      expect(maxAbs(sink.stems[1][c], audio.channels[c])).toBeLessThan(1e-5)
      expect(maxAbs(sink.stems[0][c])).toBe(0)
      expect(maxAbs(sink.stems[2][c])).toBeLessThan(1e-5)
    }
  })

  it('one source: the stem is the input', async () => {
    const audio = noiseAudio(22050, 5000, 1)
    const masks = gridMasks(1, 16000, 512, 128, 29, () => 1)
    const sink = new CollectingSink(1, 1, 5000)
    const res = await synthesizeStems(audio, masks, sink)
    expect(sink.stems[0][0]).toEqual(audio.channels[0])
    expect(res.energyShares).toEqual([1])
  })

  it('splits by frequency, and bins above the model Nyquist follow the model top octave', async () => {
    const rate = 44100
    const n = rate
    const x = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const t = i / rate
      x[i] =
        0.3 * Math.sin(2 * Math.PI * 500 * t) +
        0.3 * Math.sin(2 * Math.PI * 6000 * t) +
        0.2 * Math.sin(2 * Math.PI * 12000 * t)
    }
    const frames = Math.floor((n * 16000) / rate / 128) + 1
    // Source 0: below 2 kHz; source 1: above (model bins are 31.25 Hz apart).
    const masks = gridMasks(2, 16000, 512, 128, frames, (_t, f, s) =>
      f * 31.25 < 2000 === (s === 0) ? 1 : 0,
    )
    const sink = new CollectingSink(2, 1, n)
    await synthesizeStems({ sampleRate: rate, channels: [x] }, masks, sink)
    let err0 = 0
    let err1 = 0
    for (let i = 4096; i < n - 4096; i++) {
      const t = i / rate
      const low = 0.3 * Math.sin(2 * Math.PI * 500 * t)
      err0 = Math.max(err0, Math.abs(sink.stems[0][0][i] - low))
      err1 = Math.max(err1, Math.abs(sink.stems[1][0][i] - (x[i] - low)))
    }
    expect(err0).toBeLessThan(1e-3)
    expect(err1).toBeLessThan(1e-3)
  })

  it('a sample range gives exactly that slice of the whole-file stems', async () => {
    const n = 44100 * 2
    const audio = noiseAudio(44100, n, 2, 9)
    const frames = Math.floor((n * 16000) / 44100 / 256) + 1
    const rng = makeRng(11)
    const table = new Float32Array(frames * 257 * 3).map(() => rng())
    const masks = gridMasks(3, 16000, 512, 256, frames, (t, f, s) => table[(t * 257 + f) * 3 + s])
    const whole = new CollectingSink(3, 2, n)
    await synthesizeStems(audio, masks, whole, { blockFrames: 16 })
    for (const [start, length] of [
      [0, 1000],
      [12345, 20000],
      [n - 777, 5000],
      [511, 1],
    ]) {
      const len = Math.min(length, n - start)
      const part = new CollectingSink(3, 2, len)
      await synthesizeStems(audio, masks, part, { range: { start, length }, blockFrames: 16 })
      for (let s = 0; s < 3; s++) {
        expect(part.written(s)).toBe(len)
        for (let c = 0; c < 2; c++)
          expect(part.stems[s][c]).toEqual(whole.stems[s][c].subarray(start, start + len))
      }
    }
  })

  it('keeps model-grid time: a mask switching at 0.5 s switches the stems at 0.5 s', async () => {
    const rate = 44100
    const n = rate
    const x = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate))
    const hop = 256
    const frames = Math.floor(16000 / hop) + 1
    // Model frame t is centred at t * 256 / 16000 s: source 0 before 0.5 s, source 1 after.
    const masks = gridMasks(2, 16000, 512, hop, frames, (t, _f, s) =>
      (t * hop) / 16000 < 0.5 === (s === 0) ? 1 : 0,
    )
    const sink = new CollectingSink(2, 1, n)
    await synthesizeStems({ sampleRate: rate, channels: [x] }, masks, sink)
    const rms = (a: Float32Array, from: number, to: number): number => {
      let e = 0
      for (let i = from; i < to; i++) e += a[i] * a[i]
      return Math.sqrt(e / (to - from))
    }
    const half = rate / 2
    const w = 2048 // one output window either side of the switch may mix
    expect(rms(sink.stems[0][0], 0, half - w)).toBeGreaterThan(0.3)
    expect(rms(sink.stems[0][0], half + w, n)).toBeLessThan(1e-3)
    expect(rms(sink.stems[1][0], 0, half - w)).toBeLessThan(1e-3)
    expect(rms(sink.stems[1][0], half + w, n)).toBeGreaterThan(0.3)
    // The crossover itself sits at 0.5 s: equal energy in both stems within a few ms of it.
    let cross = 0
    for (let i = half - w; i < half + w; i += 64) {
      if (rms(sink.stems[1][0], i, i + 256) > rms(sink.stems[0][0], i, i + 256)) {
        cross = i + 128
        break
      }
    }
    expect(Math.abs(cross - half) / rate).toBeLessThan(0.006)
  })

  it('stops with an AbortError when aborted', async () => {
    const audio = noiseAudio(16000, 16000, 1)
    const masks = gridMasks(2, 16000, 512, 128, 126, () => 1)
    const ctl = new AbortController()
    ctl.abort()
    await expect(
      synthesizeStems(audio, masks, new CollectingSink(2, 1, 16000), { signal: ctl.signal }),
    ).rejects.toThrow(/abort/i)
  })
})
