// Edge inputs through the whole engine (fake embedder, plumbing only): empty, one sample,
// silence, a low rate below the model's, 192 kHz, 8 channels.
import { describe, expect, it } from 'vitest'
import { separate, suggestSourceCount } from '../../src/engine'
import type { PcmAudio, StemSink } from '../../src/engine'
import { fakeModel, frequencySplitEmbedder } from './fakes'

function collect(
  k: number,
  channels: number,
  n: number,
): StemSink & { stems: Float32Array[][]; pos: number[] } {
  const stems = Array.from({ length: k }, () =>
    Array.from({ length: channels }, () => new Float32Array(n)),
  )
  const pos = new Array<number>(k).fill(0)
  return {
    stems,
    pos,
    write(s, block) {
      block.forEach((b, c) => stems[s][c].set(b, pos[s]))
      pos[s] += block[0].length
    },
  }
}

async function run(
  audio: PcmAudio,
  k: number | 'auto' = 2,
): Promise<{ sink: ReturnType<typeof collect>; k: number }> {
  const model = fakeModel()
  const n = audio.channels[0].length
  const sink = collect(8, audio.channels.length, n)
  const res = await separate(
    audio,
    model,
    frequencySplitEmbedder(model, 1500),
    { sources: k, mask: 'soft' },
    sink,
  )
  for (let s = 0; s < res.k; s++) expect(sink.pos[s]).toBe(n)
  let worst = 0
  audio.channels.forEach((x, c) => {
    for (let i = 0; i < n; i++) {
      let sum = 0
      for (let s = 0; s < res.k; s++) sum += sink.stems[s][c][i]
      worst = Math.max(worst, Math.abs(sum - x[i]))
    }
  })
  expect(worst).toBeLessThan(1e-4)
  return { sink, k: res.k }
}

const tone = (rate: number, n: number, hz: number[]): Float32Array =>
  Float32Array.from({ length: n }, (_, i) =>
    hz.reduce((s, f) => s + 0.2 * Math.sin((2 * Math.PI * f * i) / rate), 0),
  )

describe('engine edge cases (plumbing)', () => {
  it('an empty input gives empty stems', async () => {
    await run({ sampleRate: 44100, channels: [new Float32Array(0), new Float32Array(0)] })
  })
  it('a one-sample input', async () => {
    await run({ sampleRate: 44100, channels: [Float32Array.of(0.5)] })
  })
  it('digital silence: stems are silent, auto suggests one source', async () => {
    const { k, sink } = await run(
      { sampleRate: 48000, channels: [new Float32Array(48000), new Float32Array(48000)] },
      'auto',
    )
    expect(k).toBe(1)
    expect(sink.stems[0][0].every((v) => v === 0)).toBe(true)
  })
  it('an input rate below the model rate (8 kHz)', async () => {
    await run({ sampleRate: 8000, channels: [tone(8000, 16000, [300, 3000])] })
  })
  it('192 kHz stereo', async () => {
    const n = 192000
    await run({
      sampleRate: 192000,
      channels: [tone(192000, n, [300, 3000, 40000]), tone(192000, n, [500])],
    })
  })
  it('8 channels', async () => {
    await run(
      {
        sampleRate: 22050,
        channels: Array.from({ length: 8 }, (_, c) => tone(22050, 22050, [200 + 100 * c, 4000])),
      },
      3,
    )
  })
  it('suggestSourceCount caps maxK and returns one score per k', async () => {
    const model = fakeModel()
    const audio = { sampleRate: 16000, channels: [tone(16000, 32000, [300, 3000])] }
    const res = await separate(
      audio,
      model,
      frequencySplitEmbedder(model, 1500),
      { sources: 2, mask: 'hard' },
      { write() {} },
    )
    const s = suggestSourceCount(res.analysis, 3)
    expect(s.scores.length).toBe(3)
    expect(s.count).toBeGreaterThanOrEqual(1)
    expect(s.count).toBeLessThanOrEqual(3)
  })
})
