/** A one-line progress bar on stderr, drawn only when stderr is a terminal (never into pipes or logs). */
import { formatTime } from '../shared/format'

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
  readonly #start: number
  readonly #now: () => number
  readonly enabled: boolean

  /** `now` (ms) is injectable for tests. */
  constructor(
    private readonly stream: BarStream,
    now: () => number = Date.now,
  ) {
    this.enabled = !!stream.isTTY
    this.#now = now
    this.#start = now()
  }

  /**
   * Shows `fraction` (0..1) of the work done, the stage name and the time left, estimated from the
   * time so far and the fraction done ("…" until 3 % is done, when an estimate means little).
   */
  update(fraction: number, label: string): void {
    if (!this.enabled) return
    const now = this.#now()
    if (now - this.#last < 80 && fraction < 1) return
    this.#last = now
    const f = Math.max(0, Math.min(1, fraction))
    const cols = Math.max(40, Math.min(this.stream.columns ?? 80, 120))
    const elapsed = (now - this.#start) / 1000
    const left = f >= 0.03 ? `${formatTime((elapsed * (1 - f)) / f, 0)} left` : '… left'
    const text = ` ${(f * 100).toFixed(0).padStart(3)}% ${label.padEnd(11)} ${left.padStart(10)}`
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
