import { argmaxOf, centroidDots, centroidDots2, packCentroids } from '../cluster/dots'
import type { Analysis, Clustering, MaskMode, MaskOptions, SourceMasks } from '../types'

/** Default softmax sharpness on cosine distance (nussl's default). */
export const DEFAULT_BETA = 5

/**
 * Masks of model-grid rows [start, end) from the quantised embeddings:
 * emb int8 [N * d], centroids float32 [k * d] (unit) -> out[s][(i - start) + outOffset] for each source s.
 * 'hard': 1 for the nearest centroid (largest cosine; ties to the lower index), else 0.
 * 'soft': softmax over s of -beta * (1 - cos(v_i, c_s)). Either way the k values of a bin sum to 1;
 * a zero embedding (no direction) gets the hard mask of source 0 or a uniform soft mask.
 */
export function maskRows(
  emb: Int8Array,
  d: number,
  centroids: Float32Array,
  k: number,
  mode: MaskMode,
  beta: number,
  start: number,
  end: number,
  out: Float32Array[],
  outOffset = 0,
): void {
  const ct = packCentroids(centroids, k, d)
  const groups = ct.length / (4 * d)
  if (mode === 'soft' && k >= 2 && k <= 4) {
    softRows4(emb, d, ct, k, beta, start, end, out, outOffset)
    return
  }
  const dots = new Float64Array(groups * 4)
  for (let i = start; i < end; i++) {
    const o = i * d
    const w = i - start + outOffset
    if (k === 1) {
      out[0][w] = 1
      continue
    }
    let norm = 0
    for (let j = 0; j < d; j++) norm += emb[o + j] * emb[o + j]
    const gn = norm > 0 ? 1 / Math.sqrt(norm) : 0
    centroidDots(emb, o, d, ct, dots)
    for (let q = 0; q < k; q++) dots[q] *= gn
    const best = argmaxOf(dots, 0, k)
    const bs = dots[best]!
    if (mode === 'hard') {
      for (let q = 0; q < k; q++) out[q][w] = q === best ? 1 : 0
    } else {
      // softmax(-beta (1 - cos)) = softmax(beta cos); shift by the max for stability.
      let sum = 0
      for (let q = 0; q < k; q++) {
        const e = Math.exp(beta * (dots[q] - bs))
        dots[q] = e
        sum += e
      }
      const inv = 1 / sum
      for (let q = 0; q < k; q++) out[q][w] = dots[q] * inv
    }
  }
}

/**
 * Soft masks for 2..4 sources, two rows per pass: the rows' norms and their dot products with the
 * 4 (padded) centroids share one loop over the int8 coordinates; exp() only for the sources that are
 * not the nearest.
 */
function softRows4(
  emb: Int8Array,
  d: number,
  ct: Float64Array,
  k: number,
  beta: number,
  start: number,
  end: number,
  out: Float32Array[],
  outOffset: number,
): void {
  const dots = new Float64Array(10)
  let i = start
  for (; i + 1 < end; i += 2) {
    const o = i * d
    centroidDots2(emb, o, o + d, d, ct, dots)
    softmax4(dots, 0, dots[8]!, k, beta, out, i - start + outOffset)
    softmax4(dots, 4, dots[9]!, k, beta, out, i + 1 - start + outOffset)
  }
  if (i < end) {
    centroidDots(emb, i * d, d, ct, dots.subarray(0, 4))
    softmax4(dots, 0, sqNorm(emb, i * d, d), k, beta, out, i - start + outOffset)
  }
}

/** The squared norm of row x[o .. o + d). */
function sqNorm(x: Int8Array, o: number, d: number): number {
  let n = 0
  for (let j = 0; j < d; j++) n += x[o + j]! * x[o + j]!
  return n
}

/** out[s][w] = softmax over s < k of beta * a_s / sqrt(nn), a_s = dots[from + s] (a zero row gives uniform masks). */
function softmax4(
  dots: Float64Array,
  from: number,
  nn: number,
  k: number,
  beta: number,
  out: Float32Array[],
  w: number,
): void {
  const g = nn > 0 ? beta / Math.sqrt(nn) : 0
  const a0 = dots[from]!
  const a1 = dots[from + 1]!
  const a2 = dots[from + 2]!
  const a3 = dots[from + 3]!
  let m = a0
  if (a1 > m) m = a1
  if (k > 2 && a2 > m) m = a2
  if (k > 3 && a3 > m) m = a3
  const e0 = a0 === m ? 1 : Math.exp(g * (a0 - m))
  const e1 = a1 === m ? 1 : Math.exp(g * (a1 - m))
  const e2 = k > 2 ? (a2 === m ? 1 : Math.exp(g * (a2 - m))) : 0
  const e3 = k > 3 ? (a3 === m ? 1 : Math.exp(g * (a3 - m))) : 0
  const inv = 1 / (e0 + e1 + e2 + e3)
  out[0][w] = e0 * inv
  out[1][w] = e1 * inv
  if (k > 2) out[2][w] = e2 * inv
  if (k > 3) out[3][w] = e3 * inv
}

/**
 * The masks of bins [start, end) of a clustering into out[s] from 0 on: from its assignment where
 * it has one for every bin (hard masks), else from the embeddings and centroids (maskRows).
 */
export function clusterMaskRows(
  analysis: Analysis,
  clustering: Clustering,
  mode: MaskMode,
  beta: number,
  start: number,
  end: number,
  out: Float32Array[],
): void {
  const k = clustering.k
  const a = clustering.assignment
  if (mode === 'hard' && a.length === analysis.frames * analysis.bins) {
    for (let q = 0; q < k; q++) out[q]!.fill(0, 0, end - start)
    for (let i = start; i < end; i++) out[a[i]!]![i - start] = 1
  } else {
    const { embeddings, dim } = analysis
    maskRows(embeddings, dim, clustering.centroids, k, mode, beta, start, end, out)
  }
}

/** One mask per source on the model grid; the k masks of every bin (silent ones too) sum to 1. */
export function sourceMasks(
  analysis: Analysis,
  clustering: Clustering,
  mode: MaskMode,
  opts: MaskOptions = {},
): SourceMasks {
  const { frames, bins, dim } = analysis
  if (clustering.dim !== dim)
    throw new RangeError(`sourceMasks: clustering dim ${clustering.dim} != analysis dim ${dim}`)
  const k = clustering.k
  const n = frames * bins
  const masks = Array.from({ length: k }, () => new Float32Array(n))
  clusterMaskRows(analysis, clustering, mode, opts.beta ?? DEFAULT_BETA, 0, n, masks)
  return {
    k,
    sampleRate: analysis.sampleRate,
    nFft: analysis.nFft,
    hop: analysis.hop,
    frames,
    bins,
    masks,
  }
}
