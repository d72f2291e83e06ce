/**
 * Main's side of the engine host: sends tagged requests, matches progress/result/error by id,
 * cancels, and restarts the host when its process dies. The
 * process itself is behind `EngineTransport`, so Electron's utilityProcess and the test bridge's
 * forked Node process are driven by this same code. No Electron import here.
 */
import { CodedError } from '../shared/errors'
import type { EngineStatus } from '../shared/ipc'
import type { FromHost, HostOp, HostOps, ToHost } from '../shared/engine-protocol'

/** One running engine host process. */
export interface EngineTransport {
  send(msg: ToHost): void
  onMessage(listener: (msg: FromHost) => void): void
  /** Called once when the process is gone, with a human-readable reason. */
  onExit(listener: (reason: string) => void): void
  /** Ends the process (no restart follows when the client is disposed). */
  kill(): void
}

/** Progress of one request, with an ETA estimated from its elapsed time. */
export type ProgressListener = (stage: string, fraction: number, etaSec: number | null) => void

/** Options of one request. */
export interface RequestOptions {
  onProgress?: ProgressListener
  /** Aborting sends 'cancel'; the request then rejects with code 'cancelled'. */
  signal?: AbortSignal
  /** Electron bulk channels: the host delivers the value to the renderer port under this id. */
  bulkId?: string
}

interface Pending {
  resolve(value: unknown): void
  reject(e: CodedError): void
  onProgress?: ProgressListener
  startedAt: number
}

/** Options of the client. */
export interface EngineClientOptions {
  /** The engine's state changed (starting, ready, restarting, failed). */
  onStatus?(status: EngineStatus): void
  /** A new host process started (e.g. hand it a fresh renderer port). */
  onStarted?(transport: EngineTransport): void
  /** Restarts allowed within `restartWindowMs` before giving up. Default 5 in 60 s. */
  maxRestarts?: number
  restartWindowMs?: number
  /** Delay before a restart. Default 300 ms. */
  restartDelayMs?: number
  now?: () => number
}

/** Drives an engine host over a transport; restarts it when it dies. */
export class EngineClient {
  readonly #factory: () => EngineTransport
  readonly #opts: EngineClientOptions
  #transport: EngineTransport | undefined
  #nextId = 1
  readonly #pending = new Map<number, Pending>()
  #disposed = false
  #restarts: number[] = []
  #status: EngineStatus = { state: 'starting' }

  constructor(factory: () => EngineTransport, opts: EngineClientOptions = {}) {
    this.#factory = factory
    this.#opts = opts
  }

  /** The last status the host reported. */
  get status(): EngineStatus {
    return this.#status
  }

  /** Starts the host process (idempotent). */
  start(): void {
    if (this.#transport || this.#disposed) return
    const t = this.#factory()
    this.#transport = t
    t.onMessage((m) => this.#onMessage(m))
    t.onExit((reason) => this.#onExit(t, reason))
    this.#opts.onStarted?.(t)
  }

  /** Sends a request; resolves with its result or rejects with a CodedError. */
  request<O extends HostOp>(
    op: O,
    args: HostOps[O]['args'],
    opts: RequestOptions = {},
  ): Promise<HostOps[O]['result']> {
    if (this.#disposed) {
      return Promise.reject(new CodedError('engine', 'The app is quitting.'))
    }
    if (opts.signal?.aborted) {
      return Promise.reject(new CodedError('cancelled', 'Cancelled.'))
    }
    this.start()
    const id = this.#nextId++
    return new Promise<HostOps[O]['result']>((resolve, reject) => {
      const onAbort = (): void => this.#transport?.send({ type: 'cancel', id })
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      const cleanup = (): void => opts.signal?.removeEventListener('abort', onAbort)
      this.#pending.set(id, {
        resolve: (v) => {
          cleanup()
          resolve(v as HostOps[O]['result'])
        },
        reject: (e) => {
          cleanup()
          reject(e)
        },
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        startedAt: this.#now(),
      })
      const msg = {
        type: 'request',
        id,
        op,
        args,
        ...(opts.bulkId !== undefined ? { bulkId: opts.bulkId } : {}),
      } as ToHost
      try {
        this.#transport!.send(msg)
      } catch (e) {
        this.#pending.delete(id)
        cleanup()
        reject(new CodedError('engine', `Could not reach the engine: ${String(e)}`))
      }
    })
  }

  /** Kills the host and rejects what is pending; no restart follows (app quitting). */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    this.#rejectAll(new CodedError('cancelled', 'The app is quitting.'))
    const t = this.#transport
    this.#transport = undefined
    t?.kill()
  }

  /** Kills the host as if it had crashed (tests use it to exercise the restart). */
  crashForTest(): void {
    this.#transport?.kill()
  }

  #now(): number {
    return (this.#opts.now ?? performance.now.bind(performance))()
  }

  #onMessage(m: FromHost): void {
    if (m.type === 'status') {
      this.#setStatus(m.status)
      return
    }
    const p = this.#pending.get(m.id)
    if (!p) return
    if (m.type === 'progress') {
      const elapsed = (this.#now() - p.startedAt) / 1000
      const eta =
        m.fraction >= 0.02 && m.fraction < 1 ? (elapsed * (1 - m.fraction)) / m.fraction : null
      p.onProgress?.(m.stage, m.fraction, m.fraction >= 1 ? 0 : eta)
      return
    }
    this.#pending.delete(m.id)
    if (m.type === 'result') p.resolve(m.value)
    else p.reject(new CodedError(m.code, m.message))
  }

  #onExit(t: EngineTransport, reason: string): void {
    if (this.#transport !== t) return
    this.#transport = undefined
    if (this.#disposed) return
    this.#rejectAll(
      new CodedError(
        'engine',
        `The engine stopped unexpectedly (${reason}). It is being restarted; open the file again.`,
      ),
    )
    const now = this.#now()
    const windowMs = this.#opts.restartWindowMs ?? 60_000
    this.#restarts = this.#restarts.filter((x) => now - x < windowMs)
    if (this.#restarts.length >= (this.#opts.maxRestarts ?? 5)) {
      this.#setStatus({
        state: 'failed',
        message: `The engine stopped ${this.#restarts.length + 1} times in a minute (${reason}); restart the app.`,
      })
      return
    }
    this.#restarts.push(now)
    this.#setStatus({ state: 'restarting', message: `The engine stopped (${reason}); restarting.` })
    setTimeout(() => {
      if (!this.#disposed && !this.#transport) this.start()
    }, this.#opts.restartDelayMs ?? 300)
  }

  #rejectAll(e: CodedError): void {
    const all = [...this.#pending.values()]
    this.#pending.clear()
    for (const p of all) p.reject(e)
  }

  #setStatus(s: EngineStatus): void {
    this.#status = s
    this.#opts.onStatus?.(s)
  }
}
