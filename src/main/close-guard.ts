/**
 * Closing the window or quitting with unsaved edits (issue 16). The renderer tells main whether it
 * holds unsaved edits (`setUnsavedEdits`); without them the window goes at once. With them main
 * keeps the window and asks the renderer, which puts the same Save / Discard / Cancel question as
 * Open and Load project and answers with `confirmClose`: close (saved or discarded) or keep the
 * window (Cancel, a save that failed or was cancelled). No Electron here: index.ts calls
 * `request()` from the window's 'close' event and closes the window or quits in `proceed`; the
 * test bridge drives the same object.
 */

/** What the guard does outside itself. */
export interface CloseGuardHooks {
  /** Ask the renderer (an AppEvent 'close-requested' carrying the question's id). */
  ask(id: number): void
  /** The user let the window go: close it, or quit when the close came from quitting. */
  proceed(quit: boolean): void
}

/** The window's close handshake with the renderer. */
export class CloseGuard {
  readonly #hooks: CloseGuardHooks
  #unsaved = false
  #approved = false
  #quitting = false
  #asking = false
  /** The id of the latest question: only its answer counts. */
  #asked = 0

  constructor(hooks: CloseGuardHooks) {
    this.#hooks = hooks
  }

  /** Whether the renderer last said it holds unsaved edits. */
  get unsaved(): boolean {
    return this.#unsaved
  }

  /** Whether the renderer is being asked now. */
  get asking(): boolean {
    return this.#asking
  }

  /** Whether `id` is the question waiting for its answer. */
  pending(id: number): boolean {
    return this.#asking && id === this.#asked
  }

  /** The renderer's report (`setUnsavedEdits`). */
  setUnsaved(unsaved: boolean): void {
    this.#unsaved = unsaved
  }

  /** The app is quitting (Electron's 'before-quit'): once let go, the app quits, not only the window. */
  quitRequested(): void {
    this.#quitting = true
  }

  /**
   * The window is about to close: true to let it; false when it must stay because the renderer
   * holds unsaved edits (it is asked; asked again on a second close, which a renderer already
   * showing the question ignores, so a lost event cannot leave a window that never closes).
   */
  request(): boolean {
    if (this.#approved || !this.#unsaved) return true
    this.#asking = true
    this.#hooks.ask(++this.#asked)
    return false
  }

  /**
   * The renderer's answer (`confirmClose`) to question `id`. An answer to an older question (one
   * asked again meanwhile) or to none is ignored.
   */
  answer(id: number, close: boolean): void {
    if (!this.#asking || id !== this.#asked) return
    this.#asking = false
    const quit = this.#quitting
    this.#quitting = false
    if (!close) return
    this.#approved = true
    this.#hooks.proceed(quit)
  }

  /** A new page in the window (load, reload): it holds nothing until it says so. */
  pageLoaded(): void {
    this.#unsaved = false
    this.#approved = false
    this.#quitting = false
    this.#asking = false
  }
}
