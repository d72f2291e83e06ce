import { errorMessage } from '../lib/backend'

/** One error shown in the banner. */
export interface ShownError {
  id: number
  /** Where it happened, in the user's words ("Opening file"). */
  context: string
  /** The engine's or main's own message. */
  message: string
}

/**
 * Errors shown in the window. The app stays usable: an error is data to show, never a dead end.
 */
export class Errors {
  items = $state.raw<ShownError[]>([])
  #next = 1

  /** The newest error, if any. */
  readonly current = $derived(this.items.length > 0 ? this.items[this.items.length - 1] : null)

  /** Shows an error (keeps the last 5). */
  report(context: string, e: unknown): void {
    const item: ShownError = { id: this.#next++, context, message: errorMessage(e) }
    this.items = [...this.items.slice(-4), item]
  }

  /** Hides one error. */
  dismiss(id: number): void {
    this.items = this.items.filter((e) => e.id !== id)
  }

  /** Hides all errors. */
  clear(): void {
    this.items = []
  }
}
