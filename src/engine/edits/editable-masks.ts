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
 *
 * Over 500 lines: one class whose edits, undo/redo and brush strokes work on the same private
 * state (the masks, the override weights, the pre-images); the arithmetic is edit-ops.ts, the
 * canonical grid canonical.ts, the stroke state stroke.ts.
 */
import type { EditAction, EditTool, TouchedRange } from '../../shared/ipc'
import type { SourceMasks } from '../types'
import { lazyMasks, maskGrid, packedFor, type PackedMasks } from './planes'
import { canonicalOf } from './canonical'
import {
  applyList,
  AutoReader,
  checkAction,
  gather,
  PreImage,
  rangeOf,
  Scratch,
  type EditCommand,
} from './edit-ops'
import { STROKE_BLOCK, type Stroke, type StrokeBlock, type StrokeState } from './stroke'
import {
  brushSelection,
  checkSelection,
  selectedCount,
  type GridPoint,
  type Selection,
  tightSelection,
} from './selection'

// EditAction and TouchedRange are defined in the shared contract, EditCommand in edit-ops.ts and
// Stroke in stroke.ts; the editor's users find them here.
export type { EditAction, EditCommand, Stroke, TouchedRange }

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
      command: {
        action: command.action,
        selection: sel,
        ...(command.tool ? { tool: command.tool } : {}),
      },
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
  beginStroke(action: EditAction, tool?: EditTool): Stroke {
    if (this.#stroke) throw new Error('EditableMasks: a stroke is in progress already')
    checkAction(action, this.k)
    const st: StrokeState = {
      tool,
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
    const command: EditCommand = {
      action: st.action,
      selection,
      ...(st.tool ? { tool: st.tool } : {}),
    }
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
