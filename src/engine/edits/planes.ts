/**
 * Canonical masks packed as 12-bit planes: sources 0..k-2 as integers q = value * 4095, each plane
 * its n high bytes (q >> 4) then its n low nibbles two per byte (even bin in the low nibble); the
 * last source is 4095 minus the others. It is the project file's 'u12-planes' encoding and the
 * editor's own copy of the automatic masks (1.5 (k - 1) bytes a bin instead of 4k as float32).
 */
import type { SourceMasks } from '../types'
import { maskGrid } from '../util'

/** Units of the canonical grid: masks are multiples of 1/4095 (at most 1.2e-4 off, ~-78 dB). */
export const MASK_SCALE = 4095

/** float32 value of each unit count: q * (1/4095) rounded to float32, as every decoder stores it. */
export const DEQ: Float32Array = (() => {
  const t = new Float32Array(MASK_SCALE + 1)
  const inv = 1 / MASK_SCALE
  for (let q = 0; q <= MASK_SCALE; q++) t[q] = q * inv
  return t
})()

/** Bytes of one plane of n values. */
export function planeBytes(n: number): number {
  return n + ((n + 1) >> 1)
}

export { maskGrid }

/** Packed canonical masks of k sources over n bins. */
export interface PackedMasks {
  k: number
  n: number
  /** uint8 [(k - 1) * planeBytes(n)] */
  data: Uint8Array
}

/** Empty planes for k sources over n bins (every bin 0 for sources 0..k-2, so 4095 for the last). */
export function packedMasks(k: number, n: number): PackedMasks {
  return { k, n, data: new Uint8Array(Math.max(0, k - 1) * planeBytes(n)) }
}

/** The k unit counts of bin i into q (the last is the rest). Throws RangeError if they exceed 4095. */
export function unpackBinQ(p: PackedMasks, i: number, q: Int32Array): void {
  const { k, n, data } = p
  const pb = planeBytes(n)
  const odd = i & 1
  let rest = MASK_SCALE
  for (let s = 0, hi = i, lo = n + (i >> 1); s < k - 1; s++, hi += pb, lo += pb) {
    const nib = data[lo]
    const v = (data[hi] << 4) | (odd ? nib >>> 4 : nib & 15)
    q[s] = v
    rest -= v
  }
  if (rest < 0) throw new RangeError(`mask planes: the masks of bin ${i} sum to more than 1`)
  q[k - 1] = rest
}

/** The k float32 values of bin i into out (exactly the floats the decoders produce). */
export function unpackBin(p: PackedMasks, i: number, out: Float64Array, q: Int32Array): void {
  unpackBinQ(p, i, q)
  for (let s = 0; s < p.k; s++) out[s] = DEQ[q[s]]
}

/** Writes the unit counts q (k values summing to 4095) of bin i; the last is implied. */
export function packBinQ(p: PackedMasks, i: number, q: Int32Array): void {
  const { k, n, data } = p
  const pb = planeBytes(n)
  const odd = i & 1
  for (let s = 0, hi = i, lo = n + (i >> 1); s < k - 1; s++, hi += pb, lo += pb) {
    const v = q[s]
    data[hi] = v >>> 4
    data[lo] = odd ? (data[lo] & 15) | ((v & 15) << 4) : (data[lo] & 0xf0) | (v & 15)
  }
}

/** Decodes bins [from, to) into float32 arrays (one per source); checks every bin's sum. */
export function unpackRange(p: PackedMasks, out: Float32Array[], from: number, to: number): void {
  const { k, n, data } = p
  const pb = planeBytes(n)
  const last = out[k - 1]
  for (let i = from; i < to; i++) {
    let rest = MASK_SCALE
    const odd = i & 1
    for (let s = 0, hi = i, lo = n + (i >> 1); s < k - 1; s++, hi += pb, lo += pb) {
      const nib = data[lo]
      const v = (data[hi] << 4) | (odd ? nib >>> 4 : nib & 15)
      out[s][i] = DEQ[v]
      rest -= v
    }
    if (rest < 0) throw new RangeError(`mask planes: the masks of bin ${i} sum to more than 1`)
    last[i] = DEQ[rest]
  }
}

/** Checks that every bin's planes sum to at most 4095 (a damaged file); throws RangeError. */
export function checkPacked(p: PackedMasks): void {
  const { k, n, data } = p
  if (data.length !== Math.max(0, k - 1) * planeBytes(n))
    throw new RangeError(`mask planes: ${data.length} bytes, expected ${(k - 1) * planeBytes(n)}`)
  const pb = planeBytes(n)
  for (let i = 0; i < n; i++) {
    let sum = 0
    const odd = i & 1
    for (let s = 0, hi = i, lo = n + (i >> 1); s < k - 1; s++, hi += pb, lo += pb) {
      const nib = data[lo]
      sum += (data[hi] << 4) | (odd ? nib >>> 4 : nib & 15)
    }
    if (sum > MASK_SCALE)
      throw new RangeError(`mask planes: the masks of bin ${i} sum to more than 1`)
  }
}

/** Packed planes of the SourceMasks objects that have them (masks made from planes, see lazyMasks). */
const packedOf = new WeakMap<SourceMasks, PackedMasks>()

/** The packed planes a SourceMasks was made from, if any. */
export function packedFor(m: SourceMasks): PackedMasks | undefined {
  return packedOf.get(m)
}

/**
 * SourceMasks over packed planes whose float32 arrays are made only when `masks` is first read
 * (a 10-minute, 3-source song: 116 MB that opening a project or editing need not touch).
 */
export function lazyMasks(grid: Omit<SourceMasks, 'masks' | 'k'>, p: PackedMasks): SourceMasks {
  let floats: Float32Array[] | undefined
  const m: SourceMasks = {
    k: p.k,
    sampleRate: grid.sampleRate,
    nFft: grid.nFft,
    hop: grid.hop,
    frames: grid.frames,
    bins: grid.bins,
    get masks(): Float32Array[] {
      if (!floats) {
        const f = Array.from({ length: p.k }, () => new Float32Array(p.n))
        unpackRange(p, f, 0, p.n)
        floats = f
      }
      return floats
    },
  }
  packedOf.set(m, p)
  return m
}

/** Each source's mean mask value over all bins (its share of the grid), without float arrays when packed. */
export function meanOfMasks(m: SourceMasks): number[] {
  const n = m.frames * m.bins
  const p = packedFor(m)
  if (!p) {
    return m.masks.map((a) => {
      let sum = 0
      for (let i = 0; i < a.length; i++) sum += a[i]
      return sum / Math.max(1, n)
    })
  }
  const sums = new Float64Array(m.k)
  const q = new Int32Array(m.k)
  for (let i = 0; i < n; i++) {
    unpackBinQ(p, i, q)
    for (let s = 0; s < m.k; s++) sums[s] += DEQ[q[s]]
  }
  return Array.from(sums, (x) => x / Math.max(1, n))
}

/**
 * Bins [from, to) of packed masks mapped through a table of the 4096 unit counts (e.g. to 8-bit
 * display values), one uint8 array per source, without float arrays.
 */
export function mapPacked(
  p: PackedMasks,
  from: number,
  to: number,
  table: Uint8Array,
): Uint8Array[] {
  const out = Array.from({ length: p.k }, () => new Uint8Array(to - from))
  const q = new Int32Array(p.k)
  for (let i = from; i < to; i++) {
    unpackBinQ(p, i, q)
    for (let s = 0; s < p.k; s++) out[s][i - from] = table[q[s]]
  }
  return out
}
