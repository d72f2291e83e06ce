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
  const c = Float64Array.from(centroids)
  const dots = new Float64Array(k)
  for (let i = start; i < end; i++) {
    const o = i * d
    const w = i - start + outOffset
    if (k === 1) {
      out[0][w] = 1
      continue
    }
    let norm = 0
    for (let j = 0; j < d; j++) norm += emb[o + j] * emb[o + j]
    const g = norm > 0 ? 1 / Math.sqrt(norm) : 0
    let best = 0
    let bs = -Infinity
    for (let q = 0; q < k; q++) {
      const co = q * d
      let dot = 0
      for (let j = 0; j < d; j++) dot += emb[o + j] * c[co + j]
      dot *= g
      dots[q] = dot
      if (dot > bs) {
        bs = dot
        best = q
      }
    }
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
  if (mode === 'hard' && clustering.assignment.length === n) {
    const a = clustering.assignment
    for (let i = 0; i < n; i++) masks[a[i]][i] = 1
  } else {
    maskRows(
      analysis.embeddings,
      dim,
      clustering.centroids,
      k,
      mode,
      opts.beta ?? DEFAULT_BETA,
      0,
      n,
      masks,
    )
  }
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
