/**
 * Centroids laid out for the dot-product loops: groups of 4 centroids, transposed, float64
 * ct[((g * d + j) << 2) + q] = centroid (4g + q), coordinate j; missing centroids are zero.
 * The hot loops walk one row's d coordinates once per group, updating 4 accumulators (2-3x
 * faster in V8 than one dot product per centroid).
 */
export function packCentroids(
  centroids: Float32Array | Float64Array,
  k: number,
  d: number,
): Float64Array {
  const groups = Math.ceil(k / 4)
  const ct = new Float64Array(groups * d * 4)
  for (let q = 0; q < k; q++)
    for (let j = 0; j < d; j++) ct[(((q >> 2) * d + j) << 2) + (q & 3)] = centroids[q * d + j]
  return ct
}

/**
 * The dot products of row x[o .. o + d) with every packed centroid (packCentroids): out[q] for
 * q < 4 * groups (the padding centroids give 0). Sums run over j in order, so every caller gets
 * the very same floats.
 */
export function centroidDots(
  x: Float32Array | Int8Array,
  o: number,
  d: number,
  ct: Float64Array,
  out: Float64Array,
): void {
  const groups = out.length >> 2
  for (let g = 0; g < groups; g++) {
    let a0 = 0
    let a1 = 0
    let a2 = 0
    let a3 = 0
    for (let j = 0, b = g * d * 4; j < d; j++, b += 4) {
      const p = x[o + j]!
      a0 += p * ct[b]!
      a1 += p * ct[b + 1]!
      a2 += p * ct[b + 2]!
      a3 += p * ct[b + 3]!
    }
    const q = g << 2
    out[q] = a0
    out[q + 1] = a1
    out[q + 2] = a2
    out[q + 3] = a3
  }
}

/**
 * centroidDots of two rows, o and o2, against one group of centroids (k <= 4), sharing the
 * centroid loads (~1.5x faster than one row at a time): out[0..3] for row o, out[4..7] for o2,
 * and the rows' squared norms in out[8] and out[9] (soft masks need them; two more products per
 * coordinate cost the others little).
 */
export function centroidDots2(
  x: Float32Array | Int8Array,
  o: number,
  o2: number,
  d: number,
  ct: Float64Array,
  out: Float64Array,
): void {
  let a0 = 0
  let a1 = 0
  let a2 = 0
  let a3 = 0
  let b0 = 0
  let b1 = 0
  let b2 = 0
  let b3 = 0
  let an = 0
  let bn = 0
  for (let j = 0, b = 0; j < d; j++, b += 4) {
    const c0 = ct[b]!
    const c1 = ct[b + 1]!
    const c2 = ct[b + 2]!
    const c3 = ct[b + 3]!
    const p = x[o + j]!
    const q = x[o2 + j]!
    an += p * p
    a0 += p * c0
    a1 += p * c1
    a2 += p * c2
    a3 += p * c3
    bn += q * q
    b0 += q * c0
    b1 += q * c1
    b2 += q * c2
    b3 += q * c3
  }
  out[0] = a0
  out[1] = a1
  out[2] = a2
  out[3] = a3
  out[4] = b0
  out[5] = b1
  out[6] = b2
  out[7] = b3
  out[8] = an
  out[9] = bn
}

/** Index of the largest of v[from .. from + k) (ties to the lower index), offset by -from. */
export function argmaxOf(v: Float64Array, from: number, k: number): number {
  let best = 0
  let bs = v[from]!
  for (let q = 1; q < k; q++) {
    const x = v[from + q]!
    if (x > bs) {
      bs = x
      best = q
    }
  }
  return best
}
