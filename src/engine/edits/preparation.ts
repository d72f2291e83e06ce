/** An editor made in idle time, a slice of bins at a time. */
import type { SourceMasks } from '../types'
import { canonicalPack } from './canonical'
import { EditableMasks } from './editable-masks'
import { lazyMasks, maskGrid, packedMasks, type PackedMasks } from './planes'

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
