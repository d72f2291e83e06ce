// Plumbing of the whole engine with fake embedders: shapes, chunking, streaming, mixture
// consistency, progress and abort. Not a quality test: the fakes know the answer.
import { describe, expect, it } from 'vitest'
import {
  analyse,
  clusterSources,
  magnitudeSpectrogram,
  separate,
  sourceMasks,
  synthesizeStems,
} from '../../src/engine'
import type { PcmAudio, StemSink } from '../../src/engine'
import { ModelError } from '../../src/shared/errors'
import { chunkPositionEmbedder, fakeModel, frequencySplitEmbedder } from './fakes'

class MemorySink implements StemSink {
  stems: Float32Array[][]
  pos: number[]
  constructor(k: number, channels: number, n: number) {
    this.stems = Array.from({ length: k }, () =>
      Array.from({ length: channels }, () => new Float32Array(n)),
    )
    this.pos = new Array(k).fill(0)
  }
  write(s: number, block: Float32Array[]): void {
    block.forEach((b, c) => this.stems[s][c].set(b, this.pos[s]))
    this.pos[s] += block[0].length
  }
}

/** Low source: 220 + 440 Hz tones; high source: 4 kHz + 11 kHz tones (11 kHz is above the model's Nyquist). */
function twoSourceMix(
  rate: number,
  seconds: number,
): { mix: PcmAudio; low: Float32Array[]; high: Float32Array[] } {
  const n = Math.round(rate * seconds)
  const low = [new Float32Array(n), new Float32Array(n)]
  const high = [new Float32Array(n), new Float32Array(n)]
  for (let i = 0; i < n; i++) {
    const t = i / rate
    low[0][i] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.1 * Math.sin(2 * Math.PI * 440 * t)
    low[1][i] = 0.25 * Math.sin(2 * Math.PI * 220 * t + 0.5)
    high[0][i] =
      0.1 * Math.sin(2 * Math.PI * 4000 * t) * (1 + Math.sin(2 * Math.PI * 0.5 * t)) +
      0.05 * Math.sin(2 * Math.PI * 11000 * t)
    high[1][i] =
      0.12 * Math.sin(2 * Math.PI * 4000 * t + 1) + 0.05 * Math.sin(2 * Math.PI * 11000 * t)
  }
  const mix = {
    sampleRate: rate,
    channels: [0, 1].map((c) => low[c].map((v, i) => v + high[c][i])),
  }
  return { mix, low, high }
}

function siSdr(est: Float32Array, ref: Float32Array, from: number, to: number): number {
  let dot = 0
  let rr = 0
  for (let i = from; i < to; i++) {
    dot += est[i] * ref[i]
    rr += ref[i] * ref[i]
  }
  const a = dot / rr
  let s = 0
  let e = 0
  for (let i = from; i < to; i++) {
    s += (a * ref[i]) ** 2
    e += (a * ref[i] - est[i]) ** 2
  }
  return 10 * Math.log10(s / e)
}

describe('engine pipeline (plumbing, fake embedder)', () => {
  it('separates two frequency-disjoint sources into stems that sum to the input', async () => {
    const rate = 44100
    const { mix, low, high } = twoSourceMix(rate, 6)
    const model = fakeModel()
    const embedder = frequencySplitEmbedder(model, 1500)
    const n = mix.channels[0].length
    const sink = new MemorySink(2, 2, n)
    const progress: number[] = []
    const res = await separate(mix, model, embedder, { sources: 2, mask: 'hard' }, sink, {
      onProgress: (p) => progress.push(p.fraction),
    })
    expect(res.k).toBe(2)
    expect(sink.pos).toEqual([n, n])
    // Mixture consistency.
    let worst = 0
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < n; i++)
        worst = Math.max(
          worst,
          Math.abs(sink.stems[0][c][i] + sink.stems[1][c][i] - mix.channels[c][i]),
        )
    expect(worst).toBeLessThan(1e-4)
    // Which stem is which: the low source is the louder one (stems ordered by weight share).
    const margin = 4096
    for (let c = 0; c < 2; c++) {
      expect(siSdr(sink.stems[0][c], low[c], margin, n - margin)).toBeGreaterThan(20)
      expect(siSdr(sink.stems[1][c], high[c], margin, n - margin)).toBeGreaterThan(20)
    }
    expect(res.energyShares[0]).toBeGreaterThan(res.energyShares[1])
    expect(res.energyShares[0] + res.energyShares[1]).toBeCloseTo(1, 9)
    // Progress is monotone and ends at 1; batching happened (4 chunks per call by default).
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1] - 1e-12)
    expect(progress[progress.length - 1]).toBeCloseTo(1, 9)
    expect(Math.max(...embedder.calls)).toBeGreaterThan(1)
    for (const stage of [
      'downmix',
      'resample',
      'stft',
      'features',
      'embed',
      'kmeans',
      'masks',
      'apply',
      'istft',
      'total',
    ] as const) {
      expect(res.timings[stage]).toBeGreaterThanOrEqual(0)
    }
  })

  it("'auto' finds the two sources; another k re-clusters without the network", async () => {
    const { mix } = twoSourceMix(22050, 3)
    const model = fakeModel()
    const embedder = frequencySplitEmbedder(model, 1500)
    const n = mix.channels[0].length
    const res = await separate(
      mix,
      model,
      embedder,
      { sources: 'auto', mask: 'soft', maxSources: 5 },
      new MemorySink(5, 2, n),
    )
    expect(res.suggestion?.count).toBe(2)
    expect(res.k).toBe(2)
    const calls = embedder.calls.length
    const c3 = clusterSources(res.analysis, 3)
    const m3 = sourceMasks(res.analysis, c3, 'soft')
    const sink = new MemorySink(3, 2, n)
    await synthesizeStems(mix, m3, sink)
    expect(embedder.calls.length).toBe(calls)
    let worst = 0
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < n; i++)
        worst = Math.max(
          worst,
          Math.abs(
            sink.stems[0][c][i] + sink.stems[1][c][i] + sink.stems[2][c][i] - mix.channels[c][i],
          ),
        )
    expect(worst).toBeLessThan(1e-4)
  })

  it('chunked inference keeps only chunk centres (except at the file ends)', async () => {
    const { mix } = twoSourceMix(16000, 4) // 501 frames at hop 128
    const model = fakeModel({ embeddingDim: 4 })
    const edge = 10
    const a = await analyse(mix, model, chunkPositionEmbedder(4, edge), {
      chunkFrames: 100,
      overlapFrames: edge,
      batchChunks: 3,
    })
    expect(a.frames).toBe(501)
    expect(a.embeddings.length).toBe(501 * 257 * 4)
    for (let t = 0; t < a.frames; t++) {
      const v = a.embeddings[t * 257 * 4] // bin 0, dim 0: 127 when the frame came from a chunk edge
      const atFileEdge = t < edge || t >= a.frames - edge
      if (!atFileEdge) expect(v, `frame ${t}`).toBe(0)
    }
  })

  it('rejects an embedder whose dimension does not match the model', async () => {
    const { mix } = twoSourceMix(16000, 1)
    await expect(
      analyse(mix, fakeModel({ embeddingDim: 8 }), chunkPositionEmbedder(4, 1)),
    ).rejects.toThrow(/embeddingDim/)
  })

  it('a model that emits NaN embeddings fails with a ModelError', async () => {
    const { mix } = twoSourceMix(16000, 1)
    const nanEmbedder = {
      dim: 8,
      embed: async (_f: Float32Array, b: number, t: number, f: number) =>
        new Float32Array(b * t * f * 8).fill(Number.NaN),
    }
    await expect(analyse(mix, fakeModel(), nanEmbedder)).rejects.toThrow(ModelError)
  })

  it('the stereo cue parts two panned sources that a timbre-blind embedder cannot', async () => {
    const rate = 44100
    const n = rate * 4
    // A (440 + 880 Hz) mostly left, B (1500 + 3000 Hz) mostly right.
    const A = [new Float32Array(n), new Float32Array(n)]
    const B = [new Float32Array(n), new Float32Array(n)]
    for (let i = 0; i < n; i++) {
      const t = i / rate
      const a = 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.2 * Math.sin(2 * Math.PI * 880 * t)
      const b = 0.3 * Math.sin(2 * Math.PI * 1500 * t) + 0.2 * Math.sin(2 * Math.PI * 3000 * t)
      A[0][i] = 0.95 * a
      A[1][i] = 0.2 * a
      B[0][i] = 0.2 * b
      B[1][i] = 0.95 * b
    }
    const mix = { sampleRate: rate, channels: [0, 1].map((c) => A[c].map((v, i) => v + B[c][i])) }
    const model = fakeModel()
    const blind = chunkPositionEmbedder(model.embeddingDim, 0) // the same vector for every bin
    const margin = 4096
    const best = (sink: MemorySink, ref: Float32Array[]): number =>
      Math.max(
        ...[0, 1].map((s) =>
          Math.min(...[0, 1].map((c) => siSdr(sink.stems[s][c], ref[c], margin, n - margin))),
        ),
      )
    const plain = new MemorySink(2, 2, n)
    const r0 = await separate(mix, model, blind, { sources: 2, mask: 'soft' }, plain)
    expect(r0.analysis.stereoCue).toBe(0)
    expect(r0.analysis.dim).toBe(model.embeddingDim)
    expect(best(plain, A)).toBeLessThan(6) // every stem is about half the mix
    const cued = new MemorySink(2, 2, n)
    const r1 = await separate(
      mix,
      model,
      blind,
      { sources: 2, mask: 'soft', stereoCue: true },
      cued,
    )
    expect(r1.analysis.stereoCue).toBe(2) // DEFAULT_STEREO_CUE: the fake model has no stereoCue
    expect(r1.analysis.dim).toBe(model.embeddingDim + 1)
    expect(best(cued, A)).toBeGreaterThan(15)
    expect(best(cued, B)).toBeGreaterThan(15)
    // The model's own setting wins over the default; a number is the weight itself.
    const own = fakeModel({ stereoCue: { weight: 0.7, ildRangeDb: 20 } })
    expect((await analyse(mix, own, blind, { stereoCue: true })).stereoCue).toBe(0.7)
    expect((await analyse(mix, own, blind, { stereoCue: 3 })).stereoCue).toBe(3)
    await expect(analyse(mix, own, blind, { stereoCue: -1 })).rejects.toThrow(RangeError)
  })

  it('the stereo cue leaves mono and dual-mono inputs as they were', async () => {
    const rate = 16000
    const { mix } = twoSourceMix(rate, 2)
    const model = fakeModel()
    const embedder = frequencySplitEmbedder(model, 1500)
    const mono = { sampleRate: rate, channels: [mix.channels[0]] }
    const m = await analyse(mono, model, embedder, { stereoCue: true })
    expect([m.stereoCue, m.dim]).toEqual([0, model.embeddingDim])
    const dual = { sampleRate: rate, channels: [mix.channels[0], mix.channels[0].slice()] }
    const off = await analyse(dual, model, embedder)
    const on = await analyse(dual, model, embedder, { stereoCue: true })
    expect([on.stereoCue, on.dim]).toEqual([2, model.embeddingDim + 1])
    const a0 = clusterSources(off, 2).assignment
    const a1 = clusterSources(on, 2).assignment
    const same = a0.every((v, i) => v === a1[i])
    const swapped = a0.every((v, i) => v === 1 - a1[i])
    expect(same || swapped).toBe(true)
  })

  it('aborts with an AbortError', async () => {
    const { mix } = twoSourceMix(16000, 2)
    const ctl = new AbortController()
    const model = fakeModel()
    const p = separate(
      mix,
      model,
      frequencySplitEmbedder(model, 1000),
      { sources: 2, mask: 'hard' },
      new MemorySink(2, 2, 32000),
      {
        signal: ctl.signal,
        onProgress: (e) => {
          if (e.fraction > 0.2) ctl.abort()
        },
      },
    )
    await expect(p).rejects.toThrow(/abort/i)
  })

  it('magnitudeSpectrogram: a full-scale sine peaks near 0 dB; maxFrames widens the hop', () => {
    const rate = 44100
    const x = new Float32Array(rate).map((_, i) => Math.sin((2 * Math.PI * 1000 * i) / rate))
    const s = magnitudeSpectrogram({ sampleRate: rate, channels: [x, x] })
    expect(s.bins).toBe(1025)
    expect(s.maxDb).toBeGreaterThan(-1.5)
    expect(s.maxDb).toBeLessThan(0.1)
    const small = magnitudeSpectrogram({ sampleRate: rate, channels: [x] }, { maxFrames: 20 })
    expect(small.frames).toBeLessThanOrEqual(20)
  })
})
