/**
 * Re-synthesis after an edit: which samples of the stems an edited model-frame range can change,
 * and a two-source mask view (one source vs the rest) so a soloed source costs one inverse FFT
 * per frame and channel.
 */
import { outputFftSize, type MaskRowSource } from '../masks/synthesize'
import type { SourceMasks } from '../types'
import type { TouchedRange } from './editable-masks'
import type { Selection } from './selection'

/** The grid of a set of masks, without the masks. */
type MaskGrid = Omit<SourceMasks, 'masks'>

/**
 * Samples [start, start + length) of the stems (at the input's rate) that model frames
 * [frameStart, frameEnd) can change: the output frames whose masks interpolate those model frames,
 * widened by half an output FFT each side (their window), clipped to the input. Pass this as
 * synthesizeStems' `range` to recompute only what an edit changed.
 */
export function touchedSampleRange(
  grid: Pick<SourceMasks, 'sampleRate' | 'hop'>,
  touched: Pick<TouchedRange, 'frameStart' | 'frameEnd'>,
  inputSampleRate: number,
  inputLength: number,
  nFft = outputFftSize(inputSampleRate),
): { start: number; length: number } {
  const perFrame = (grid.hop * inputSampleRate) / grid.sampleRate // input samples per model frame
  const H = nFft / 4
  const a = Math.floor((touched.frameStart - 1) * perFrame) - nFft / 2 - H
  const b = Math.ceil((touched.frameEnd + 1) * perFrame) + nFft / 2 + H
  const start = Math.max(0, Math.min(inputLength, a))
  const end = Math.max(start, Math.min(inputLength, b))
  return { start, length: end - start }
}

/**
 * Rows of a two-source view: source 0 is `source`'s mask, source 1 the rest (1 - it). With
 * synthesizeFromRows this yields the soloed stem (sink index 0; for source < k - 1 bit-identical
 * to that stem of a full synthesis) at half the cost of all k stems.
 */
export function soloMaskRows(masks: SourceMasks, source: number): MaskRowSource {
  if (!(Number.isInteger(source) && source >= 0 && source < masks.k))
    throw new RangeError(`soloMaskRows: source ${source} not in 0..${masks.k - 1}`)
  const rest = [new Float32Array(masks.bins), new Float32Array(masks.bins)]
  const restT = [-1, -1]
  let next = 0
  const m = masks.masks[source]
  return {
    k: 2,
    sampleRate: masks.sampleRate,
    nFft: masks.nFft,
    hop: masks.hop,
    frames: masks.frames,
    bins: masks.bins,
    row(t, s) {
      const row = m.subarray(t * masks.bins, (t + 1) * masks.bins)
      if (s === 0) return row
      if (restT[0] === t) return rest[0]
      if (restT[1] === t) return rest[1]
      const slot = next
      next ^= 1
      for (let f = 0; f < masks.bins; f++) rest[slot][f] = 1 - row[f]
      restT[slot] = t
      return rest[slot]
    },
  }
}

/**
 * Rows of the two-source view of a selection: source 0 is the selected part of the mixture (each
 * bin by its selection weight, 0 outside), source 1 everything but the selection (1 - weight).
 * With synthesizeFromRows (the export's code) over the selection's sample range this is what
 * "Play selection" and "Play all but the selection" hear; the two stems sum to the mixture.
 */
export function selectionMaskRows(grid: MaskGrid, sel: Selection): MaskRowSource {
  const { bins } = grid
  const rows = [0, 1].map(() => [new Float32Array(bins), new Float32Array(bins)])
  const rowT = [
    [-1, -1],
    [-1, -1],
  ]
  const next = [0, 0]
  return {
    ...grid,
    k: 2,
    row(t, s) {
      const slots = rowT[s]
      const hit = slots[0] === t ? 0 : slots[1] === t ? 1 : -1
      if (hit >= 0) return rows[s][hit]
      const slot = next[s]
      next[s] ^= 1
      const out = rows[s][slot]
      out.fill(s === 0 ? 0 : 1)
      const tt = t - sel.frame0
      if (tt >= 0 && tt < sel.frames) {
        const w = sel.weights.subarray(tt * sel.bins, (tt + 1) * sel.bins)
        for (let f = 0; f < sel.bins; f++) {
          const x = w[f] / 255
          out[sel.bin0 + f] = s === 0 ? x : 1 - x
        }
      }
      slots[slot] = t
      return out
    },
  }
}
