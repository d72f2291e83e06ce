import type { ModelSourceCount } from '../../shared/model'
import type { Analysis, SourceCountSuggestion } from '../types'
import { fitSample } from './cluster'

/** Options of `suggestSourceCount()` (see docs/engine.md). */
export interface SuggestOptions {
  /** Active bins sampled (the Kaiser rule; a fitted classifier uses its own). Default 5_000. */
  sampleSize?: number
  /**
   * A direction counts as a source when its eigenvalue exceeds this multiple of 1/D, the value
   * every eigenvalue would have if the embeddings pointed everywhere alike. Default 1.
   */
  threshold?: number
  /** Softmax temperature turning the per-k margins into the confidence. Default 0.15. */
  temperature?: number
  seed?: number
}

/** Eigenvalues (descending) of a symmetric matrix [n][n] by cyclic Jacobi rotations. */
export function symmetricEigenvalues(matrix: number[][]): number[] {
  const n = matrix.length
  const a = matrix.map((r) => r.slice())
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j]
    if (off < 1e-22) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = a[k][p]
          const akq = a[k][q]
          a[k][p] = c * akp - s * akq
          a[k][q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k]
          const aqk = a[q][k]
          a[p][k] = c * apk - s * aqk
          a[q][k] = s * apk + c * aqk
        }
      }
    }
  }
  return a.map((r, i) => r[i]).sort((x, y) => y - x)
}

/**
 * Eigenvalues (descending, sum 1) of the weighted second-moment matrix C = sum w v v^T / sum w of
 * up to `sampleSize` active bins' embeddings v over their first `dims` coordinates (D x D), bins
 * weighted by their level above the activity threshold (dB), so a quiet source counts by the bins
 * it owns. Null when fewer than 2 bins are active.
 */
export function embeddingSpectrum(
  analysis: Analysis,
  dims: number,
  sampleSize: number,
  seed: number,
): number[] | null {
  const sample = fitSample(analysis, sampleSize, seed)
  const stride = analysis.dim
  const d = Math.min(Math.max(1, Math.floor(dims)), stride)
  const m = sample.weights.length
  if (m < 2) return null
  const C = Array.from({ length: d }, () => new Array<number>(d).fill(0))
  let W = 0
  const v = new Float64Array(d)
  for (let i = 0; i < m; i++) {
    const w = Math.max(1e-3, 20 * Math.log10(sample.weights[i] / sample.threshold))
    W += w
    for (let p = 0; p < d; p++) v[p] = sample.points[i * stride + p]
    for (let p = 0; p < d; p++) {
      const wp = w * v[p]
      const row = C[p]
      for (let q = p; q < d; q++) row[q] += wp * v[q]
    }
  }
  let trace = 0
  for (let p = 0; p < d; p++) trace += C[p][p]
  const norm = trace > 0 ? trace : W
  for (let p = 0; p < d; p++) for (let q = p; q < d; q++) C[q][p] = C[p][q] = C[p][q] / norm
  return symmetricEigenvalues(C)
}

/** The 'spectrum-v1' features of ModelSourceCount: the spectrum, then log10(l + 1e-4) of it. */
export function countFeatures(spectrum: number[]): number[] {
  return [...spectrum, ...spectrum.map((l) => Math.log10(Math.max(0, l) + 1e-4))]
}

/** Class probabilities of a ModelSourceCount (one per model.counts entry) for raw features. */
export function countProbabilities(model: ModelSourceCount, features: number[]): number[] {
  if (features.length !== model.mean.length)
    throw new RangeError(
      `source-count model expects ${model.mean.length} features, got ${features.length}`,
    )
  const x = features.map((f, i) => (f - model.mean[i]) / (model.scale[i] || 1))
  const z = model.weights.map((w, c) => w.reduce((acc, wi, i) => acc + wi * x[i], model.bias[c]))
  const top = Math.max(...z)
  const e = z.map((v) => Math.exp(v - top))
  const sum = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / sum)
}

/**
 * Suggests the number of sources (1..maxK) from the embeddings alone.
 *
 * With the model's fitted classifier (analysis.sourceCount, ModelMetadata.sourceCount): the most
 * probable count of those it was fitted on that are <= maxK; scores[k-1] is p(k) (0 for counts it
 * does not know), the confidence p(suggestion) renormalised over the allowed counts.
 *
 * Without it, by the eigenvalues of the embedding spectrum (embeddingSpectrum over all stored
 * dimensions): deep-clustering training pushes the embeddings of different sources towards
 * orthogonal directions, so ideally C has one eigenvalue per source (its share of the bins) and
 * the rest ~0; embeddings spread evenly would give D eigenvalues of 1/D. The suggestion is the
 * number of eigenvalues above threshold/D (the Kaiser criterion of principal component
 * analysis). scores[k-1] is the margin of k: how far the k-th eigenvalue is above, and the
 * (k+1)-th below, the threshold (relative to it); positive only for the suggestion. The
 * confidence is the softmax weight of the suggestion's margin.
 */
export function suggestSourceCount(
  analysis: Analysis,
  maxK = 8,
  opts: SuggestOptions = {},
): SourceCountSuggestion {
  const kMax = Math.max(1, Math.min(Math.floor(maxK), 16))
  const model = analysis.sourceCount
  const modelDims = analysis.stereoCue > 0 ? analysis.dim - 1 : analysis.dim
  const ev = model
    ? embeddingSpectrum(analysis, modelDims, model.sampleSize, opts.seed ?? 2)
    : embeddingSpectrum(analysis, analysis.dim, opts.sampleSize ?? 5_000, opts.seed ?? 2)
  if (!ev) {
    return {
      count: 1,
      confidence: 0,
      scores: Array.from({ length: kMax }, (_, i) => (i === 0 ? 0 : -1)),
    }
  }
  if (model) {
    const p = countProbabilities(model, countFeatures(ev))
    const scores = new Array<number>(kMax).fill(0)
    model.counts.forEach((k, c) => {
      if (k >= 1 && k <= kMax) scores[k - 1] = p[c]
    })
    const allowed = scores.reduce((a, b) => a + b, 0)
    let best = 0
    for (let k = 1; k < kMax; k++) if (scores[k] > scores[best]) best = k
    if (allowed > 0) return { count: best + 1, confidence: scores[best] / allowed, scores }
    // every fitted count is above maxK: the largest allowed one
    return { count: kMax, confidence: 0, scores }
  }
  const d = analysis.dim
  const t = (opts.threshold ?? 1) / d
  const lambda = (k: number): number => (k >= 1 && k <= ev.length ? ev[k - 1] : 0)
  const scores: number[] = []
  for (let k = 1; k <= kMax; k++) scores.push(Math.min(lambda(k) - t, t - lambda(k + 1)) / t)
  let best = 0
  for (let k = 1; k < kMax; k++) if (scores[k] > scores[best]) best = k
  const temp = opts.temperature ?? 0.15
  let z = 0
  for (const s of scores) z += Math.exp((s - scores[best]) / temp)
  return { count: best + 1, confidence: 1 / z, scores }
}
