import { argmaxOf, centroidDots, centroidDots2, packCentroids } from './dots'

/**
 * Compact embeddings: unit vectors stored as int8 round(127 v). Cosine similarities computed from
 * them are within ~1e-2 of the float ones, plenty for k-means and masks, at 1/4 of the memory.
 */

/**
 * Quantises `count` unit rows of src (float32 [count * d]) into dst at row offset `row`; returns how
 * many values were not finite (stored as 0).
 */
export function quantizeRows(
  src: Float32Array,
  dst: Int8Array,
  d: number,
  row: number,
  count: number,
): number {
  const o = row * d
  const len = count * d
  let bad = 0
  for (let i = 0; i < len; i++) {
    let v = src[i] * 127
    if (!(v > -128 && v < 128)) {
      if (v !== v) {
        bad++
        v = 0
      } else v = v > 0 ? 127 : -127
    }
    dst[o + i] = ((v + 128.5) | 0) - 128 // round half up, without Math.round (5x faster here)
  }
  return bad
}

/** Copies the quantised rows at `indices` back to float32 unit vectors [indices.length * d] (zero rows stay zero). */
export function dequantizeRows(emb: Int8Array, d: number, indices: Uint32Array): Float32Array {
  const out = new Float32Array(indices.length * d)
  for (let r = 0; r < indices.length; r++) {
    const o = indices[r] * d
    let norm = 0
    for (let j = 0; j < d; j++) norm += emb[o + j] * emb[o + j]
    if (norm === 0) continue
    const g = 1 / Math.sqrt(norm)
    for (let j = 0; j < d; j++) out[r * d + j] = emb[o + j] * g
  }
  return out
}

/**
 * Nearest centroid (largest dot product) of every quantised row, rows [start, end):
 * emb int8 [N * d], centroids float32 [k * d] -> out uint8 [N]. Ties and zero rows go to the lower index.
 */
export function assignRows(
  emb: Int8Array,
  d: number,
  centroids: Float32Array,
  k: number,
  out: Uint8Array,
  start = 0,
  end = out.length,
): void {
  if (k === 1) {
    out.fill(0, start, end)
    return
  }
  const ct = packCentroids(centroids, k, d)
  const groups = ct.length / (4 * d)
  if (groups === 1) {
    // two rows per pass share the centroid loads (~1.5x faster)
    const dots = new Float64Array(10)
    let i = start
    for (; i + 1 < end; i += 2) {
      centroidDots2(emb, i * d, i * d + d, d, ct, dots)
      out[i] = argmaxOf(dots, 0, k)
      out[i + 1] = argmaxOf(dots, 4, k)
    }
    if (i < end) {
      centroidDots(emb, i * d, d, ct, dots.subarray(0, 4))
      out[i] = argmaxOf(dots, 0, k)
    }
    return
  }
  const dots = new Float64Array(groups * 4)
  for (let i = start; i < end; i++) {
    centroidDots(emb, i * d, d, ct, dots)
    out[i] = argmaxOf(dots, 0, k)
  }
}
