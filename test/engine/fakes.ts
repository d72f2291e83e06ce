/** Fake embedders and model metadata for PLUMBING tests only: they never make a quality claim. */
import type { Embedder } from '../../src/engine/embedder'
import type { ModelMetadata } from '../../src/shared/model'

/** Model metadata with the contract's shape (16 kHz, 512/128 unless overridden). */
export function fakeModel(over: Partial<ModelMetadata> = {}): ModelMetadata {
  const nFft = over.stft?.nFft ?? 512
  return {
    formatVersion: 1,
    name: 'fake',
    version: '0',
    sampleRate: 16000,
    stft: { nFft, hop: 128, window: 'hann', framing: 'center' },
    feature: { type: 'log_magnitude', eps: 1e-8, normalization: 'in_graph' },
    embeddingDim: 8,
    bins: nFft / 2 + 1,
    io: { input: 'features', output: 'embeddings', opset: 17 },
    trainedChunkFrames: 400,
    silenceThresholdDb: 40,
    ...over,
  }
}

/**
 * Embeds every bin by its frequency: below `splitHz` along basis vector 0, above along basis vector 1
 * (a stand-in for "which of two synthetic sources dominates", when one source is low and one high).
 */
export function frequencySplitEmbedder(
  model: ModelMetadata,
  splitHz: number,
): Embedder & { calls: number[] } {
  const d = model.embeddingDim
  const hzPerBin = model.sampleRate / model.stft.nFft
  const calls: number[] = []
  return {
    dim: d,
    calls,
    async embed(features, batch, frames, bins) {
      calls.push(batch)
      if (features.length !== batch * frames * bins) throw new Error('bad feature shape')
      const out = new Float32Array(batch * frames * bins * d)
      for (let r = 0; r < batch * frames; r++)
        for (let f = 0; f < bins; f++)
          out[(r * bins + f) * d + (f * hzPerBin < splitHz ? 0 : 1)] = 1
      return out
    },
  }
}

/**
 * Marks where in its chunk each frame was: basis vector 0 for the chunk's first and last `edge`
 * frames, vector 1 for the centre. A correctly stitched analysis keeps only centres (except at the
 * file's own ends).
 */
export function chunkPositionEmbedder(d: number, edge: number): Embedder {
  return {
    dim: d,
    async embed(_features, batch, frames, bins) {
      const out = new Float32Array(batch * frames * bins * d)
      for (let b = 0; b < batch; b++)
        for (let t = 0; t < frames; t++) {
          const v = t < edge || t >= frames - edge ? 0 : 1
          for (let f = 0; f < bins; f++) out[((b * frames + t) * bins + f) * d + v] = 1
        }
      return out
    },
  }
}
