/** Synthetic model-grid data for edit tests: plumbing only, never a quality claim. */
import type { Analysis, SourceMasks } from '../../src/engine/types'
import { makeRng } from '../../src/engine/cluster/random'

/** Soft masks k x frames x bins from a seeded PRNG (softmax of random logits); sums to 1. */
export function randomSoftMasks(k: number, frames: number, bins: number, seed = 1): SourceMasks {
  const rng = makeRng(seed)
  const { n, masks, grid } = emptyMasks(k, frames, bins)
  const e = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    let sum = 0
    for (let s = 0; s < k; s++) sum += e[s] = Math.exp(4 * rng())
    for (let s = 0; s < k; s++) masks[s][i] = e[s] / sum
  }
  return grid
}

/** Hard masks from a label per bin. */
export function hardMasks(
  k: number,
  frames: number,
  bins: number,
  label: (t: number, f: number) => number,
): SourceMasks {
  const { masks, grid } = emptyMasks(k, frames, bins)
  for (let t = 0; t < frames; t++)
    for (let f = 0; f < bins; f++) masks[label(t, f)][t * bins + f] = 1
  return grid
}

/** k zero masks on a 16 kHz, 512/256 grid of frames x bins. */
function emptyMasks(
  k: number,
  frames: number,
  bins: number,
): { n: number; masks: Float32Array[]; grid: SourceMasks } {
  const n = frames * bins
  const masks = Array.from({ length: k }, () => new Float32Array(n))
  return { n, masks, grid: { k, sampleRate: 16000, nFft: 512, hop: 256, frames, bins, masks } }
}

/**
 * An analysis whose embeddings form `c` clusters: bin (t, f) belongs to cluster labelOf(t, f),
 * its embedding = that cluster's axis + noise (int8 unit vectors). Magnitude 1 everywhere.
 */
export function clusteredAnalysis(
  frames: number,
  bins: number,
  dim: number,
  labelOf: (t: number, f: number) => number,
  noise = 0.15,
  seed = 5,
): Analysis {
  const rng = makeRng(seed)
  const n = frames * bins
  const embeddings = new Int8Array(n * dim)
  const v = new Float64Array(dim)
  for (let t = 0; t < frames; t++)
    for (let f = 0; f < bins; f++) {
      const i = t * bins + f
      const c = labelOf(t, f)
      let nn = 0
      for (let j = 0; j < dim; j++) {
        v[j] = (j === c ? 1 : 0) + noise * (rng() * 2 - 1)
        nn += v[j] * v[j]
      }
      const g = 1 / Math.sqrt(nn)
      for (let j = 0; j < dim; j++) embeddings[i * dim + j] = Math.round(127 * v[j] * g)
    }
  return {
    sampleRate: 16000,
    nFft: 512,
    hop: 256,
    frames,
    bins,
    dim,
    stereoCue: 0,
    durationSec: (frames * 256) / 16000,
    inputSampleRate: 16000,
    inputLength: frames * 256,
    magnitude: new Float32Array(n).fill(1),
    embeddings,
    activeThresholdDb: 60,
    timings: {},
  }
}
