import type { Analysis, ClusterOptions, Clustering } from '../types'
import { activeThreshold, sampleActiveBins } from './active'
import { assignRows, dequantizeRows } from './embeddings'
import { sphericalKMeans } from './kmeans'

/** The fitting sample of one analysis: active-bin indices, their unit embeddings and magnitudes. */
export interface FitSample {
  indices: Uint32Array
  /** float32 [m * dim] unit rows. */
  points: Float32Array
  /** |X| of each sampled bin, float32 [m]. */
  weights: Float32Array
  threshold: number
}

/** Active bins sampled for the k-means fit by default. */
export const FIT_SAMPLE_SIZE = 100_000

const sampleCache = new WeakMap<Analysis, Map<string, FitSample>>()

/** Up to `size` active bins of the analysis (uniform draw), cached per analysis. */
export function fitSample(analysis: Analysis, size: number, seed: number): FitSample {
  let perAnalysis = sampleCache.get(analysis)
  if (!perAnalysis) sampleCache.set(analysis, (perAnalysis = new Map()))
  const key = `${size}:${seed}`
  const hit = perAnalysis.get(key)
  if (hit) return hit
  const threshold = activeThreshold(analysis.magnitude, analysis.activeThresholdDb)
  const indices = sampleActiveBins(analysis.magnitude, threshold, size, seed)
  const points = dequantizeRows(analysis.embeddings, analysis.dim, indices)
  const weights = new Float32Array(indices.length)
  for (let i = 0; i < indices.length; i++) weights[i] = analysis.magnitude[indices[i]]
  const s: FitSample = { indices, points, weights, threshold }
  perAnalysis.set(key, s)
  return s
}

/** The k-means weight of each sampled bin from its magnitude (see ClusterOptions.weighting). */
export function binWeights(
  sample: FitSample,
  weighting: NonNullable<ClusterOptions['weighting']>,
): Float32Array {
  if (weighting === 'magnitude') return sample.weights
  const w = new Float32Array(sample.weights.length)
  for (let i = 0; i < w.length; i++) {
    const a = sample.weights[i]
    w[i] =
      weighting === 'sqrt'
        ? Math.sqrt(a)
        : weighting === 'db'
          ? Math.max(1e-3, 20 * Math.log10(a / sample.threshold))
          : 1
  }
  return w
}

/**
 * Spherical k-means of the active bins' embeddings (magnitude-weighted, k-means++, restarts) fitted
 * on a sample of up to `sampleSize` active bins, then every bin (silent ones too) assigned to its
 * nearest centroid. Restarts run on a strided sub-sample (1250 points per cluster, at least 2000), the best is
 * refined on the whole sample (at most 10 iterations).
 * Sources are ordered by weight share, loudest first.
 */
export function clusterSources(
  analysis: Analysis,
  k: number,
  opts: ClusterOptions = {},
): Clustering {
  if (!(Number.isInteger(k) && k >= 1 && k <= 255))
    throw new RangeError(`clusterSources: k must be an integer in 1..255, got ${k}`)
  const sample = fitSample(analysis, opts.sampleSize ?? FIT_SAMPLE_SIZE, opts.seed ?? 1)
  const d = analysis.dim
  // Restarts on a strided sub-sample (cheap), then the winner refined on the whole sample.
  const weights = binWeights(sample, opts.weighting ?? 'magnitude')
  const m = weights.length
  const subSize = Math.min(m, Math.max(2000, 1250 * k))
  let fit
  if (subSize < m) {
    const stride = m / subSize
    const subPts = new Float32Array(subSize * d)
    const subW = new Float32Array(subSize)
    for (let i = 0; i < subSize; i++) {
      const j = Math.floor(i * stride)
      subPts.set(sample.points.subarray(j * d, j * d + d), i * d)
      subW[i] = weights[j]
    }
    const coarse = sphericalKMeans(subPts, subW, d, k, {
      restarts: opts.restarts ?? 4,
      maxIterations: Math.min(20, opts.maxIterations ?? 30),
      seed: opts.seed ?? 1,
    })
    fit = sphericalKMeans(sample.points, weights, d, k, {
      maxIterations: Math.min(10, opts.maxIterations ?? 30),
      init: coarse.centroids,
    })
  } else {
    fit = sphericalKMeans(sample.points, weights, d, k, {
      restarts: opts.restarts ?? 4,
      maxIterations: opts.maxIterations ?? 30,
      seed: opts.seed ?? 1,
    })
  }
  // Order clusters by weight share, descending.
  const share = new Float64Array(k)
  let total = 0
  for (let i = 0; i < fit.labels.length; i++) {
    share[fit.labels[i]] += weights[i]
    total += weights[i]
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => share[b] - share[a] || a - b)
  const centroids = new Float32Array(k * d)
  order.forEach((src, dst) => centroids.set(fit.centroids.subarray(src * d, src * d + d), dst * d))
  const assignment = new Uint8Array(opts.assign === false ? 0 : analysis.frames * analysis.bins)
  if (assignment.length > 0) assignRows(analysis.embeddings, d, centroids, k, assignment)
  return {
    k,
    dim: d,
    centroids,
    assignment,
    weightShares: order.map((c) => (total > 0 ? share[c] / total : 1 / k)),
    inertia: fit.inertia,
  }
}
