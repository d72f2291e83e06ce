/**
 * Hand edits over the automatic masks. The final mask of every bin is
 *   M = (1 - w) * A + w * E
 * with A the automatic masks, w the bin's override weight (0 = automatic) and E the edited target
 * distribution. Every action is a convex per-bin update of M with the selection's weight a:
 *   assign j:      M' = (1 - a) M + a e_j
 *   move i -> j:   M'_i = (1 - a) M_i, M'_j = M_j + a M_i     (only i's share moves)
 *   split:         M' = (1 - a) M + a / k
 *   restore:       M' = (1 - a) M + a A                         (the eraser)
 * and w' = 1 - (1 - a)(1 - w) (restore: w' = (1 - a) w), so M keeps the form above and every bin's
 * k masks still sum to 1 (renormalised in double precision on every write, so rounding never
 * accumulates). Bins an edit does not select are not written: soft masks stay soft there.
 *
 * The current masks are updated in place (no copy per stroke); each edit keeps a sparse pre-image
 * of the bins it wrote, so undo restores them bit for bit; redo re-applies the recorded command.
 * Commands are plain data (an action plus a Selection with uint8 weights), so a project file can
 * store the history and replay it to the very same floats.
 */
import type { SourceMasks } from '../types'
import {
  DEQ,
  lazyMasks,
  MASK_SCALE,
  maskGrid,
  packBinQ,
  packedFor,
  packedMasks,
  unpackBin,
  unpackRange,
  type PackedMasks,
} from './planes'
import {
  brushSelection,
  checkSelection,
  selectedCount,
  type GridPoint,
  type Selection,
  tightSelection,
} from './selection'

/** What an edit does to the selected bins. */
export type EditAction =
  | { type: 'assign'; to: number }
  | { type: 'move'; from: number; to: number }
  | { type: 'split' }
  | { type: 'restore' }

/** One edit: an action over a selection (weights 0..255 per bin). Plain data, JSON + bytes. */
export interface EditCommand {
  action: EditAction
  selection: Selection
}

/** Model frames [frameStart, frameEnd) and bins [binStart, binEnd) an edit (or undo/redo) wrote. */
export interface TouchedRange {
  frameStart: number
  frameEnd: number
  binStart: number
  binEnd: number
}

/**
 * Sparse pre-image of the bins one command wrote. The written bins are the non-zero weights of the
 * command's (tight) selection, frame by frame, so their indices are not stored. A bin whose override
 * weight was 0 held exactly the automatic masks (an invariant of this class), so only the bins that
 * had been edited before are kept: a first edit of a bin costs nothing, a re-edit 8 + 4k bytes.
 */
interface UndoRecord {
  command: EditCommand
  touched: TouchedRange
  /** Positions (in the written order) of the written bins that had been edited before, ascending. */
  editedAt: Uint32Array
  /** Their previous override weights, float32 [edited]. */
  prevW: Float32Array
  /** Their previous masks, float32 [edited * k]. */
  prevEdited: Float32Array
}

export { MASK_SCALE }

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
function canonicalPack(
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
function applyList(
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
class AutoReader {
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
class Scratch {
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
function gather(
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
class PreImage {
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

/** An in-progress brush stroke: dabs merge by per-bin maximum; one undo step when ended. */
export interface Stroke {
  /** Adds bins (max with what the stroke has); returns the range written now (null if nothing changed). */
  add(selection: Selection): TouchedRange | null
  /** Finishes the stroke: records it as one command (null if it selected nothing). */
  end(): { command: EditCommand; touched: TouchedRange } | null
  /** Puts every bin the stroke wrote back as it was; records nothing. Returns the range restored. */
  cancel(): TouchedRange | null
}

/** Frames per block of a stroke's state. */
const STROKE_BLOCK = 64

/**
 * The state of a stroke in progress over 64 frames: the stroke's weight of each bin (0 = not
 * touched yet) and the bin's masks and weight from before the stroke, captured when the stroke
 * first touches it. Blocks come from the editor's pool, so a stroke allocates nothing once warm.
 */
interface StrokeBlock {
  /** uint8 [STROKE_BLOCK * bins] */
  q: Uint8Array
  /** float32 [STROKE_BLOCK * bins * k], bin-major */
  pre: Float32Array
  /** float32 [STROKE_BLOCK * bins] */
  preW: Float32Array
}

/** The stroke in progress: its blocks by index (frame >> 6) and the range it has written. */
interface StrokeState {
  action: EditAction
  blocks: Map<number, StrokeBlock>
  t0: number
  t1: number
  f0: number
  f1: number
}

/**
 * The automatic masks, the edited ones (`masks`, updated in place) and the edit history.
 * Memory: the automatic and the current masks (2 x k x frames x bins float32), the override
 * weights (frames x bins float32) and the sparse pre-images of the undo stack.
 */
export class EditableMasks {
  /**
   * The automatic masks (canonical, see canonicalMasks); never written by edits. Kept as packed
   * 12-bit planes: its float arrays are made only if something reads `automatic.masks`.
   */
  automatic: SourceMasks
  #auto: AutoReader
  /** The edited masks: what preview, playback and export use. Updated in place. */
  readonly masks: SourceMasks
  /** Override weight w of every bin, float32 [frames * bins] (0 = automatic). */
  readonly override: Float32Array
  #undo: UndoRecord[] = []
  #redo: EditCommand[] = []
  #stroke: StrokeState | null = null
  readonly #tmp: Float64Array
  readonly #scratch = new Scratch()
  /** Stroke blocks not in use (see reserveStroke). */
  readonly #blockPool: StrokeBlock[] = []

  /**
   * Starts from the automatic masks (quantised to the canonical grid unless `canonical` says they
   * are). Masks made from packed planes (a project file's, another editor's `automatic`) are used
   * as they are: only the working copy is made.
   */
  constructor(
    automatic: SourceMasks,
    opts: { canonical?: boolean; working?: Float32Array[]; packed?: PackedMasks } = {},
  ) {
    const grid = maskGrid(automatic)
    const { packed, work } = canonicalOf(automatic, opts)
    this.automatic = packedFor(automatic) === packed ? automatic : lazyMasks(grid, packed)
    this.#auto = new AutoReader(packed)
    this.masks = { ...grid, masks: opts.working ?? work! }
    this.override = new Float32Array(grid.frames * grid.bins)
    this.#tmp = new Float64Array(grid.k)
  }

  /** Rebuilds an editor from saved history: the undo stack is replayed, the redo stack kept. */
  static fromHistory(
    automatic: SourceMasks,
    undo: EditCommand[],
    redo: EditCommand[] = [],
    opts: { canonical?: boolean } = {},
  ): EditableMasks {
    const e = new EditableMasks(automatic, opts)
    e.loadHistory(undo, redo)
    return e
  }

  /** Replays saved history on an editor that has none yet (undo stack applied, redo stack kept). */
  loadHistory(undo: EditCommand[], redo: EditCommand[] = []): void {
    if (this.#undo.length || this.#redo.length || this.#stroke)
      throw new Error('EditableMasks: loadHistory needs an editor without history')
    for (const c of undo) this.apply(c)
    this.#redo = redo.slice()
  }

  get k(): number {
    return this.masks.k
  }

  /** The commands that undo would revert, oldest first. */
  get undoStack(): EditCommand[] {
    return this.#undo.map((r) => r.command)
  }

  /** The commands that redo would re-apply, next one last. */
  get redoStack(): EditCommand[] {
    return this.#redo.slice()
  }

  /** Bytes held by the undo stack (pre-images + selections), for a memory cap in the app. */
  get historyBytes(): number {
    let b = 0
    for (const r of this.#undo)
      b +=
        r.editedAt.byteLength +
        r.prevW.byteLength +
        r.prevEdited.byteLength +
        r.command.selection.weights.byteLength
    for (const c of this.#redo) b += c.selection.weights.byteLength
    return b
  }

  get canUndo(): boolean {
    return this.#undo.length > 0
  }

  get canRedo(): boolean {
    return this.#redo.length > 0
  }

  /** Applies a command (a new edit: the redo stack is cleared). Returns what it wrote, null if nothing. */
  edit(command: EditCommand): TouchedRange | null {
    const r = this.apply(command)
    if (r) this.#redo = []
    return r
  }

  /** Applies a command and pushes it on the undo stack (keeps the redo stack). */
  apply(command: EditCommand): TouchedRange | null {
    if (this.#stroke)
      throw new Error('EditableMasks: a stroke is in progress; end or cancel it first')
    const { k, bins } = this.masks
    checkAction(command.action, k)
    checkSelection(command.selection, this.masks)
    const sel = tightSelection(command.selection)
    if (sel.frames === 0) return null
    const m = this.masks.masks
    const w = this.override
    const sc = this.#scratch
    const auto = this.#auto
    const pre = new PreImage(k, selectedCount(sel))
    // frame by frame: the working arrays stay in cache (this is the loop that opening a project
    // with a long history spends its time in)
    const row: Selection = {
      frame0: 0,
      frames: 1,
      bin0: sel.bin0,
      bins: sel.bins,
      weights: sel.weights,
    }
    let c0 = 0
    for (let t = 0; t < sel.frames; t++) {
      row.frame0 = sel.frame0 + t
      row.weights = sel.weights.subarray(t * sel.bins, (t + 1) * sel.bins)
      const count = gather(row, bins, m, w, sc)
      const { indices, qs, prev, prevW } = sc
      applyList(m, w, auto, k, command.action, count, indices, qs, prev, prevW, this.#tmp)
      pre.add(c0, count, prev, prevW)
      c0 += count
    }
    const touched = rangeOf(sel)
    this.#undo.push({
      command: { action: command.action, selection: sel },
      touched,
      ...pre.finish(),
    })
    return touched
  }

  /** Reverts the last edit exactly (bit-identical masks and weights). Returns the range, or null. */
  undo(): TouchedRange | null {
    if (this.#stroke) this.cancelStroke()
    const r = this.#undo.pop()
    if (!r) return null
    const { k, bins } = this.masks
    const m = this.masks.masks
    const auto = this.#auto
    const w = this.override
    const { frame0, frames, bin0, bins: nB, weights } = r.command.selection
    const { editedAt, prevW, prevEdited } = r
    let c = 0
    let j = 0
    let next = editedAt.length > 0 ? editedAt[0] : -1
    for (let t = 0; t < frames; t++) {
      const base = (frame0 + t) * bins + bin0
      const so = t * nB
      for (let f = 0; f < nB; f++) {
        if (weights[so + f] === 0) continue
        const i = base + f
        if (c++ !== next) {
          // not edited before this command: back to the automatic masks
          w[i] = 0
          const at = auto.bin(i)
          for (let s = 0; s < k; s++) m[s][i] = at[s]
          continue
        }
        w[i] = prevW[j]
        for (let s = 0, o = j * k; s < k; s++) m[s][i] = prevEdited[o + s]
        j++
        next = j < editedAt.length ? editedAt[j] : -1
      }
    }
    this.#redo.push(r.command)
    return r.touched
  }

  /** Re-applies the last undone edit. Returns the range, or null. */
  redo(): TouchedRange | null {
    if (this.#stroke) this.cancelStroke()
    const c = this.#redo.pop()
    if (!c) return null
    return this.apply(c)
  }

  /** Starts a brush stroke with an action; feed dabs with add(), finish with end(). */
  beginStroke(action: EditAction): Stroke {
    if (this.#stroke) throw new Error('EditableMasks: a stroke is in progress already')
    checkAction(action, this.k)
    const st: StrokeState = {
      action,
      blocks: new Map(),
      t0: Infinity,
      t1: -1,
      f0: Infinity,
      f1: -1,
    }
    this.#stroke = st
    return {
      add: (sel) => this.#strokeAdd(st, sel),
      end: () => this.#strokeEnd(st),
      cancel: () => this.#strokeCancel(st),
    }
  }

  /** Cancels the stroke in progress, if any. */
  cancelStroke(): TouchedRange | null {
    return this.#stroke ? this.#strokeCancel(this.#stroke) : null
  }

  /**
   * Gets the stroke path ready before the user paints, so the first dab of a wide brush costs what
   * the later ones do: stroke blocks for `frames` frames in the pool with their memory touched, and
   * the brush code run (JIT-compiled) on a stroke that is cancelled — the masks come back bit for
   * bit. `point` makes the dab centres the way the caller's pointer code does (same object shape:
   * a different one makes the compiled code bail out on the first real dab).
   */
  warmStrokes(
    frames: number,
    point: (frame: number, bin: number) => GridPoint = (frame, bin) => ({ frame, bin }),
  ): void {
    if (this.#stroke) return
    const want = Math.ceil(frames / STROKE_BLOCK) + 1
    while (this.#blockPool.length < want) {
      const b = this.#newBlock()
      b.pre.fill(0) // fresh memory is paid for here, not on the first dab
      b.preW.fill(0)
      this.#blockPool.push(b)
    }
    const g = this.masks
    const rx = Math.max(1, Math.min(64, g.frames / 4))
    const ry = Math.max(1, Math.min(12, g.bins / 4))
    const radius = { frames: rx, bins: ry }
    for (const action of [{ type: 'assign', to: 0 }, { type: 'restore' }] as const) {
      const stroke = this.beginStroke(action)
      let last = point(rx + 0.37, ry + 0.61)
      stroke.add(brushSelection(g, [last], { radius, softness: 0.5 })) // a stroke's first dab
      // fractional centres that wander and overlap (first touches and re-touches), like a hand
      for (let i = 1; i <= 48; i++) {
        const p = point(rx + 0.37 + (i % 7) * 1.3, ry + 0.61 + (i % 5) * 0.7)
        stroke.add(brushSelection(g, [last, p], { radius, softness: (i % 3) / 2 }))
        last = p
      }
      stroke.cancel()
    }
  }

  #newBlock(): StrokeBlock {
    const n = STROKE_BLOCK * this.masks.bins
    return { q: new Uint8Array(n), pre: new Float32Array(n * this.k), preW: new Float32Array(n) }
  }

  /** Hands a finished stroke's blocks back to the pool (weights cleared). */
  #releaseBlocks(st: StrokeState): void {
    for (const b of st.blocks.values()) {
      b.q.fill(0)
      this.#blockPool.push(b)
    }
    st.blocks.clear()
  }

  #strokeAdd(st: StrokeState, sel: Selection): TouchedRange | null {
    if (this.#stroke !== st) throw new Error('EditableMasks: this stroke has ended')
    checkSelection(sel, this.masks)
    const { k, bins } = this.masks
    const m = this.masks.masks
    const auto = this.#auto
    const w = this.override
    let t0 = Infinity
    let t1 = -1
    let f0 = Infinity
    let f1 = -1
    const { indices, qs, prev, prevW } = this.#scratch.reserve(sel.weights.length, k)
    let c = 0
    for (let t = 0; t < sel.frames; t++) {
      const frame = sel.frame0 + t
      const so = t * sel.bins
      const bi = Math.floor(frame / STROKE_BLOCK)
      let blk = st.blocks.get(bi)
      const ro = (frame - bi * STROKE_BLOCK) * bins
      for (let f = 0; f < sel.bins; f++) {
        const q = sel.weights[so + f]
        if (q === 0) continue
        if (!blk) {
          blk = this.#blockPool.pop() ?? this.#newBlock()
          st.blocks.set(bi, blk)
        }
        const bin = sel.bin0 + f
        const j = ro + bin
        const old = blk.q[j]
        if (q <= old) continue
        const i = frame * bins + bin
        if (old === 0) {
          // first touch by this stroke: the bin's state from before the stroke
          for (let s = 0; s < k; s++) blk.pre[j * k + s] = m[s][i]
          blk.preW[j] = w[i]
        }
        blk.q[j] = q
        indices[c] = i
        qs[c] = q
        for (let s = 0; s < k; s++) prev[c * k + s] = blk.pre[j * k + s]
        prevW[c] = blk.preW[j]
        c++
        if (frame < t0) t0 = frame
        if (frame > t1) t1 = frame
        if (bin < f0) f0 = bin
        if (bin > f1) f1 = bin
      }
    }
    applyList(m, w, auto, k, st.action, c, indices, qs, prev, prevW, this.#tmp)
    if (t1 < 0) return null
    st.t0 = Math.min(st.t0, t0)
    st.t1 = Math.max(st.t1, t1)
    st.f0 = Math.min(st.f0, f0)
    st.f1 = Math.max(st.f1, f1)
    return { frameStart: t0, frameEnd: t1 + 1, binStart: f0, binEnd: f1 + 1 }
  }

  #strokeEnd(st: StrokeState): { command: EditCommand; touched: TouchedRange } | null {
    if (this.#stroke !== st) throw new Error('EditableMasks: this stroke has ended')
    this.#stroke = null
    if (st.t1 < 0) {
      this.#releaseBlocks(st)
      return null
    }
    const { k, bins } = this.masks
    const { t0, f0 } = st
    const nF = st.t1 - t0 + 1
    const nB = st.f1 - f0 + 1
    const weights = new Uint8Array(nF * nB)
    const { prev, prevW } = this.#scratch.reserve(nF * nB, k)
    let c = 0
    for (let t = t0; t <= st.t1; t++) {
      const bi = Math.floor(t / STROKE_BLOCK)
      const blk = st.blocks.get(bi)
      if (!blk) continue
      const ro = (t - bi * STROKE_BLOCK) * bins
      const o = (t - t0) * nB - f0
      for (let b = f0; b <= st.f1; b++) {
        const j = ro + b
        const q = blk.q[j]
        if (q === 0) continue
        weights[o + b] = q
        for (let s = 0; s < k; s++) prev[c * k + s] = blk.pre[j * k + s]
        prevW[c] = blk.preW[j]
        c++
      }
    }
    this.#releaseBlocks(st)
    const selection: Selection = { frame0: t0, frames: nF, bin0: f0, bins: nB, weights }
    const command: EditCommand = { action: st.action, selection }
    const touched = rangeOf(selection)
    const pre = new PreImage(k, c)
    pre.add(0, c, prev, prevW)
    this.#undo.push({ command, touched, ...pre.finish() })
    this.#redo = []
    return { command, touched }
  }

  #strokeCancel(st: StrokeState): TouchedRange | null {
    if (this.#stroke !== st) return null
    this.#stroke = null
    const { k, bins } = this.masks
    const m = this.masks.masks
    const n = STROKE_BLOCK * bins
    for (const [bi, blk] of st.blocks) {
      const base = bi * n
      for (let j = 0; j < n; j++) {
        if (blk.q[j] === 0) continue
        for (let s = 0; s < k; s++) m[s][base + j] = blk.pre[j * k + s]
        this.override[base + j] = blk.preW[j]
      }
    }
    this.#releaseBlocks(st)
    return st.t1 < 0
      ? null
      : { frameStart: st.t0, frameEnd: st.t1 + 1, binStart: st.f0, binEnd: st.f1 + 1 }
  }

  /**
   * New automatic masks (e.g. after re-clustering with the same k): the current masks are rebuilt
   * by replaying the undo stack over them; the redo stack is kept. Returns the whole grid as touched.
   */
  setAutomatic(automatic: SourceMasks, opts: { canonical?: boolean } = {}): TouchedRange {
    if (this.#stroke) this.cancelStroke()
    const g = this.masks
    if (automatic.k !== g.k || automatic.frames !== g.frames || automatic.bins !== g.bins)
      throw new RangeError(
        `setAutomatic: masks ${automatic.k} x ${automatic.frames} x ${automatic.bins} do not match ${g.k} x ${g.frames} x ${g.bins}`,
      )
    const commands = this.undoStack
    // the working masks are rewritten in place from the new canonical masks
    const { packed } = canonicalOf(automatic, opts, g.masks)
    this.automatic =
      packedFor(automatic) === packed ? automatic : lazyMasks(maskGrid(automatic), packed)
    this.#auto = new AutoReader(packed)
    this.override.fill(0)
    this.#undo = []
    for (const c of commands) this.apply(c)
    return { frameStart: 0, frameEnd: g.frames, binStart: 0, binEnd: g.bins }
  }

  /**
   * Bins the user has taken over (override weight >= minWeight) and the source holding most of each
   * (the constraints of reclusterWithEdits): indices uint32 [m] ascending, labels uint8 [m].
   */
  assignedBins(minWeight = 0.5): { indices: Uint32Array; labels: Uint8Array } {
    const w = this.override
    const { k } = this.masks
    const m = this.masks.masks
    let n = 0
    for (let i = 0; i < w.length; i++) if (w[i] >= minWeight) n++
    const indices = new Uint32Array(n)
    const labels = new Uint8Array(n)
    let c = 0
    for (let i = 0; i < w.length; i++) {
      if (w[i] < minWeight) continue
      let best = 0
      for (let s = 1; s < k; s++) if (m[s][i] > m[best][i]) best = s
      indices[c] = i
      labels[c] = best
      c++
    }
    return { indices, labels }
  }
}

function rangeOf(sel: Selection): TouchedRange {
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

/**
 * An EditableMasks made a slice of bins at a time (idle work of the app, so the first edit of a
 * separation finds its editor ready), or finished at once when an edit needs it now.
 */
export class EditablePreparation {
  readonly #source: SourceMasks
  readonly #packed: PackedMasks
  readonly #work: Float32Array[]
  readonly #frac: Float64Array
  readonly #q: Int32Array
  #next = 0
  #editor: EditableMasks | undefined

  /** Starts preparing an editor over `automatic` (made canonical here, slice by slice). */
  constructor(automatic: SourceMasks) {
    const n = automatic.frames * automatic.bins
    this.#source = automatic
    this.#packed = packedMasks(automatic.k, n)
    this.#work = Array.from({ length: automatic.k }, () => new Float32Array(n))
    this.#frac = new Float64Array(automatic.k)
    this.#q = new Int32Array(automatic.k)
  }

  /** Whether every bin is done. */
  get done(): boolean {
    return this.#next >= this.#source.frames * this.#source.bins
  }

  /** Prepares about `ms` milliseconds' worth of bins (at least one slice); true when all are done. */
  step(ms: number): boolean {
    const n = this.#source.frames * this.#source.bins
    const end = performance.now() + ms
    const m = this.#source.masks
    do {
      const to = Math.min(n, this.#next + 65536)
      canonicalPack(m, this.#packed, this.#work, this.#next, to, this.#frac, this.#q)
      this.#next = to
    } while (this.#next < n && performance.now() < end)
    return this.done
  }

  /** The editor: the remaining bins are prepared now. The same editor on every call. */
  finish(): EditableMasks {
    if (!this.#editor) {
      while (!this.step(1e9));
      this.#editor = new EditableMasks(lazyMasks(maskGrid(this.#source), this.#packed), {
        packed: this.#packed,
        working: this.#work,
      })
    }
    return this.#editor
  }
}

/**
 * The packed canonical planes of `automatic` and, unless given `into` or `opts.working`, a fresh
 * float32 working copy: from the planes it was made from when it has them (and is canonical), else
 * quantised from its floats.
 */
function canonicalOf(
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
