/** A brush stroke in progress: the interface the editor returns and the state it keeps. */
import type { EditAction, EditTool, TouchedRange } from '../../shared/ipc'
import type { EditCommand } from './edit-ops'
import type { Selection } from './selection'

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
export const STROKE_BLOCK = 64

/**
 * The state of a stroke in progress over 64 frames: the stroke's weight of each bin (0 = not
 * touched yet) and the bin's masks and weight from before the stroke, captured when the stroke
 * first touches it. Blocks come from the editor's pool, so a stroke allocates nothing once warm.
 */
export interface StrokeBlock {
  /** uint8 [STROKE_BLOCK * bins] */
  q: Uint8Array
  /** float32 [STROKE_BLOCK * bins * k], bin-major */
  pre: Float32Array
  /** float32 [STROKE_BLOCK * bins] */
  preW: Float32Array
}

/** The stroke in progress: its blocks by index (frame >> 6) and the range it has written. */
export interface StrokeState {
  /** The tool the stroke is made with (brush or eraser), kept in its command. */
  tool?: EditTool
  action: EditAction
  blocks: Map<number, StrokeBlock>
  t0: number
  t1: number
  f0: number
  f1: number
}
