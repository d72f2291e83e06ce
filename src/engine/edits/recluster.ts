/**
 * Re-clustering with the user's edits as constraints (seeded, constrained spherical k-means):
 * bins the user assigned keep their source and pull its centroid; every other bin is re-assigned.
 * Starts from the current centroids, so the sources keep their indices (names, colours, edits).
 */
import { fitSample } from '../cluster/cluster'
import { assignRows, dequantizeRows } from '../cluster/embeddings'
import type { Analysis, Clustering } from '../types'

/** Bins with a fixed source: indices uint32 [m] (ascending), labels uint8 [m]. */
export interface BinConstraints {
  indices: Uint32Array
  labels: Uint8Array
}

/** Options of reclusterWithEdits(). */
export interface ReclusterOptions {
  /** Unconstrained active bins sampled for fitting (the engine's fit sample). Default 100_000. */
  sampleSize?: number
  /** At most this many constrained bins take part in the fit (evenly strided). Default 50_000. */
  constraintSample?: number
  /** Weight of a constrained bin relative to its magnitude. Default 1. */
  constraintWeight?: number
  /** Lloyd iterations (upper bound). Default 20. */
  maxIterations?: number
  /** Seed of the fit sample. Default 1. */
  seed?: number
}

/**
 * Constrained re-clustering: Lloyd iterations from `current`'s centroids over the engine's fit
 * sample (free points) plus the constrained bins (labels fixed); then every bin is assigned to its
 * nearest centroid, and the constrained bins to their label. Same k and source order as `current`.
 */
export function reclusterWithEdits(
  analysis: Analysis,
  current: Pick<Clustering, 'k' | 'dim' | 'centroids'>,
  constraints: BinConstraints,
  opts: ReclusterOptions = {},
): Clustering {
  const { k, dim: d } = current
  if (d !== analysis.dim)
    throw new RangeError(`reclusterWithEdits: dim ${d} != analysis dim ${analysis.dim}`)
  const n = analysis.frames * analysis.bins
  for (let i = 0; i < constraints.labels.length; i++)
    if (constraints.labels[i] >= k || constraints.indices[i] >= n)
      throw new RangeError(
        'reclusterWithEdits: a constraint is outside the grid or names a source >= k',
      )
  const sample = fitSample(analysis, opts.sampleSize ?? 100_000, opts.seed ?? 1)
  // Constrained points (strided subsample).
  const mC = Math.min(constraints.indices.length, opts.constraintSample ?? 50_000)
  const cIdx = new Uint32Array(mC)
  const cLab = new Uint8Array(mC)
  const stride = constraints.indices.length / Math.max(1, mC)
  for (let i = 0; i < mC; i++) {
    const j = Math.floor(i * stride)
    cIdx[i] = constraints.indices[j]
    cLab[i] = constraints.labels[j]
  }
  const cPts = dequantizeRows(analysis.embeddings, d, cIdx)
  const cw = opts.constraintWeight ?? 1
  const cW = new Float32Array(mC)
  for (let i = 0; i < mC; i++) cW[i] = cw * analysis.magnitude[cIdx[i]]
  // Free points: the fit sample minus the constrained bins (both index lists ascending).
  const all = constraints.indices
  const keep: number[] = []
  for (let i = 0, j = 0; i < sample.indices.length; i++) {
    const b = sample.indices[i]
    while (j < all.length && all[j] < b) j++
    if (j < all.length && all[j] === b) continue
    keep.push(i)
  }
  const m = keep.length
  const fPts = new Float32Array(m * d)
  const fW = new Float32Array(m)
  for (let r = 0; r < m; r++) {
    const i = keep[r]
    fPts.set(sample.points.subarray(i * d, i * d + d), r * d)
    fW[r] = sample.weights[i]
  }
  const centroids = Float32Array.from(current.centroids)
  const labels = new Uint8Array(m).fill(255)
  const sims = new Float32Array(m)
  const sums = new Float64Array(k * d)
  const mass = new Float64Array(k)
  const maxIt = Math.max(1, opts.maxIterations ?? 20)
  for (let it = 0; it < maxIt; it++) {
    const changed = nearest(fPts, d, centroids, k, labels, sims)
    sums.fill(0)
    mass.fill(0)
    accumulate(fPts, fW, labels, d, sums, mass)
    accumulate(cPts, cW, cLab, d, sums, mass)
    for (let c = 0; c < k; c++) {
      let nn = 0
      for (let j = 0; j < d; j++) nn += sums[c * d + j] ** 2
      if (mass[c] > 0 && nn > 0) {
        const g = 1 / Math.sqrt(nn)
        for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j] * g
      }
    }
    if (it > 0 && changed <= m * 1e-4) break
  }
  nearest(fPts, d, centroids, k, labels, sims)
  // Shares and inertia over free + constrained points.
  const share = new Float64Array(k)
  let cost = 0
  let wsum = 0
  for (let i = 0; i < m; i++) {
    share[labels[i]] += fW[i]
    cost += fW[i] * (1 - sims[i])
    wsum += fW[i]
  }
  for (let i = 0; i < mC; i++) {
    let dot = 0
    for (let j = 0; j < d; j++) dot += cPts[i * d + j] * centroids[cLab[i] * d + j]
    share[cLab[i]] += cW[i]
    cost += cW[i] * (1 - dot)
    wsum += cW[i]
  }
  const assignment = new Uint8Array(n)
  assignRows(analysis.embeddings, d, centroids, k, assignment)
  for (let i = 0; i < constraints.indices.length; i++)
    assignment[constraints.indices[i]] = constraints.labels[i]
  return {
    k,
    dim: d,
    centroids,
    assignment,
    weightShares: Array.from(share, (s) => (wsum > 0 ? s / wsum : 1 / k)),
    inertia: wsum > 0 ? cost / wsum : 0,
  }
}

/** Nearest centroid of every point; returns how many labels changed. */
function nearest(
  pts: Float32Array,
  d: number,
  centroids: Float32Array,
  k: number,
  labels: Uint8Array,
  sims: Float32Array,
): number {
  let changed = 0
  const n = labels.length
  for (let i = 0; i < n; i++) {
    const o = i * d
    let best = 0
    let bs = -Infinity
    for (let c = 0; c < k; c++) {
      let dot = 0
      const co = c * d
      for (let j = 0; j < d; j++) dot += pts[o + j] * centroids[co + j]
      if (dot > bs) {
        bs = dot
        best = c
      }
    }
    if (labels[i] !== best) changed++
    labels[i] = best
    sims[i] = bs
  }
  return changed
}

function accumulate(
  pts: Float32Array,
  w: Float32Array,
  labels: Uint8Array,
  d: number,
  sums: Float64Array,
  mass: Float64Array,
): void {
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]
    const wi = w[i]
    if (!(wi > 0)) continue
    mass[c] += wi
    for (let j = 0; j < d; j++) sums[c * d + j] += wi * pts[i * d + j]
  }
}
