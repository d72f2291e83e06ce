/**
 * The renderer's access to main: `window.api` (src/shared/ipc.ts) wrapped so that every call
 * resolves to its value or throws a CodedError carrying main's message, progress events are
 * routed to the task that asked for them, and tests can pass a fake api.
 */
import type {
  AppEvent,
  ArgsOf,
  Channel,
  IpcResult,
  Progress,
  ResultOf,
  UnweaveApi,
} from '../../../shared/ipc'
import { CodedError } from '../../../shared/errors'

/** Arguments of a call: none for channels that take none. */
export type CallArgs<C extends Channel> = [keyof ArgsOf<C>] extends [never] ? [] : [args: ArgsOf<C>]

/** The typed, throwing face of window.api. */
export class Backend {
  readonly api: UnweaveApi
  #progress = new Map<string, (p: Progress) => void>()
  #listeners = new Set<(e: AppEvent) => void>()
  #nextTask = 1
  #off: () => void

  constructor(api: UnweaveApi) {
    this.api = api
    this.#off = api.onEvent((e) => {
      if (e.type === 'progress') this.#progress.get(e.taskId)?.(e)
      for (const l of this.#listeners) l(e)
    })
  }

  /** Calls a channel; resolves to its value, throws CodedError with main's message. */
  async call<C extends Channel>(channel: C, ...args: CallArgs<C>): Promise<ResultOf<C>> {
    const fn = this.api[channel] as unknown as (a?: ArgsOf<C>) => Promise<IpcResult<ResultOf<C>>>
    let result: IpcResult<ResultOf<C>>
    const start = performance.now()
    try {
      result = await fn.call(this.api, args[0])
    } catch (e) {
      throw new CodedError('internal', e instanceof Error ? e.message : String(e))
    } finally {
      // one entry per call in the performance timeline ("ipc:cluster"), for the e2e's timings
      performance.measure?.(`ipc:${channel}`, { start, end: performance.now() })
    }
    if (!result || typeof result !== 'object')
      throw new CodedError('internal', `${channel}: no result`)
    if (result.type === 'error') throw new CodedError(result.code, result.message)
    return result.value
  }

  /** A fresh task id for a long call. */
  taskId(kind: string): string {
    return `${kind}-${Date.now().toString(36)}-${this.#nextTask++}`
  }

  /** Routes the progress events of one task to `listener` until the returned function is called. */
  onProgress(taskId: string, listener: (p: Progress) => void): () => void {
    this.#progress.set(taskId, listener)
    return () => {
      if (this.#progress.get(taskId) === listener) this.#progress.delete(taskId)
    }
  }

  /** Subscribes to every event from main. */
  onEvent(listener: (e: AppEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Absolute path of a dropped file ('' when it has none). */
  pathForFile(file: File): string {
    try {
      return this.api.pathForFile(file)
    } catch {
      return ''
    }
  }

  /** Stops listening to main. */
  dispose(): void {
    this.#off()
    this.#listeners.clear()
    this.#progress.clear()
  }
}

/** True for a cancelled task (the user pressed Cancel). */
export function isCancelled(e: unknown): boolean {
  return (
    (e instanceof CodedError && e.code === 'cancelled') ||
    (e instanceof Error && e.name === 'AbortError')
  )
}

/** The message to show for an error (main's and the engine's messages are shown as they are). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message
  if (typeof e === 'object' && e !== null && 'message' in e)
    return String((e as { message: unknown }).message)
  return String(e)
}

/** The window's api; a clear error when the page runs without the preload or the bridge. */
export function windowApi(): UnweaveApi {
  const api = (globalThis as { api?: UnweaveApi }).api
  if (!api)
    throw new Error('Unweave: window.api is missing (the preload or the test bridge did not run).')
  return api
}
