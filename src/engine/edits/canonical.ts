/**
 * The canonical 12-bit grid of masks: each bin's k values as integer units of 1/4095 summing to
 * exactly 4095, which a project stores exactly and every editor starts from.
 */
import type { SourceMasks } from '../types'
import {
  DEQ,
  MASK_SCALE,
  maskGrid,
  packBinQ,
  packedFor,
  packedMasks,
  unpackRange,
  type PackedMasks,
} from './planes'

/**
 * The automatic masks on the canonical 12-bit grid: each bin's k values are rounded to multiples of
 * 1/4095 with an integer sum of exactly 4095 (largest remainder), stored back as float32. The
 * editor works on these, so the project file can store them exactly (12 bits) and the app, the
 * renderer's preview and the CLI start from the same floats. Idempotent.
 */
export function canonicalMasks(masks: SourceMasks): SourceMasks {
  const { k } = masks
  const n = masks.frames * masks.bins
  const m = masks.masks
  const out = Array.from({ length: k }, () => new Float32Array(n))
  const q = new Int32Array(k)
  const frac = new Float64Array(k)
  for (let i = 0; i < n; i++) {
    if (k === 1) q[0] = MASK_SCALE
    else quantizeBin(m, i, k, q, frac)
    for (let s = 0; s < k; s++) out[s][i] = DEQ[q[s]]
  }
  return { ...maskGrid(masks), masks: out }
}

/**
 * The canonical values of bins [from, to) of `m` (see quantizeMasks) packed into `p`, and as float32
 * into `work` (the same floats canonicalMasks gives).
 */
export function canonicalPack(
  m: Float32Array[],
  p: PackedMasks,
  work: Float32Array[],
  from: number,
  to: number,
  frac: Float64Array,
  q: Int32Array,
): void {
  const k = m.length
  for (let i = from; i < to; i++) {
    if (k === 1) q[0] = MASK_SCALE
    else quantizeBin(m, i, k, q, frac)
    packBinQ(p, i, q)
    for (let s = 0; s < k; s++) work[s][i] = DEQ[q[s]]
  }
}

/** quantizeMasks() of bin i into q (k units summing to 4095; largest remainders, ties to the lower index). */
function quantizeBin(
  m: Float32Array[],
  i: number,
  k: number,
  q: Int32Array,
  frac: Float64Array,
): void {
  let sum = 0
  for (let s = 0; s < k; s++) {
    const v = m[s][i]
    sum += v > 0 ? v : 0
  }
  let total = 0
  for (let s = 0; s < k; s++) {
    const v = m[s][i]
    const x = sum > 0 ? ((v > 0 ? v : 0) / sum) * MASK_SCALE : MASK_SCALE / k
    const fl = Math.floor(x)
    q[s] = fl
    frac[s] = x - fl
    total += fl
  }
  let missing = MASK_SCALE - total
  while (missing > 0) {
    let best = 0
    for (let s = 1; s < k; s++) if (frac[s] > frac[best]) best = s
    q[best]++
    frac[best] = -1
    missing--
  }
}

/** uint16 [k][n] quantised masks (0..4095) whose k values sum to 4095 at every bin. */
export function quantizeMasks(masks: SourceMasks): Uint16Array[] {
  const { k } = masks
  const n = masks.frames * masks.bins
  const out = Array.from({ length: k }, () => new Uint16Array(n))
  if (k === 1) {
    out[0].fill(MASK_SCALE)
    return out
  }
  const frac = new Float64Array(k)
  const q = new Int32Array(k)
  for (let i = 0; i < n; i++) {
    quantizeBin(masks.masks, i, k, q, frac)
    for (let s = 0; s < k; s++) out[s][i] = q[s]
  }
  return out
}

/** float32 [k][n] masks from quantised ones (value / 4095). */
export function dequantizeMasks(q: Uint16Array[], k: number, n: number): Float32Array[] {
  const inv = 1 / MASK_SCALE
  return Array.from({ length: k }, (_, s) => {
    const o = new Float32Array(n)
    const src = q[s]
    for (let i = 0; i < n; i++) o[i] = src[i] * inv
    return o
  })
}

/**
 * The packed canonical planes of `automatic` and, unless given `into` or `opts.working`, a fresh
 * float32 working copy: from the planes it was made from when it has them (and is canonical), else
 * quantised from its floats.
 */
export function canonicalOf(
  automatic: SourceMasks,
  opts: { canonical?: boolean; working?: Float32Array[]; packed?: PackedMasks },
  into?: Float32Array[],
): { packed: PackedMasks; work: Float32Array[] | undefined } {
  const { k } = automatic
  const n = automatic.frames * automatic.bins
  const fresh = (): Float32Array[] => Array.from({ length: k }, () => new Float32Array(n))
  const known = opts.packed ?? (opts.canonical ? packedFor(automatic) : undefined)
  if (known) {
    if (opts.working) return { packed: known, work: undefined }
    const work = into ?? fresh()
    unpackRange(known, work, 0, n)
    return { packed: known, work }
  }
  const packed = packedMasks(k, n)
  const work = opts.working ?? into ?? fresh()
  canonicalPack(automatic.masks, packed, work, 0, n, new Float64Array(k), new Int32Array(k))
  return { packed, work }
}
