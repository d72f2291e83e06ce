/**
 * Compact embeddings: unit vectors stored as int8 round(127 v). Cosine similarities computed from
 * them are within ~1e-2 of the float ones, plenty for k-means and masks, at 1/4 of the memory.
 */

/** Quantises `count` unit rows of src (float32 [count * d]) into dst at row offset `row`. */
export function quantizeRows(
  src: Float32Array,
  dst: Int8Array,
  d: number,
  row: number,
  count: number,
): void {
  const o = row * d
  const len = count * d
  for (let i = 0; i < len; i++) {
    const v = Math.round(src[i] * 127)
    dst[o + i] = v > 127 ? 127 : v < -127 ? -127 : v
  }
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
  const c = Float64Array.from(centroids)
  for (let i = start; i < end; i++) {
    const o = i * d
    let best = 0
    let bs = -Infinity
    for (let q = 0; q < k; q++) {
      const co = q * d
      let dot = 0
      for (let j = 0; j < d; j++) dot += emb[o + j] * c[co + j]
      if (dot > bs) {
        bs = dot
        best = q
      }
    }
    out[i] = best
  }
}
