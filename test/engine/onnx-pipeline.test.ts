// The engine on the real onnxruntime embedder with the tiny-random fixture (random weights):
// PLUMBING only (shapes, chunking through a real graph, stems summing to the input). No quality claim.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyse, clusterSources, separate, suggestSourceCount } from '../../src/engine'
import type { StemSink } from '../../src/engine'
import { createOnnxEmbedder } from '../../src/node/onnx-embedder'
import { loadModel } from '../../src/node/model-store'
import { makeRng } from '../../src/engine/cluster/random'

const fixture = resolve('test/fixtures/tiny-random.json')

describe.skipIf(!existsSync(fixture))(
  'engine + onnxruntime (tiny-random fixture, plumbing)',
  () => {
    it('analyses, clusters and synthesises a stereo 44.1 kHz file; stems sum to the input', async () => {
      const { metadata, onnxPath } = await loadModel(fixture)
      const { embedder } = await createOnnxEmbedder(onnxPath, metadata, {
        device: 'cpu',
        threads: 1,
      })
      const rate = 44100
      const n = rate * 8 // > one 400-frame chunk at the fixture's grid
      const rng = makeRng(3)
      const channels = [0, 1].map((c) =>
        new Float32Array(n).map(
          (_, i) =>
            0.3 * Math.sin((2 * Math.PI * (220 + 110 * c) * i) / rate) + 0.05 * (rng() * 2 - 1),
        ),
      )
      const audio = { sampleRate: rate, channels }
      const analysis = await analyse(audio, metadata, embedder)
      expect(analysis.frames).toBe(Math.floor((8 * metadata.sampleRate) / metadata.stft.hop) + 1)
      expect(analysis.embeddings.length).toBe(
        analysis.frames * analysis.bins * metadata.embeddingDim,
      )
      // Every stored embedding is (quantised) unit-norm.
      for (let i = 0; i < analysis.frames * analysis.bins; i += 997) {
        let s = 0
        for (let j = 0; j < analysis.dim; j++)
          s += (analysis.embeddings[i * analysis.dim + j] / 127) ** 2
        expect(Math.sqrt(s)).toBeGreaterThan(0.95)
        expect(Math.sqrt(s)).toBeLessThan(1.05)
      }
      const sug = suggestSourceCount(analysis, 4)
      expect(sug.count).toBeGreaterThanOrEqual(1)
      expect(sug.count).toBeLessThanOrEqual(4)
      expect(clusterSources(analysis, 3).assignment.length).toBe(analysis.frames * analysis.bins)

      const stems = Array.from({ length: 3 }, () => [new Float32Array(n), new Float32Array(n)])
      const pos = [0, 0, 0]
      const sink: StemSink = {
        write(s, block) {
          block.forEach((b, c) => stems[s][c].set(b, pos[s]))
          pos[s] += block[0].length
        },
      }
      const res = await separate(audio, metadata, embedder, { sources: 3, mask: 'soft' }, sink)
      expect(pos).toEqual([n, n, n])
      let worst = 0
      for (let c = 0; c < 2; c++)
        for (let i = 0; i < n; i++)
          worst = Math.max(
            worst,
            Math.abs(stems[0][c][i] + stems[1][c][i] + stems[2][c][i] - channels[c][i]),
          )
      expect(worst).toBeLessThan(1e-4)
      expect(res.energyShares.reduce((a, b) => a + b)).toBeCloseTo(1, 9)
      await embedder.dispose?.()
    })
  },
)
