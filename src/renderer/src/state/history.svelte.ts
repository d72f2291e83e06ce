/** One undoable change. */
export interface Change {
  /** What it did, in the user's words ("Rename source 2"). */
  label: string
  undo(): void | Promise<void>
  redo(): void | Promise<void>
}

/**
 * Undo/redo stacks of the editor's changes (source names and colours, the number of sources;
 * issue 5 adds mask edits). Unbounded within memory.
 */
export class History {
  done = $state.raw<Change[]>([])
  undone = $state.raw<Change[]>([])
  #busy = false

  readonly canUndo = $derived(this.done.length > 0)
  readonly canRedo = $derived(this.undone.length > 0)
  readonly undoLabel = $derived(this.done.length > 0 ? this.done[this.done.length - 1].label : '')
  readonly redoLabel = $derived(
    this.undone.length > 0 ? this.undone[this.undone.length - 1].label : '',
  )

  /** Records a change already applied; clears the redo stack. Ignored while undoing/redoing. */
  push(change: Change): void {
    if (this.#busy) return
    this.done = [...this.done, change]
    this.undone = []
  }

  /** Undoes the last change. */
  undo(): Promise<void> {
    return this.#step('undo', 'done', 'undone')
  }

  /** Redoes the last undone change. */
  redo(): Promise<void> {
    return this.#step('redo', 'undone', 'done')
  }

  /** Runs the last change of stack `from` backward or forward and moves it to stack `to`. */
  async #step(run: 'undo' | 'redo', from: 'done' | 'undone', to: 'done' | 'undone'): Promise<void> {
    const change = this[from][this[from].length - 1]
    if (!change || this.#busy) return
    this.#busy = true
    try {
      await change[run]()
      this[from] = this[from].slice(0, -1)
      this[to] = [...this[to], change]
    } finally {
      this.#busy = false
    }
  }

  /**
   * Goes to the state after the first `count` changes of the whole list (done, then undone in redo
   * order): undoes or redoes one change at a time until there. 0 is the state before any change.
   */
  async goTo(count: number): Promise<void> {
    const target = Math.max(0, Math.min(this.done.length + this.undone.length, Math.round(count)))
    while (this.done.length > target) {
      const before = this.done.length
      await this.undo()
      if (this.done.length === before) return // busy elsewhere, or the change failed
    }
    while (this.done.length < target) {
      const before = this.done.length
      await this.redo()
      if (this.done.length === before) return
    }
  }

  /** Every change in order (done, then undone in redo order), for the History panel. */
  readonly entries = $derived([...this.done, ...[...this.undone].reverse()])

  /** Replaces both stacks (a project opened with its history). */
  restore(done: Change[], undone: Change[]): void {
    this.done = [...done]
    this.undone = [...undone]
  }

  /** Forgets everything (a new file). */
  clear(): void {
    this.done = []
    this.undone = []
  }
}
