/**
 * Hand editing of the source masks (issue 5): the tool, brush size and softness, the target
 * source, the current selection, and the edit actions. Edits run through the engine's
 * `EditableMasks` (src/engine/edits, the code main uses for playback and export), updated in place
 * so the overlay repaints only the touched columns; every finished edit is sent to main and is one
 * undoable change in the app's History.
 *
 * Over 500 lines: one class whose tool state, selection and stroke drive the same editor, undo
 * stack and sync with main; its parts share that state at every step.
 */
import {
  EditableMasks,
  EditablePreparation,
  type EditAction,
  type EditCommand,
  type Stroke,
  type TouchedRange,
  brushSelection,
  combineSelections,
  emptySelection,
  invertSelection,
  frequencyBandSelection,
  isEmptySelection,
  lassoSelection,
  rectangleSelection,
  selectedCount,
  timeRangeSelection,
  type GridPoint,
  type Selection,
  type SelectionMode,
  floatMasks,
} from '../../../engine/index'
import { formatTime } from '../../../shared/format'
import type { EditTool } from '../../../shared/ipc'
import { formatHz } from '../lib/freq-scale'
import type { Backend } from '../lib/backend'
import { callEdit, hasEditChannel, type EditOp } from '../lib/edit-backend'
import type { DisplayMasks } from '../lib/raster'
import type { History } from './history.svelte'

/** The selection tools (the tools an edit can be made with, less 'selection', a combination). */
export type Tool = Exclude<EditTool, 'selection'>

/** The tools in palette order, with their names and keyboard shortcuts. */
export const TOOLS: { tool: Tool; label: string; key: string }[] = [
  { tool: 'brush', label: 'Brush', key: 'B' },
  { tool: 'eraser', label: 'Eraser', key: 'E' },
  { tool: 'rect', label: 'Rectangle', key: 'R' },
  { tool: 'lasso', label: 'Lasso', key: 'L' },
  { tool: 'time', label: 'Time range', key: 'T' },
  { tool: 'band', label: 'Frequency band', key: 'F' },
  { tool: 'wand', label: 'Wand', key: 'W' },
]

/** What the tool layer outlines: a tool's shape, or the bins themselves ('selection', 'wand'). */
export interface SelectionShape {
  kind: EditTool
  points: GridPoint[]
}

/** The selection mode of a gesture's modifier keys: Shift adds, Alt (Option) subtracts, both intersect. */
export function selectionModeOf(e: { shiftKey: boolean; altKey: boolean }): SelectionMode {
  if (e.shiftKey && e.altKey) return 'intersect'
  return e.shiftKey ? 'add' : e.altKey ? 'subtract' : 'replace'
}

/** A point under the pointer on the mask grid, with the brush radius there in frames and bins. */
export interface BrushPoint extends GridPoint {
  radiusFrames: number
  radiusBins: number
}

/** Touched frames, for the overlay and playback (seconds of the file). */
export interface EditTouch {
  range: TouchedRange
  startSec: number
  endSec: number
  /** 'local': the renderer's masks changed (repaint); 'main': main has it too (re-read audio). */
  phase: 'local' | 'main'
}

/** Time per pointer event of a brush stroke (ms): applying the edit. */
export interface StrokeStats {
  events: number
  maxMs: number
  meanMs: number
}

/** The name of each tool in the History ('selection': a selection made with several tools). */
const TOOL_NAMES: Record<EditTool, string> = {
  ...(Object.fromEntries(TOOLS.map((t) => [t.tool, t.label])) as Record<Tool, string>),
  selection: 'Selection',
}

/** The grid an edit's name reads its times and frequencies from. */
type NameGrid = { hop: number; sampleRate: number; nFft: number; bins: number }

/**
 * What an edit did, in the History's words: the tool, the action, where in time and frequency
 * ("Brush → Source 2, 0:13.4–0:18.2, 120–900 Hz"; "Eraser: back to automatic, …"). Projects saved
 * before edits kept their tool say "Edit".
 */
export function describeEdit(
  c: { action: EditAction; tool?: EditTool },
  touched: TouchedRange,
  grid: NameGrid,
  names: string[],
): string {
  const n = (i: number) => names[i] ?? `Source ${i + 1}`
  const tool = c.tool ? TOOL_NAMES[c.tool] : 'Edit'
  const a = c.action
  const what =
    a.type === 'assign'
      ? `${tool} → ${n(a.to)}`
      : a.type === 'move'
        ? `${tool}: ${n(a.from)} → ${n(a.to)}`
        : a.type === 'split'
          ? `${tool}: split evenly`
          : `${tool}: back to automatic`
  return `${what}, ${formatRange(touched, grid)}`
}

export class MaskEditor {
  /** The active tool; null = the pointer seeks and selects loops as before. */
  tool = $state<Tool | null>(null)
  /** Brush radius in screen pixels. */
  brushSize = $state(12)
  /** 0 hard edge .. 1 soft. */
  softness = $state(0.5)
  /** Source the brush paints and "Assign" gives to (0-based). */
  target = $state(0)
  /** Source "Move" takes from (0-based). */
  moveFrom = $state(0)
  /** Share of the bins the wand selects, the most like the seed first, 0..1. */
  wandShare = $state(0.05)
  /** The current selection (replaced, never mutated); null = none. */
  selection = $state.raw<Selection | null>(null)
  /** Shape of the selection on screen (for the tool layer), in grid units. */
  selectionShape = $state.raw<SelectionShape | null>(null)
  /** The automatic masks of the separation being edited (its grid for the tools). */
  grid = $state.raw<DisplayMasks | null>(null)
  /** The masks the overlay shows once editing started: the edited masks (Float32, updated in place). */
  display = $state.raw<DisplayMasks | null>(null)
  /** Bumped on every change of the edited masks. */
  revision = $state(0)
  /** Last stroke's pointer-event timings. */
  strokeStats = $state.raw<StrokeStats | null>(null)
  /** Stroke end -> main has the edit and playback re-reads the touched range (ms), last edit. */
  syncMs = $state<number | null>(null)
  /** Whether main has the editing channels (else edits are shown, not heard/exported). */
  readonly mainEdits: boolean
  readonly mainWand: boolean

  #backend: Backend
  #history: History
  #editable: EditableMasks | null = null
  /** The editor of the current masks being made in idle time (adopted when editing starts). */
  #ready: IdleEditor | null = null
  #separationId: string | null = null
  #names: () => string[]
  #listeners: ((t: EditTouch) => void)[] = []
  #stroke: Stroke | null = null
  #last: BrushPoint | null = null
  #times: number[] = []
  #wandSeed: { frame: number; bin: number } | { selection: Selection } | null = null
  /** The selection before the wand and how the wand's meets it (the slider re-combines). */
  #wandBase: { selection: Selection | null; mode: SelectionMode } = {
    selection: null,
    mode: 'replace',
  }
  /** Edits sent to main one after another, in order. */
  #queue: Promise<unknown> = Promise.resolve()
  #onError: (context: string, e: unknown) => void

  constructor(
    backend: Backend,
    history: History,
    names: () => string[],
    onError: (context: string, e: unknown) => void = () => {},
  ) {
    this.#backend = backend
    this.#history = history
    this.#names = names
    this.#onError = onError
    this.mainEdits = hasEditChannel(backend, 'editMasks')
    this.mainWand = hasEditChannel(backend, 'wandSelect')
  }

  readonly hasSelection = $derived(this.selection !== null && !isEmptySelection(this.selection))
  readonly selectionBins = $derived(this.selection ? selectedCount(this.selection) : 0)
  readonly k = $derived(this.grid?.k ?? 0)

  /** The engine's editor (tests, save); made on first use. */
  get editable(): EditableMasks | null {
    return this.#ensure()
  }

  /** New automatic masks of a separation (or none): editing starts over on them. */
  setMasks(separationId: string | null, masks: DisplayMasks | null): void {
    this.#stroke?.cancel()
    this.#stroke = null
    this.#separationId = separationId
    this.selection = null
    this.selectionShape = null
    this.#wandSeed = null
    this.#editable = null
    this.#ready = null
    this.display = null
    this.grid = masks
    if (!masks) return
    if (this.target >= masks.k) this.target = 0
    if (this.moveFrom >= masks.k) this.moveFrom = 0
    if (this.tool) this.#ensure()
    else this.#prepareIdle(masks)
    this.revision++
  }

  /**
   * Makes the editor of new masks in idle slices (a 3-minute song's take ~0.5 s on a slow machine),
   * so picking a tool finds it ready, warm-up included.
   */
  #prepareIdle(masks: DisplayMasks): void {
    const ready: IdleEditor = { masks, prep: null, editor: null }
    this.#ready = ready
    const slice = (): void => {
      if (this.#ready !== ready || this.#editable) return
      if (!ready.prep) ready.prep = new EditablePreparation(floatMasks(masks))
      else if (ready.prep.step(8)) {
        ready.editor = warmed(ready.prep.finish(), masks.frames)
        return
      }
      whenIdle(slice)
    }
    whenIdle(slice)
  }

  /** The engine's editor over the automatic masks, made when editing starts (not per clustering). */
  #ensure(): EditableMasks | null {
    if (this.#editable) return this.#editable
    const masks = this.grid
    if (!masks) return null
    const t0 = performance.now()
    const r = this.#ready?.masks === masks ? this.#ready : null
    this.#ready = null
    const e =
      r?.editor ?? warmed(r?.prep?.finish() ?? new EditableMasks(floatMasks(masks)), masks.frames)
    performance.measure?.('edit:prepare', { start: t0, end: performance.now() })
    this.#editable = e
    this.display = { ...e.masks, scale: 1 }
    return e
  }

  /**
   * Edits saved with a project (or kept across a re-clustering with edits): replays the undo stack
   * over the automatic masks (the engine's own replay) and rebuilds the History from both stacks.
   */
  loadHistory(undo: EditCommand[], redo: EditCommand[]): void {
    const masks = this.grid
    if (!masks) return
    // the editor of these masks (made when a tool was picked, or in idle time), if it has no
    // history yet: the replay goes onto it
    const made = this.#ensure()
    const e =
      made && made.undoStack.length === 0 && made.redoStack.length === 0
        ? made
        : new EditableMasks(floatMasks(masks))
    e.loadHistory(undo, redo)
    this.#editable = e
    this.display = { ...e.masks, scale: 1 }
    const names = this.#names()
    const change = (c: EditCommand) => {
      const touched = {
        frameStart: c.selection.frame0,
        frameEnd: c.selection.frame0 + c.selection.frames,
        binStart: c.selection.bin0,
        binEnd: c.selection.bin0 + c.selection.bins,
      }
      return {
        label: describeEdit(c, touched, e.masks, names),
        undo: () => this.#step(e, 'undo'),
        redo: () => this.#step(e, 'redo'),
      }
    }
    // the redo stack keeps the next redo last, as History.undone does
    this.#history.restore(undo.map(change), redo.map(change))
    this.revision++
  }

  /** The edits so far (undo stack oldest first, redo stack next-redo last). */
  historyStacks(): { undo: EditCommand[]; redo: EditCommand[] } {
    const e = this.#editable
    return e ? { undo: e.undoStack, redo: e.redoStack } : { undo: [], redo: [] }
  }

  /** Subscribes to touched ranges (overlay repaint, playback reload). Returns the unsubscribe. */
  onTouched(cb: (t: EditTouch) => void): () => void {
    this.#listeners = [...this.#listeners, cb]
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== cb)
    }
  }

  /** Picks a tool (the same tool again puts it down). */
  setTool(tool: Tool | null): void {
    this.tool = this.tool === tool ? null : tool
    if (this.tool) this.#ensure()
  }

  /** Keyboard: B E R L T F W pick tools, Escape drops the selection/tool. True when used. */
  handleKey(key: string): boolean {
    if (key === 'Escape') {
      if (this.#stroke) this.cancelStroke()
      else if (this.selection) this.clearSelection()
      else if (this.tool) this.tool = null
      else return false
      return true
    }
    const t = TOOLS.find((x) => x.key === key.toUpperCase())
    if (!t || !this.grid) return false
    this.setTool(t.tool)
    return true
  }

  // ------------------------------------------------------------------ brush strokes

  /** Starts a brush (assign to target) or eraser (restore) stroke at a point. */
  beginStroke(p: BrushPoint): void {
    const e = this.#ensure()
    if (!e || this.#stroke) return
    const eraser = this.tool === 'eraser'
    const action: EditAction = eraser ? { type: 'restore' } : { type: 'assign', to: this.target }
    this.#stroke = e.beginStroke(action, eraser ? 'eraser' : 'brush')
    this.#last = null
    this.#times = []
    this.strokeAt(p)
  }

  /** Adds the segment from the last point to `p` to the stroke; the overlay is told at once. */
  strokeAt(p: BrushPoint): void {
    const e = this.#editable
    const s = this.#stroke
    if (!e || !s) return
    const t0 = performance.now()
    const pts = this.#last ? [this.#last, p] : [p]
    const sel = brushSelection(e.masks, pts, {
      radius: { frames: p.radiusFrames, bins: p.radiusBins },
      softness: this.softness,
    })
    this.#last = p
    const touched = sel.frames > 0 ? s.add(sel) : null
    if (touched) this.#emit(touched)
    const ms = performance.now() - t0
    this.#times.push(ms)
    performance.measure?.('edit:pointer', { start: t0, end: t0 + ms })
  }

  /** Ends the stroke: one undoable edit, sent to main. */
  endStroke(): void {
    const s = this.#stroke
    if (!s) return
    this.#stroke = null
    this.#last = null
    const t = this.#times
    if (t.length)
      this.strokeStats = {
        events: t.length,
        maxMs: Math.max(...t),
        meanMs: t.reduce((a, b) => a + b, 0) / t.length,
      }
    const done = s.end()
    if (!done) return
    this.revision++
    this.#recorded(done.command, done.touched)
  }

  /** Drops the stroke in progress (Escape): the masks go back as they were. */
  cancelStroke(): void {
    const s = this.#stroke
    if (!s) return
    this.#stroke = null
    this.#last = null
    const r = s.cancel()
    if (r) this.#emit(r)
  }

  get stroking(): boolean {
    return this.#stroke !== null
  }

  // ------------------------------------------------------------------ selections

  /**
   * Selection from a shape of the rectangle, lasso, time-range or band tool (grid units), meeting
   * the current selection by `mode` (Shift adds, Alt subtracts, Shift+Alt intersects).
   */
  selectShape(kind: Tool, points: GridPoint[], mode: SelectionMode = 'replace'): void {
    const e = this.#ensure()
    if (!e || points.length === 0) return
    const g = e.masks
    const a = points[0]
    const b = points[points.length - 1]
    let sel: Selection = emptySelection()
    if (kind === 'rect') sel = rectangleSelection(g, a, b)
    else if (kind === 'lasso') sel = lassoSelection(g, points)
    else if (kind === 'time')
      sel = timeRangeSelection(
        g,
        Math.floor(Math.min(a.frame, b.frame)),
        Math.ceil(Math.max(a.frame, b.frame)) + 1,
      )
    else if (kind === 'band')
      sel = frequencyBandSelection(
        g,
        Math.floor(Math.min(a.bin, b.bin)),
        Math.ceil(Math.max(a.bin, b.bin)) + 1,
      )
    this.#combine(sel, mode, { kind, points })
  }

  /** The current selection met by a new one; a combination's shape is its bins ('selection'). */
  #combine(next: Selection, mode: SelectionMode, shape: { kind: Tool; points: GridPoint[] }): void {
    const had = this.selection !== null && !isEmptySelection(this.selection)
    const sel = combineSelections(this.selection, next, mode)
    const combined = mode !== 'replace' && had
    this.setSelection(
      isEmptySelection(sel) ? null : sel,
      combined ? { kind: 'selection', points: [] } : shape,
    )
  }

  /** Selects every bin of the file. */
  selectAll(): void {
    const g = this.#ensure()?.masks
    if (!g) return
    this.#wandSeed = null
    this.setSelection(timeRangeSelection(g, 0, g.frames), { kind: 'selection', points: [] })
  }

  /** Selects every bin but the selected ones (everything, when nothing is selected). */
  invertSelection(): void {
    const g = this.#ensure()?.masks
    if (!g) return
    this.#wandSeed = null
    const sel = invertSelection(g, this.selection ?? emptySelection())
    this.setSelection(isEmptySelection(sel) ? null : sel, { kind: 'selection', points: [] })
  }

  /** Replaces the selection. */
  setSelection(sel: Selection | null, shape: SelectionShape | null = null): void {
    this.selection = sel
    this.selectionShape = sel ? shape : null
  }

  clearSelection(): void {
    this.setSelection(null)
    this.#wandSeed = null
  }

  /**
   * The wand from a bin (or from the selection): asks main (embeddings live there). From a bin its
   * bins meet the current selection by `mode`, as the other tools'; from the selection they
   * replace it.
   */
  async wandAt(seed: GridPoint | 'selection', mode: SelectionMode = 'replace'): Promise<void> {
    if (!this.#separationId) return
    if (seed === 'selection') {
      if (!this.selection) return
      this.#wandSeed = { selection: this.selection }
      this.#wandBase = { selection: null, mode: 'replace' }
    } else {
      this.#wandSeed = { frame: Math.round(seed.frame), bin: Math.round(seed.bin) }
      this.#wandBase = { selection: this.selection, mode }
    }
    await this.#wand()
  }

  /** Moves the wand's share; re-selects live from the same seed. */
  async setWandShare(v: number): Promise<void> {
    this.wandShare = Math.min(1, Math.max(0, v))
    if (this.#wandSeed) await this.#wand()
  }

  async #wand(): Promise<void> {
    const id = this.#separationId
    const seed = this.#wandSeed
    if (!id || !seed) return
    if (!this.mainWand) {
      this.#onError(
        'The wand',
        new Error('this build of the app has no embedding wand in main yet'),
      )
      return
    }
    try {
      const sel = await callEdit(this.#backend, 'wandSelect', {
        separationId: id,
        seed,
        share: this.wandShare,
      })
      if (sel && id === this.#separationId && seed === this.#wandSeed) {
        const { selection: base, mode } = this.#wandBase
        this.selection = base
        this.#combine(sel, mode, { kind: 'wand', points: [] })
      }
    } catch (e) {
      this.#onError('The wand', e)
    }
  }

  // ------------------------------------------------------------------ actions

  /** Applies an action to the selection: one undoable edit. False when nothing was selected. */
  act(action: EditAction): boolean {
    const e = this.#ensure()
    const sel = this.selection
    if (!e || !sel || isEmptySelection(sel)) return false
    const command: EditCommand = {
      action,
      selection: sel,
      tool: this.selectionShape?.kind ?? 'selection',
    }
    const touched = e.edit(command)
    if (!touched) return false
    this.revision++
    this.#emit(touched)
    this.#recorded(command, touched)
    return true
  }

  assign(to = this.target): boolean {
    return this.act({ type: 'assign', to })
  }
  move(from = this.moveFrom, to = this.target): boolean {
    return this.act({ type: 'move', from, to })
  }
  split(): boolean {
    return this.act({ type: 'split' })
  }
  restore(): boolean {
    return this.act({ type: 'restore' })
  }

  /** Undo or redo of the engine's editor, used by the History entries. */
  #step(e: EditableMasks, type: 'undo' | 'redo'): void {
    if (e !== this.#editable) return
    const r = e[type]()
    this.revision++
    if (r) this.#emit(r)
    this.#send({ type }, r)
  }

  #recorded(command: EditCommand, touched: TouchedRange): void {
    const e = this.#editable!
    const label = describeEdit(command, touched, e.masks, this.#names())
    this.#history.push({
      label,
      undo: () => this.#step(e, 'undo'),
      redo: () => this.#step(e, 'redo'),
    })
    this.#send({ type: 'apply', command }, touched)
  }

  /** Sends an op to main (in order); then playback re-reads the touched range. */
  #send(op: EditOp, touched: TouchedRange | null): void {
    const id = this.#separationId
    const t0 = performance.now()
    if (!id || !this.mainEdits) return
    this.#queue = this.#queue
      .then(() => callEdit(this.#backend, 'editMasks', { separationId: id, op }))
      .then(() => {
        if (id !== this.#separationId) return
        if (touched) this.#emit(touched, 'main')
        this.syncMs = performance.now() - t0
        performance.measure?.('edit:main-synced', { start: t0, end: performance.now() })
      })
      .catch((err: unknown) => this.#onError('Sending the edit', err))
  }

  #emit(range: TouchedRange, phase: 'local' | 'main' = 'local'): void {
    const g = this.#editable?.masks
    if (!g) return
    const secPerFrame = g.hop / g.sampleRate
    const pad = g.nFft / g.sampleRate
    const touch: EditTouch = {
      range,
      startSec: Math.max(0, range.frameStart * secPerFrame - pad),
      endSec: range.frameEnd * secPerFrame + pad,
      phase,
    }
    for (const l of this.#listeners) l(touch)
  }

  /** Waits until main has every edit sent so far (tests, save). */
  async flush(): Promise<void> {
    await this.#queue
  }
}

/** An editor being made in idle time for these masks. */
interface IdleEditor {
  masks: DisplayMasks
  prep: EditablePreparation | null
  editor: EditableMasks | null
}

/** The editor with its stroke path warmed up (see EditableMasks.warmStrokes). */
function warmed(e: EditableMasks, frames: number): EditableMasks {
  // the first dab of a wide brush at fit zoom spans ~500 frames: have its memory and code ready
  e.warmStrokes(Math.min(frames, 1024), (frame, bin): BrushPoint => ({
    frame,
    bin,
    radiusFrames: 8,
    radiusBins: 4,
  }))
  return e
}

/** Runs `cb` when the page is idle (or soon, where there is no requestIdleCallback). */
function whenIdle(cb: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(cb, { timeout: 500 })
  else setTimeout(cb, 16)
}

/**
 * "0:12.3–0:14.0, 120–900 Hz" of a touched range (bins: their centre frequencies), "…, all
 * frequencies" when it spans every bin.
 */
export function formatRange(r: TouchedRange, g: NameGrid): string {
  const sec = (frame: number) => formatTime((frame * g.hop) / g.sampleRate)
  if (r.binStart === 0 && r.binEnd >= g.bins)
    return `${sec(r.frameStart)}–${sec(r.frameEnd)}, all frequencies`
  const lo = (r.binStart * g.sampleRate) / g.nFft
  const hi = (Math.max(r.binStart, r.binEnd - 1) * g.sampleRate) / g.nFft
  const [a, b] = [formatHz(lo), formatHz(hi)]
  const unit = (s: string) => s.replace(/^[\d.]+ /, '')
  // "120–900 Hz", "1.2–4.5 kHz", "120 Hz–4.5 kHz"
  const hz = unit(a) === unit(b) ? `${a.replace(/ .*$/, '')}–${b}` : `${a}–${b}`
  return `${sec(r.frameStart)}–${sec(r.frameEnd)}, ${hz}`
}
