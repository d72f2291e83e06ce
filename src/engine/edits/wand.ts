/**
 * The embedding wand: from a seed bin (or the weighted mean embedding of a selection) select every
 * bin whose compact (int8) embedding has cosine similarity >= a threshold. The similarities are
 * computed once per seed (one pass over the int8 embeddings); moving the threshold slider is then
 * one comparison per bin, so it runs live.
 *
 * People set the wand by a share, not a similarity: "the 5 % of bins most like the seed". Cosine
 * similarities of a trained network bunch up near the sources' directions, so equal steps of the
 * threshold select wildly unequal amounts (0.8 -> 643 bins, 0.6 -> 66,441 on a song); equal steps
 * of the share select equal amounts. A histogram of the similarities, made with them, turns a
 * share into its threshold without a sort.
 */
import type { Analysis } from '../types'
import { emptySelection, type Selection, tightSelection } from './selection'

/** What the wand reads: the analysis grid, its int8 unit embeddings and (optionally) magnitudes. */
export type EmbeddingGrid = Pick<Analysis, 'frames' | 'bins' | 'dim' | 'embeddings'> &
  Partial<Pick<Analysis, 'magnitude'>>

/** Options of EmbeddingWand.select(). */
export interface WandSelectOptions {
  /** Only bins with magnitude >= this (e.g. skip silence). Default 0 (every bin). */
  minMagnitude?: number
  /** Only frames [frameStart, frameEnd). Default the whole grid. */
  frameStart?: number
  frameEnd?: number
}

/** Selection by embedding similarity to a seed; keep one per seed while a slider moves. */
export class EmbeddingWand {
  readonly grid: EmbeddingGrid
  /** Cosine similarity of every bin to the seed, float32 [frames * bins] (0 for zero embeddings). */
  readonly similarity: Float32Array
  /** The seed direction (unit), float32 [dim]; null before a seed is set. */
  seed: Float32Array | null = null

  constructor(grid: EmbeddingGrid) {
    if (grid.embeddings.length !== grid.frames * grid.bins * grid.dim)
      throw new RangeError('EmbeddingWand: embeddings do not match frames * bins * dim')
    this.grid = grid
    this.similarity = new Float32Array(grid.frames * grid.bins)
    this.#frameMax = new Float32Array(grid.frames)
    this.#binMax = new Float32Array(grid.bins)
  }

  /** Bins per similarity step of 2 / HISTOGRAM over [-1, 1], highest step last; [HISTOGRAM]. */
  readonly #histogram = new Uint32Array(HISTOGRAM)
  /** Bins with an embedding (similarity > -2): what a share is of. */
  #valid = 0

  /** Largest similarity per frame [frames] and per bin [bins]: the box of a threshold without a pass. */
  readonly #frameMax: Float32Array
  readonly #binMax: Float32Array

  /** Seeds from one bin. Returns false (and selects nothing later) if its embedding is zero. */
  seedFromBin(frame: number, bin: number): boolean {
    const { frames, bins } = this.grid
    const t = Math.min(frames - 1, Math.max(0, Math.round(frame)))
    const f = Math.min(bins - 1, Math.max(0, Math.round(bin)))
    return this.#setSeed(this.#meanOf([t * bins + f], [1]))
  }

  /** Seeds from a selection: the weight-weighted (and magnitude-weighted if known) mean unit embedding. */
  seedFromSelection(sel: Selection): boolean {
    const idx: number[] = []
    const wts: number[] = []
    const mag = this.grid.magnitude
    for (let t = 0; t < sel.frames; t++)
      for (let f = 0; f < sel.bins; f++) {
        const q = sel.weights[t * sel.bins + f]
        if (q === 0) continue
        const i = (sel.frame0 + t) * this.grid.bins + sel.bin0 + f
        idx.push(i)
        wts.push((q / 255) * (mag ? mag[i] + 1e-12 : 1))
      }
    return this.#setSeed(this.#meanOf(idx, wts))
  }

  #meanOf(idx: number[], wts: number[]): Float32Array {
    const { dim, embeddings: e } = this.grid
    const acc = new Float64Array(dim)
    for (let r = 0; r < idx.length; r++) {
      const o = idx[r] * dim
      let nn = 0
      for (let j = 0; j < dim; j++) nn += e[o + j] * e[o + j]
      if (nn === 0) continue
      const g = wts[r] / Math.sqrt(nn)
      for (let j = 0; j < dim; j++) acc[j] += e[o + j] * g
    }
    return Float32Array.from(acc)
  }

  #setSeed(v: Float32Array): boolean {
    let nn = 0
    for (let j = 0; j < v.length; j++) nn += v[j] * v[j]
    if (!(nn > 0)) {
      this.seed = null
      this.similarity.fill(-2)
      this.#frameMax.fill(-2)
      this.#binMax.fill(-2)
      return false
    }
    const g = 1 / Math.sqrt(nn)
    for (let j = 0; j < v.length; j++) v[j] *= g
    this.seed = v
    computeSimilarity(this.grid.embeddings, this.grid.dim, v, this.similarity)
    const { frames, bins } = this.grid
    const sim = this.similarity
    this.#binMax.fill(-Infinity)
    const hist = this.#histogram
    hist.fill(0)
    let valid = 0
    for (let t = 0; t < frames; t++) {
      let fm = -Infinity
      const o = t * bins
      for (let f = 0; f < bins; f++) {
        const x = sim[o + f]
        if (x > fm) fm = x
        if (x > this.#binMax[f]) this.#binMax[f] = x
        if (x >= -1) {
          hist[histogramStep(x)]++
          valid++
        }
      }
      this.#frameMax[t] = fm
    }
    this.#valid = valid
    return true
  }

  /**
   * The similarity threshold that selects `share` (0..1) of the bins, the most similar first: the
   * lower edge of the histogram step where the count from the top reaches share x bins. The count
   * it selects overshoots by at most that one step's bins (1/4096 of the similarity range).
   */
  thresholdForShare(share: number): number {
    if (!this.seed || this.#valid === 0) return Infinity
    const want = Math.max(0, Math.min(1, share)) * this.#valid
    if (want <= 0) return Infinity
    let n = 0
    for (let i = HISTOGRAM - 1; i >= 0; i--) {
      n += this.#histogram[i]
      if (n >= want) return i === 0 ? -1 : -1 + (2 * i) / HISTOGRAM
    }
    return -1
  }

  /** Every bin among the `share` (0..1) most similar to the seed: select(thresholdForShare(share)). */
  selectShare(share: number, opts: WandSelectOptions = {}): Selection {
    return this.select(this.thresholdForShare(share), opts)
  }

  /**
   * Every bin with similarity >= threshold (weight 1), as a tight Selection. Higher thresholds give
   * subsets (monotone). Cost: one comparison per bin plus the copy of the selected box.
   */
  select(threshold: number, opts: WandSelectOptions = {}): Selection {
    if (!this.seed) return emptySelection()
    const { frames, bins } = this.grid
    const sim = this.similarity
    const mag = this.grid.magnitude
    const minMag = mag ? (opts.minMagnitude ?? 0) : 0
    const ta = Math.max(0, Math.floor(opts.frameStart ?? 0))
    const tb = Math.min(frames, Math.ceil(opts.frameEnd ?? frames))
    // The box from the per-frame and per-bin maxima (no pass over the bins).
    let t0 = -1
    let t1 = -1
    for (let t = ta; t < tb; t++)
      if (this.#frameMax[t] >= threshold) {
        if (t0 < 0) t0 = t
        t1 = t
      }
    let f0 = -1
    let f1 = -1
    for (let f = 0; f < bins; f++)
      if (this.#binMax[f] >= threshold) {
        if (f0 < 0) f0 = f
        f1 = f
      }
    if (t0 < 0 || f0 < 0) return emptySelection()
    const nF = t1 - t0 + 1
    const nB = f1 - f0 + 1
    const weights = new Uint8Array(nF * nB)
    let any = false
    const frameMax = this.#frameMax
    for (let t = 0; t < nF; t++) {
      if (frameMax[t0 + t] < threshold) continue // nothing in this frame
      const o = (t0 + t) * bins + f0
      const w = t * nB
      any = true // frameMax >= threshold: at least one bin here (before the magnitude gate)
      if (minMag > 0) {
        for (let f = 0; f < nB; f++)
          weights[w + f] = sim[o + f] >= threshold && mag![o + f] >= minMag ? 255 : 0
      } else {
        // Branch-free: similarities are noisy, a branch per bin mispredicts often.
        for (let f = 0; f < nB; f++) weights[w + f] = (sim[o + f] >= threshold ? 1 : 0) * 255
      }
    }
    if (!any) return emptySelection()
    const sel = { frame0: t0, frames: nF, bin0: f0, bins: nB, weights }
    return minMag > 0 ? tightSelection(sel) : sel
  }

  /** Number of bins a threshold would select (for a live count beside the slider). */
  count(threshold: number): number {
    if (!this.seed) return 0
    let n = 0
    const sim = this.similarity
    for (let i = 0; i < sim.length; i++) if (sim[i] >= threshold) n++
    return n
  }
}

/** Steps of the similarity histogram over [-1, 1]. */
const HISTOGRAM = 4096

/** The histogram step of a similarity in [-1, 1]. */
function histogramStep(x: number): number {
  const i = Math.floor(((x + 1) * HISTOGRAM) / 2)
  return i < 0 ? 0 : i >= HISTOGRAM ? HISTOGRAM - 1 : i
}

/** cos(row i, seed) for every int8 row: out float32 [N]; zero rows get -2 (never selected). */
export function computeSimilarity(
  emb: Int8Array,
  d: number,
  seed: Float32Array,
  out: Float32Array,
): void {
  const n = out.length
  if (d === 20) {
    // Unrolled for the shipped model's embedding size.
    const [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9] = seed
    const [s10, s11, s12, s13, s14, s15, s16, s17, s18, s19] = seed.subarray(10)
    for (let i = 0, o = 0; i < n; i++, o += 20) {
      const e0 = emb[o], e1 = emb[o + 1], e2 = emb[o + 2], e3 = emb[o + 3], e4 = emb[o + 4] // prettier-ignore
      const e5 = emb[o + 5], e6 = emb[o + 6], e7 = emb[o + 7], e8 = emb[o + 8], e9 = emb[o + 9] // prettier-ignore
      const g0 = emb[o + 10], g1 = emb[o + 11], g2 = emb[o + 12], g3 = emb[o + 13], g4 = emb[o + 14] // prettier-ignore
      const g5 = emb[o + 15], g6 = emb[o + 16], g7 = emb[o + 17], g8 = emb[o + 18], g9 = emb[o + 19] // prettier-ignore
      const nn =
        e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3 + e4 * e4 + e5 * e5 + e6 * e6 + e7 * e7 + e8 * e8 +
        e9 * e9 + g0 * g0 + g1 * g1 + g2 * g2 + g3 * g3 + g4 * g4 + g5 * g5 + g6 * g6 + g7 * g7 +
        g8 * g8 + g9 * g9 // prettier-ignore
      const dot =
        e0 * s0 + e1 * s1 + e2 * s2 + e3 * s3 + e4 * s4 + e5 * s5 + e6 * s6 + e7 * s7 + e8 * s8 +
        e9 * s9 + g0 * s10 + g1 * s11 + g2 * s12 + g3 * s13 + g4 * s14 + g5 * s15 + g6 * s16 +
        g7 * s17 + g8 * s18 + g9 * s19 // prettier-ignore
      out[i] = nn > 0 ? dot / Math.sqrt(nn) : -2
    }
    return
  }
  for (let i = 0, o = 0; i < n; i++, o += d) {
    let nn = 0
    let dot = 0
    for (let j = 0; j < d; j++) {
      const e = emb[o + j]
      nn += e * e
      dot += e * seed[j]
    }
    out[i] = nn > 0 ? dot / Math.sqrt(nn) : -2
  }
}
