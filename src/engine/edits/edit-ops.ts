/**
 * The arithmetic of one edit over the bins it selects (see editable-masks.ts for the model): the
 * commands as data, the per-action update of a list of bins, and the working arrays and undo
 * pre-images of an editor.
 */
import type { EditAction, EditTool, TouchedRange } from '../../shared/ipc'
import { unpackBin, type PackedMasks } from './planes'
import type { Selection } from './selection'

/** One edit: an action over a selection (weights 0..255 per bin). Plain data, JSON + bytes. */
export interface EditCommand {
  action: EditAction
  selection: Selection
  /** The tool it was made with, for its name in the History (absent in older projects). */
  tool?: EditTool
}

/** Validates an action against k; throws RangeError. */
export function checkAction(action: EditAction, k: number): void {
  const src = (j: unknown): boolean =>
    Number.isInteger(j) && (j as number) >= 0 && (j as number) < k
  switch (action?.type) {
    case 'assign':
      if (!src(action.to)) throw new RangeError(`assign: source ${action.to} is not in 0..${k - 1}`)
      return
    case 'move':
      if (!src(action.from) || !src(action.to))
        throw new RangeError(`move: sources ${action.from} -> ${action.to} not in 0..${k - 1}`)
      return
    case 'split':
    case 'restore':
      return
    default:
      throw new RangeError(`unknown edit action ${JSON.stringify(action)}`)
  }
}

/**
 * Writes the edited values of `count` bins: bin indices[c] gets the action with weight qs[c] / 255
 * applied to its previous state prev[c * k + s], prevW[c] (read from these arrays, never from the
 * masks, so a stroke's incremental updates, a one-shot command and a replay run the very same float
 * operations and agree bit for bit). Sums are renormalised in double precision. One loop per action
 * (the hot loop of opening a project, which replays its history).
 */
export function applyList(
  m: Float32Array[],
  w: Float32Array,
  auto: AutoReader,
  k: number,
  action: EditAction,
  count: number,
  indices: Uint32Array,
  qs: Uint8Array,
  prev: Float32Array,
  prevW: Float32Array,
  tmp: Float64Array,
): void {
  const invK = 1 / k
  switch (action.type) {
    case 'assign': {
      const to = action.to
      for (let c = 0; c < count; c++) {
        const i = indices[c]
        const q = qs[c]
        if (q === 255) {
          for (let s = 0; s < k; s++) m[s][i] = s === to ? 1 : 0
          w[i] = 1
          continue
        }
        const a = q / 255
        const b = 1 - a
        const o = c * k
        for (let s = 0; s < k; s++) tmp[s] = b * prev[o + s]
        tmp[to] += a
        w[i] = 1 - b * (1 - prevW[c])
        store(m, i, k, tmp, invK)
      }
      return
    }
    case 'move': {
      const { from, to } = action
      if (from === to) return
      for (let c = 0; c < count; c++) {
        const i = indices[c]
        const a = qs[c] / 255
        const o = c * k
        for (let s = 0; s < k; s++) tmp[s] = prev[o + s]
        const x = a * tmp[from]
        tmp[from] -= x
        tmp[to] += x
        w[i] = 1 - (1 - a) * (1 - prevW[c])
        store(m, i, k, tmp, invK)
      }
      return
    }
    case 'split': {
      for (let c = 0; c < count; c++) {
        const i = indices[c]
        const a = qs[c] / 255
        const b = 1 - a
        const u = a * invK
        const o = c * k
        for (let s = 0; s < k; s++) tmp[s] = b * prev[o + s] + u
        w[i] = 1 - b * (1 - prevW[c])
        store(m, i, k, tmp, invK)
      }
      return
    }
    case 'restore': {
      for (let c = 0; c < count; c++) {
        const i = indices[c]
        const q = qs[c]
        const a = q / 255
        const b = 1 - a
        // rounded as stored: a weight that underflows float32 is a full restore (w = 0 <=> M = A)
        const nw = Math.fround(b * prevW[c])
        const at = auto.bin(i)
        if (q === 255 || nw === 0) {
          for (let s = 0; s < k; s++) m[s][i] = at[s]
          w[i] = 0
          continue
        }
        const o = c * k
        for (let s = 0; s < k; s++) tmp[s] = b * prev[o + s] + a * at[s]
        w[i] = nw
        store(m, i, k, tmp, invK)
      }
      return
    }
  }
}

/** Reads the automatic masks of one bin from their packed planes (restore and undo need them). */
export class AutoReader {
  readonly packed: PackedMasks
  readonly #out: Float64Array
  readonly #q: Int32Array

  constructor(packed: PackedMasks) {
    this.packed = packed
    this.#out = new Float64Array(packed.k)
    this.#q = new Int32Array(packed.k)
  }

  /** The k float32 values of bin i (valid until the next call). */
  bin(i: number): Float64Array {
    unpackBin(this.packed, i, this.#out, this.#q)
    return this.#out
  }
}

/** Clamps tmp at 0, normalises it to sum 1 (uniform if all zero) and stores it at bin i. */
function store(m: Float32Array[], i: number, k: number, tmp: Float64Array, invK: number): void {
  let sum = 0
  for (let s = 0; s < k; s++) {
    if (tmp[s] < 0) tmp[s] = 0
    sum += tmp[s]
  }
  if (sum > 0) {
    const g = 1 / sum
    for (let s = 0; s < k; s++) m[s][i] = tmp[s] * g
  } else for (let s = 0; s < k; s++) m[s][i] = invK
}

/** Reusable working arrays of an editor (grown, never shrunk): no fresh memory per edit or dab. */
export class Scratch {
  indices = new Uint32Array(0)
  qs = new Uint8Array(0)
  prev = new Float32Array(0)
  prevW = new Float32Array(0)

  /** Makes room for `count` bins of k sources. */
  reserve(count: number, k: number): this {
    if (this.indices.length < count) {
      const n = Math.max(count, Math.ceil(this.indices.length * 1.5), 4096)
      this.indices = new Uint32Array(n)
      this.qs = new Uint8Array(n)
      this.prevW = new Float32Array(n)
    }
    if (this.prev.length < count * k) this.prev = new Float32Array(this.indices.length * k)
    return this
  }
}

/**
 * The selected bins of a (tight) selection with their weights and previous state, into the scratch
 * arrays (frame by frame, bins ascending: the order undo walks the selection in). Returns the count.
 */
export function gather(
  sel: Selection,
  bins: number,
  m: Float32Array[],
  w: Float32Array,
  sc: Scratch,
): number {
  const weights = sel.weights
  const nF = sel.frames
  const nB = sel.bins
  const frame0 = sel.frame0
  const bin0 = sel.bin0
  const len = weights.length
  let count = 0
  for (let i = 0; i < len; i++) if (weights[i] !== 0) count++
  const k = m.length
  const { indices, qs, prev, prevW } = sc.reserve(count, k)
  let c = 0
  for (let t = 0; t < nF; t++) {
    const so = t * nB
    const base = (frame0 + t) * bins + bin0
    for (let f = 0; f < nB; f++) {
      const q = weights[so + f]
      if (q === 0) continue
      indices[c] = base + f
      qs[c] = q
      prevW[c] = w[base + f]
      c++
    }
  }
  for (let s = 0; s < k; s++) {
    const ms = m[s]
    for (let c2 = 0, o = s; c2 < count; c2++, o += k) prev[o] = ms[indices[c2]]
  }
  return count
}

/**
 * Collects an undo record's pre-image from gathered pieces (the bins edited before, prevW != 0,
 * only), in the written order.
 */
export class PreImage {
  #at: Uint32Array
  #w: Float32Array
  #m: Float32Array
  #n = 0
  readonly #k: number

  /** `capacity`: at most this many bins (the selection's count: pages never written cost nothing). */
  constructor(k: number, capacity: number) {
    this.#k = k
    const n = Math.max(16, capacity)
    this.#at = new Uint32Array(n)
    this.#w = new Float32Array(n)
    this.#m = new Float32Array(n * k)
  }

  /** Adds `count` gathered bins whose positions in the written order start at `c0`. */
  add(c0: number, count: number, prev: Float32Array, prevW: Float32Array): void {
    const k = this.#k
    for (let c = 0; c < count; c++) {
      if (prevW[c] === 0) continue
      const j = this.#n++
      this.#at[j] = c0 + c
      this.#w[j] = prevW[c]
      for (let s = 0, o = c * k, d = j * k; s < k; s++) this.#m[d + s] = prev[o + s]
    }
  }

  /**
   * The record's arrays: copies of the used part when that is under half the capacity, else views
   * (a big buffer's unused pages were never touched, so they hold no memory).
   */
  finish(): { editedAt: Uint32Array; prevW: Float32Array; prevEdited: Float32Array } {
    const n = this.#n
    const k = this.#k
    const copy = n * 2 < this.#at.length
    return copy
      ? {
          editedAt: this.#at.slice(0, n),
          prevW: this.#w.slice(0, n),
          prevEdited: this.#m.slice(0, n * k),
        }
      : {
          editedAt: this.#at.subarray(0, n),
          prevW: this.#w.subarray(0, n),
          prevEdited: this.#m.subarray(0, n * k),
        }
  }
}

/** The range a selection covers. */
export function rangeOf(sel: Selection): TouchedRange {
  return {
    frameStart: sel.frame0,
    frameEnd: sel.frame0 + sel.frames,
    binStart: sel.bin0,
    binEnd: sel.bin0 + sel.bins,
  }
}

/** Union of touched ranges (null-safe). */
export function mergeRanges(a: TouchedRange | null, b: TouchedRange | null): TouchedRange | null {
  if (!a) return b
  if (!b) return a
  return {
    frameStart: Math.min(a.frameStart, b.frameStart),
    frameEnd: Math.max(a.frameEnd, b.frameEnd),
    binStart: Math.min(a.binStart, b.binStart),
    binEnd: Math.max(a.binEnd, b.binEnd),
  }
}
