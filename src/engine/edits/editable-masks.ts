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
import { checkSelection, type Selection, tightSelection } from './selection'

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

/** Sparse pre-image of the bins one command wrote. */
interface UndoRecord {
  command: EditCommand
  touched: TouchedRange
  /** Linear bin indices (t * bins + f), ascending. */
  indices: Uint32Array
  /** Previous masks, float32 [count * k] (bin-major). */
  prev: Float32Array
  /** Previous override weights, float32 [count]. */
  prevW: Float32Array
}

/**
 * Quantisation of the automatic masks (see canonicalMasks): 12 bits, steps of 1/4095 (at most
 * 1.2e-4 off, ~-78 dB): fine for masks, and what keeps a 10-minute project of 4 soft sources small.
 */
export const MASK_SCALE = 4095

/**
 * The automatic masks on the canonical 12-bit grid: each bin's k values are rounded to multiples of
 * 1/4095 with an integer sum of exactly 4095 (largest remainder), stored back as float32. The
 * editor works on these, so the project file can store them exactly (12 bits) and the app, the
 * renderer's preview and the CLI start from the same floats. Idempotent.
 */
export function canonicalMasks(masks: SourceMasks): SourceMasks {
  const q = quantizeMasks(masks)
  return { ...masks, masks: dequantizeMasks(q, masks.k, masks.frames * masks.bins) }
}

/** uint16 [k][n] quantised masks (0..4095) whose k values sum to 4095 at every bin. */
export function quantizeMasks(masks: SourceMasks): Uint16Array[] {
  const { k } = masks
  const n = masks.frames * masks.bins
  const out = Array.from({ length: k }, () => new Uint16Array(n))
  const m = masks.masks
  if (k === 1) {
    out[0].fill(MASK_SCALE)
    return out
  }
  const frac = new Float64Array(k)
  for (let i = 0; i < n; i++) {
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
      out[s][i] = fl
      frac[s] = x - fl
      total += fl
    }
    // Largest remainders get the missing units (ties to the lower source index).
    let missing = MASK_SCALE - total
    while (missing > 0) {
      let best = 0
      for (let s = 1; s < k; s++) if (frac[s] > frac[best]) best = s
      out[best][i]++
      frac[best] = -1
      missing--
    }
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
  auto: Float32Array[],
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
        const nw = b * prevW[c]
        if (q === 255 || nw === 0) {
          for (let s = 0; s < k; s++) m[s][i] = auto[s][i]
          w[i] = 0
          continue
        }
        const o = c * k
        for (let s = 0; s < k; s++) tmp[s] = b * prev[o + s] + a * auto[s][i]
        w[i] = nw
        store(m, i, k, tmp, invK)
      }
      return
    }
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

/** The selected bins of a (tight) selection with their weights and previous state (sparse pre-image). */
function gather(
  sel: Selection,
  bins: number,
  m: Float32Array[],
  w: Float32Array,
): {
  count: number
  indices: Uint32Array
  qs: Uint8Array
  prev: Float32Array
  prevW: Float32Array
} {
  const weights = sel.weights
  const nF = sel.frames
  const nB = sel.bins
  const frame0 = sel.frame0
  const bin0 = sel.bin0
  const len = weights.length
  let count = 0
  for (let i = 0; i < len; i++) if (weights[i] !== 0) count++
  const k = m.length
  const indices = new Uint32Array(count)
  const qs = new Uint8Array(count)
  const prev = new Float32Array(count * k)
  const prevW = new Float32Array(count)
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
  return { count, indices, qs, prev, prevW }
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

/** Per-frame column of a stroke in progress. */
interface StrokeColumn {
  q: Uint8Array
  pre: Float32Array
  preW: Float32Array
}

/** The stroke in progress. */
interface StrokeState {
  action: EditAction
  cols: Map<number, StrokeColumn>
}

/**
 * The automatic masks, the edited ones (`masks`, updated in place) and the edit history.
 * Memory: the automatic and the current masks (2 x k x frames x bins float32), the override
 * weights (frames x bins float32) and the sparse pre-images of the undo stack.
 */
export class EditableMasks {
  /** The automatic masks (canonical, see canonicalMasks); never written by edits. */
  automatic: SourceMasks
  /** The edited masks: what preview, playback and export use. Updated in place. */
  readonly masks: SourceMasks
  /** Override weight w of every bin, float32 [frames * bins] (0 = automatic). */
  readonly override: Float32Array
  #undo: UndoRecord[] = []
  #redo: EditCommand[] = []
  #stroke: StrokeState | null = null
  readonly #tmp: Float64Array

  /** Starts from the automatic masks (quantised to the canonical grid unless `canonical` says they are). */
  constructor(automatic: SourceMasks, opts: { canonical?: boolean } = {}) {
    const auto = opts.canonical ? automatic : canonicalMasks(automatic)
    this.automatic = auto
    this.masks = { ...auto, masks: auto.masks.map((m) => m.slice()) }
    this.override = new Float32Array(auto.frames * auto.bins)
    this.#tmp = new Float64Array(auto.k)
  }

  /** Rebuilds an editor from saved history: the undo stack is replayed, the redo stack kept. */
  static fromHistory(
    automatic: SourceMasks,
    undo: EditCommand[],
    redo: EditCommand[] = [],
    opts: { canonical?: boolean } = {},
  ): EditableMasks {
    const e = new EditableMasks(automatic, opts)
    for (const c of undo) e.apply(c)
    e.#redo = redo.slice()
    return e
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
        r.indices.byteLength +
        r.prev.byteLength +
        r.prevW.byteLength +
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
    const { count, indices, qs, prev, prevW } = gather(sel, bins, m, w)
    applyList(
      m,
      w,
      this.automatic.masks,
      k,
      command.action,
      count,
      indices,
      qs,
      prev,
      prevW,
      this.#tmp,
    )
    const touched = rangeOf(sel)
    this.#undo.push({
      command: { action: command.action, selection: sel },
      touched,
      indices,
      prev,
      prevW,
    })
    return touched
  }

  /** Reverts the last edit exactly (bit-identical masks and weights). Returns the range, or null. */
  undo(): TouchedRange | null {
    if (this.#stroke) this.cancelStroke()
    const r = this.#undo.pop()
    if (!r) return null
    const { k } = this.masks
    const m = this.masks.masks
    for (let c = 0; c < r.indices.length; c++) {
      const i = r.indices[c]
      for (let s = 0; s < k; s++) m[s][i] = r.prev[c * k + s]
      this.override[i] = r.prevW[c]
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
    const st = { action, cols: new Map<number, StrokeColumn>() }
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

  #strokeAdd(st: StrokeState, sel: Selection): TouchedRange | null {
    if (this.#stroke !== st) throw new Error('EditableMasks: this stroke has ended')
    checkSelection(sel, this.masks)
    const { k, bins } = this.masks
    const m = this.masks.masks
    const auto = this.automatic.masks
    const w = this.override
    let t0 = Infinity
    let t1 = -1
    let f0 = Infinity
    let f1 = -1
    const len = sel.weights.length
    const indices = new Uint32Array(len)
    const qs = new Uint8Array(len)
    const prev = new Float32Array(len * k)
    const prevW = new Float32Array(len)
    let c = 0
    for (let t = 0; t < sel.frames; t++) {
      const frame = sel.frame0 + t
      const so = t * sel.bins
      let col = st.cols.get(frame)
      for (let f = 0; f < sel.bins; f++) {
        const q = sel.weights[so + f]
        if (q === 0) continue
        if (!col) {
          col = {
            q: new Uint8Array(bins),
            pre: new Float32Array(bins * k),
            preW: new Float32Array(bins),
          }
          const base = frame * bins
          for (let s = 0; s < k; s++) {
            const ms = m[s]
            for (let bb = 0, o = s; bb < bins; bb++, o += k) col.pre[o] = ms[base + bb]
          }
          col.preW.set(w.subarray(base, base + bins))
          st.cols.set(frame, col)
        }
        const bin = sel.bin0 + f
        if (q <= col.q[bin]) continue
        col.q[bin] = q
        indices[c] = frame * bins + bin
        qs[c] = q
        for (let s = 0; s < k; s++) prev[c * k + s] = col.pre[bin * k + s]
        prevW[c] = col.preW[bin]
        c++
        if (frame < t0) t0 = frame
        if (frame > t1) t1 = frame
        if (bin < f0) f0 = bin
        if (bin > f1) f1 = bin
      }
    }
    applyList(m, w, auto, k, st.action, c, indices, qs, prev, prevW, this.#tmp)
    return t1 < 0 ? null : { frameStart: t0, frameEnd: t1 + 1, binStart: f0, binEnd: f1 + 1 }
  }

  #strokeEnd(st: StrokeState): { command: EditCommand; touched: TouchedRange } | null {
    if (this.#stroke !== st) throw new Error('EditableMasks: this stroke has ended')
    this.#stroke = null
    const { k, bins } = this.masks
    const frames = [...st.cols.keys()].sort((a, b) => a - b)
    if (frames.length === 0) return null
    let f0 = bins
    let f1 = -1
    let count = 0
    for (const t of frames) {
      const q = st.cols.get(t)!.q
      for (let b = 0; b < bins; b++)
        if (q[b] !== 0) {
          count++
          if (b < f0) f0 = b
          if (b > f1) f1 = b
        }
    }
    const frame0 = frames[0]
    const nF = frames[frames.length - 1] - frame0 + 1
    const nB = f1 - f0 + 1
    const weights = new Uint8Array(nF * nB)
    const indices = new Uint32Array(count)
    const prev = new Float32Array(count * k)
    const prevW = new Float32Array(count)
    let c = 0
    for (const t of frames) {
      const col = st.cols.get(t)!
      const o = (t - frame0) * nB - f0
      for (let b = f0; b <= f1; b++) {
        const q = col.q[b]
        if (q === 0) continue
        weights[o + b] = q
        indices[c] = t * bins + b
        for (let s = 0; s < k; s++) prev[c * k + s] = col.pre[b * k + s]
        prevW[c] = col.preW[b]
        c++
      }
    }
    const selection: Selection = { frame0, frames: nF, bin0: f0, bins: nB, weights }
    const command: EditCommand = { action: st.action, selection }
    const touched = rangeOf(selection)
    this.#undo.push({ command, touched, indices, prev, prevW })
    this.#redo = []
    return { command, touched }
  }

  #strokeCancel(st: StrokeState): TouchedRange | null {
    if (this.#stroke !== st) return null
    this.#stroke = null
    const { k, bins } = this.masks
    const m = this.masks.masks
    let t0 = Infinity
    let t1 = -1
    for (const [t, col] of st.cols) {
      const base = t * bins
      for (let b = 0; b < bins; b++) {
        if (col.q[b] === 0) continue
        for (let s = 0; s < k; s++) m[s][base + b] = col.pre[b * k + s]
        this.override[base + b] = col.preW[b]
      }
      if (t < t0) t0 = t
      if (t > t1) t1 = t
    }
    return t1 < 0 ? null : { frameStart: t0, frameEnd: t1 + 1, binStart: 0, binEnd: bins }
  }

  /**
   * New automatic masks (e.g. after re-clustering with the same k): the current masks are rebuilt
   * by replaying the undo stack over them; the redo stack is kept. Returns the whole grid as touched.
   */
  setAutomatic(automatic: SourceMasks, opts: { canonical?: boolean } = {}): TouchedRange {
    if (this.#stroke) this.cancelStroke()
    const auto = opts.canonical ? automatic : canonicalMasks(automatic)
    const g = this.masks
    if (auto.k !== g.k || auto.frames !== g.frames || auto.bins !== g.bins)
      throw new RangeError(
        `setAutomatic: masks ${auto.k} x ${auto.frames} x ${auto.bins} do not match ${g.k} x ${g.frames} x ${g.bins}`,
      )
    const commands = this.undoStack
    this.automatic = auto
    for (let s = 0; s < g.k; s++) g.masks[s].set(auto.masks[s])
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
