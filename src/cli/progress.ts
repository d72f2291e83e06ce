/** A one-line progress bar on stderr, drawn only when stderr is a terminal (never into pipes or logs). */

/** Minimal writable the bar draws on (process.stderr in the CLI). */
export interface BarStream {
  isTTY?: boolean
  columns?: number
  write(s: string): unknown
}

/** Progress bar: update(fraction, label) at any rate; it redraws at most ~12 times a second. */
export class ProgressBar {
  #last = 0
  #shown = false
  readonly #start = Date.now()
  readonly enabled: boolean

  constructor(private readonly stream: BarStream) {
    this.enabled = !!stream.isTTY
  }

  /** Shows `fraction` (0..1) of the work done, with the stage name. */
  update(fraction: number, label: string): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.#last < 80 && fraction < 1) return
    this.#last = now
    const f = Math.max(0, Math.min(1, fraction))
    const cols = Math.max(40, Math.min(this.stream.columns ?? 80, 120))
    const secs = ((now - this.#start) / 1000).toFixed(1) + ' s'
    const text = ` ${(f * 100).toFixed(0).padStart(3)}% ${label.padEnd(11)} ${secs}`
    const width = Math.max(10, cols - text.length - 3)
    const done = Math.round(f * width)
    this.stream.write(`\r[${'#'.repeat(done)}${'-'.repeat(width - done)}]${text}`)
    this.#shown = true
  }

  /** Erases the bar. */
  clear(): void {
    if (!this.enabled || !this.#shown) return
    const cols = Math.max(40, Math.min(this.stream.columns ?? 80, 120))
    this.stream.write(`\r${' '.repeat(cols)}\r`)
    this.#shown = false
  }
}
