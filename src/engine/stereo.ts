/**
 * The stereo cue: where a bin sits between the speakers, as one more coordinate of its embedding.
 *
 * The network hears the mono downmix, so two instruments of like timbre panned apart look alike to
 * it. For a two-channel input the analysis appends to every bin's unit embedding v the coordinate
 * w * clip(ILD / range, -1, 1), ILD = 20 log10(|L| / |R|) in dB, the level difference of the left
 * and right channels' STFTs on the model grid, and renormalises; k-means, masks, the wand and
 * re-clustering then see [v, w * ild] / |[v, w * ild]| (dimension D + 1). A centred bin (ILD 0,
 * also every bin of a dual-mono file) keeps its direction; a bin panned hard left or right moves
 * towards the +-w axis. w is the model metadata's stereoCue.weight, chosen on stereo validation
 * mixes (training/unweave_train/spatial.py, models/<name>.md); 0 turns the cue off.
 */
import { stftMagnitude } from './dsp/stft'

/** Level differences beyond this many dB count as fully to one side (the training tool's range). */
export const DEFAULT_ILD_RANGE_DB = 20

/**
 * Signed, clipped level difference of every bin: |L|, |R| float32 [T * F] -> float32 [T * F] in
 * [-1, 1], +1 for a bin `rangeDb` or more louder in the left channel. Silent bins (both 0) give 0.
 */
export function levelDifference(
  left: Float32Array,
  right: Float32Array,
  rangeDb = DEFAULT_ILD_RANGE_DB,
): Float32Array {
  if (left.length !== right.length) throw new RangeError('levelDifference: lengths differ')
  if (!(rangeDb > 0)) throw new RangeError(`levelDifference: rangeDb must be > 0, got ${rangeDb}`)
  const eps = 1e-8
  const scale = 20 / Math.LN10 / rangeDb
  const out = new Float32Array(left.length)
  for (let i = 0; i < left.length; i++) {
    const v = scale * Math.log((left[i] + eps) / (right[i] + eps))
    out[i] = v > 1 ? 1 : v < -1 ? -1 : v
  }
  return out
}

/** levelDifference of two model-rate channels' STFTs (frame t centred on sample t * hop). */
export function stereoLevelDifference(
  left: Float32Array,
  right: Float32Array,
  nFft: number,
  hop: number,
  rangeDb = DEFAULT_ILD_RANGE_DB,
): Float32Array {
  const l = stftMagnitude(left, nFft, hop).magnitude
  const r = stftMagnitude(right, nFft, hop).magnitude
  return levelDifference(l, r, rangeDb)
}

/**
 * Appends weight * cue[i] to row i of the quantised unit embeddings (int8 round(127 v), rows of
 * d values in the first rows * d entries of `emb`) and renormalises, in place: `emb` must hold
 * rows * (d + 1) values; afterwards it holds the rows of d + 1 (int8 round(127 u), u unit).
 * Rows are moved from the last to the first, so no row is overwritten before it is read.
 */
export function appendCue(
  emb: Int8Array,
  d: number,
  rows: number,
  cue: Float32Array,
  weight: number,
): void {
  if (emb.length !== rows * (d + 1)) {
    throw new RangeError(`appendCue: emb holds ${emb.length} values, expected ${rows * (d + 1)}`)
  }
  if (cue.length !== rows)
    throw new RangeError(`appendCue: ${cue.length} cue values for ${rows} rows`)
  const d1 = d + 1
  const row = new Float64Array(d1)
  for (let r = rows - 1; r >= 0; r--) {
    const src = r * d
    let norm = 0
    for (let j = 0; j < d; j++) {
      const v = emb[src + j] / 127
      row[j] = v
      norm += v * v
    }
    const c = norm > 0 ? weight * cue[r] : 0 // a zero row (no embedding) stays zero
    row[d] = c
    norm += c * c
    const g = norm > 0 ? 127 / Math.sqrt(norm) : 0
    const dst = r * d1
    for (let j = 0; j < d1; j++) {
      const q = Math.round(row[j] * g)
      emb[dst + j] = q > 127 ? 127 : q < -127 ? -127 : q
    }
  }
}
