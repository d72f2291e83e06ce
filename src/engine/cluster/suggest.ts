import type { Analysis, SourceCountSuggestion } from '../types'
import { fitSample } from './cluster'
import { packCentroids } from './dots'
import { sphericalKMeans } from './kmeans'

/** Options of `suggestSourceCount()` (defaults tuned on the eval splits, see docs/engine.md). */
export interface SuggestOptions {
  /** Active bins sampled. Default 5_000. */
  sampleSize?: number
  /** Softmax temperature turning scores into the confidence. Default 0.03. */
  temperature?: number
  /**
   * One source is suggested when 2 clusters leave more than this fraction of the 1-cluster
   * inertia (splitting gains little). Default 0.85.
   */
  singleSourceRatio?: number
  seed?: number
}

/**
 * Weighted simplified silhouette of a clustering, cosine distance: mean over points of
 * (b - a) / max(a, b), a = distance to the own centroid, b = to the nearest other one.
 */
export function simplifiedSilhouette(
  points: Float32Array,
  weights: Float32Array,
  d: number,
  centroids: Float32Array,
  k: number,
): number {
  const n = weights.length
  let num = 0
  let den = 0
  const ct = packCentroids(centroids, k, d)
  const groups = ct.length / (4 * d)
  const dots = new Float64Array(groups * 4)
  for (let i = 0; i < n; i++) {
    const o = i * d
    for (let g = 0; g < groups; g++) {
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      for (let j = 0, b = g * d * 4; j < d; j++, b += 4) {
        const p = points[o + j]
        a0 += p * ct[b]
        a1 += p * ct[b + 1]
        a2 += p * ct[b + 2]
        a3 += p * ct[b + 3]
      }
      dots[g * 4] = a0
      dots[g * 4 + 1] = a1
      dots[g * 4 + 2] = a2
      dots[g * 4 + 3] = a3
    }
    let best = -Infinity
    let second = -Infinity
    for (let c = 0; c < k; c++) {
      const dot = dots[c]
      if (dot > best) {
        second = best
        best = dot
      } else if (dot > second) second = dot
    }
    const a = Math.max(0, 1 - best)
    const b = Math.max(0, 1 - second)
    const m = Math.max(a, b)
    num += weights[i] * (m > 0 ? (b - a) / m : 0)
    den += weights[i]
  }
  return den > 0 ? num / den : 0
}

/**
 * Suggests the number of sources (1..maxK) from the embeddings alone. For k >= 2 the score is the
 * weighted simplified silhouette of a spherical k-means on a sample of active bins; k = 1 wins when
 * two clusters reduce the weighted cosine inertia of one by less than 15% (see singleSourceRatio). Bins are weighted by their level above the
 * activity threshold (dB), so quiet sources count by how many bins they own, not only by energy.
 * The confidence is the softmax weight of the best score.
 */
export function suggestSourceCount(
  analysis: Analysis,
  maxK = 8,
  opts: SuggestOptions = {},
): SourceCountSuggestion {
  const kMax = Math.max(1, Math.min(Math.floor(maxK), 16))
  const sample = fitSample(analysis, opts.sampleSize ?? 5_000, opts.seed ?? 2)
  const d = analysis.dim
  const m = sample.weights.length
  if (m < 2)
    return {
      count: 1,
      confidence: 0,
      scores: Array.from({ length: kMax }, (_, i) => (i === 0 ? 1 : 0)),
    }
  const w = new Float32Array(m)
  for (let i = 0; i < m; i++)
    w[i] = Math.max(1e-3, 20 * Math.log10(sample.weights[i] / sample.threshold))
  const scores: number[] = []
  const inertia: number[] = []
  for (let k = 1; k <= kMax; k++) {
    const fit = sphericalKMeans(sample.points, w, d, k, {
      restarts: k === 1 ? 1 : 2,
      maxIterations: 20,
      seed: (opts.seed ?? 2) + k,
    })
    inertia.push(fit.inertia)
    scores.push(k === 1 ? 0 : simplifiedSilhouette(sample.points, w, d, fit.centroids, k))
  }
  // k = 1: one source if two clusters explain the bins hardly better than one (the inertia drops
  // by less than 1 - ratio). Its score sits on the silhouette scale: it ties with the best k >= 2
  // exactly at the ratio, and wins above it.
  const ratio = opts.singleSourceRatio ?? 0.85
  if (kMax === 1) scores[0] = 1
  else {
    const bestMulti = Math.max(...scores.slice(1))
    const r = inertia[0] > 0 ? inertia[1] / inertia[0] : 1
    scores[0] = bestMulti + 4 * (r - ratio)
  }
  let best = 0
  for (let k = 1; k < kMax; k++) if (scores[k] > scores[best]) best = k
  const temp = opts.temperature ?? 0.03
  let z = 0
  for (const s of scores) z += Math.exp((s - scores[best]) / temp)
  return { count: best + 1, confidence: 1 / z, scores }
}
