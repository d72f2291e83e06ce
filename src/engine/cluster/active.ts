import { makeRng } from './random'

/** Magnitude at or above which a bin is active: max(magnitude) * 10^(-thresholdDb / 20). */
export function activeThreshold(magnitude: Float32Array, thresholdDb: number): number {
  let max = 0
  for (let i = 0; i < magnitude.length; i++) if (magnitude[i] > max) max = magnitude[i]
  return max * 10 ** (-thresholdDb / 20)
}

/** Number of bins with magnitude >= threshold (and > 0). */
export function countActive(magnitude: Float32Array, threshold: number): number {
  let n = 0
  const t = threshold > 0 ? threshold : Number.MIN_VALUE
  for (let i = 0; i < magnitude.length; i++) if (magnitude[i] >= t) n++
  return n
}

/**
 * Indices (ascending) of at most `maxCount` active bins, drawn uniformly without replacement
 * (every active bin when there are fewer), deterministic for a seed. uint32 [<= maxCount].
 */
export function sampleActiveBins(
  magnitude: Float32Array,
  threshold: number,
  maxCount: number,
  seed = 1,
): Uint32Array {
  const t = threshold > 0 ? threshold : Number.MIN_VALUE
  const total = countActive(magnitude, t)
  const want = Math.min(total, maxCount)
  const out = new Uint32Array(want)
  if (want === 0) return out
  const rng = makeRng(seed)
  // Selection sampling (Knuth's algorithm S): one pass, sorted output, exactly `want` picks.
  let needed = want
  let left = total
  let o = 0
  for (let i = 0; i < magnitude.length && needed > 0; i++) {
    if (magnitude[i] < t) continue
    if (rng() * left < needed) {
      out[o++] = i
      needed--
    }
    left--
  }
  return out
}
