/**
 * Runs clustering jobs on worker threads of the engine process: one for what the user asked for,
 * one for background work (neighbouring source counts), so neither waits behind the other and the
 * engine process keeps answering spectrogram, mask and audio requests meanwhile. Without a worker
 * script (unit tests), jobs run in the calling thread. No Electron import here.
 */
import { Worker } from 'node:worker_threads'
import {
  suggestSourceCount,
  type Analysis,
  type MaskMode,
  type SourceCountSuggestion,
} from '../engine/index'
import {
  runClusterJob,
  shareAnalysis,
  type ClusterEntry,
  type FromClusterWorker,
  type ToClusterWorker,
} from './cluster-jobs'

/** Which worker a job runs on. */
export type JobPriority = 'interactive' | 'background'

interface Lane {
  worker: Worker
  pending: Map<number, { resolve(value: never): void; reject(e: Error): void }>
}

/** Clustering workers with one shared copy of the current analysis. */
export class ClusterPool {
  readonly #script: string | undefined
  readonly #lanes: Partial<Record<JobPriority, Lane>> = {}
  #key: string | undefined
  #analysis: Analysis | undefined
  #nextId = 1
  #disposed = false

  /** `workerScript`: the bundled cluster-worker.ts; undefined = run jobs in this thread. */
  constructor(workerScript: string | undefined) {
    this.#script = workerScript
  }

  /** The worker of a lane, started (again, after a crash) on demand with the current analysis. */
  #lane(priority: JobPriority): Lane {
    const existing = this.#lanes[priority]
    if (existing) return existing
    const worker = new Worker(this.#script!)
    const l: Lane = { worker, pending: new Map() }
    const fail = (e: Error): void => {
      if (this.#lanes[priority] === l) delete this.#lanes[priority]
      for (const p of l.pending.values()) p.reject(e)
      l.pending.clear()
    }
    worker.on('message', (m: FromClusterWorker) => {
      const p = l.pending.get(m.id)
      if (!p) return
      l.pending.delete(m.id)
      if (m.type === 'done') p.resolve(m.entry as never)
      else if (m.type === 'suggested') p.resolve(m.suggestion as never)
      else p.reject(new Error(m.message))
    })
    worker.on('error', fail)
    worker.on('exit', (code) =>
      fail(new Error(`the clustering worker stopped (exit code ${code})`)),
    )
    worker.unref()
    this.#lanes[priority] = l
    if (this.#key && this.#analysis) {
      worker.postMessage({
        type: 'analysis',
        key: this.#key,
        analysis: this.#analysis,
      } satisfies ToClusterWorker)
    }
    return l
  }

  /** Makes `analysis` (of file `key`) the one jobs run on; shares it with the workers once. */
  setAnalysis(key: string, analysis: Analysis): void {
    if (this.#key === key) return
    const old = this.#key
    this.#key = key
    this.#analysis = this.#script ? shareAnalysis(analysis) : analysis
    for (const l of Object.values(this.#lanes)) {
      if (old) l.worker.postMessage({ type: 'forget', key: old } satisfies ToClusterWorker)
      l.worker.postMessage({
        type: 'analysis',
        key,
        analysis: this.#analysis,
      } satisfies ToClusterWorker)
    }
  }

  /** Runs k-means + masks for (k, mode) on the current analysis. */
  run(k: number, mode: MaskMode, priority: JobPriority): Promise<ClusterEntry> {
    return this.#job(priority, { k, mode }, (a) => runClusterJob(a, k, mode))
  }

  /** The engine's suggestion for the number of sources, on the interactive worker. */
  suggest(maxK: number): Promise<SourceCountSuggestion> {
    return this.#job('interactive', { maxK }, (a) => suggestSourceCount(a, maxK))
  }

  #job<T>(
    priority: JobPriority,
    job: { k: number; mode: MaskMode } | { maxK: number },
    here: (a: Analysis) => T,
  ): Promise<T> {
    const key = this.#key
    const a = this.#analysis
    if (!key || !a) return Promise.reject(new Error('no analysis to cluster'))
    if (this.#disposed) return Promise.reject(new Error('the engine is stopping'))
    if (!this.#script) {
      return new Promise((resolve, reject) => {
        setImmediate(() => {
          try {
            resolve(here(a))
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)))
          }
        })
      })
    }
    const lane = this.#lane(priority)
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      lane.pending.set(id, { resolve: resolve as (v: never) => void, reject })
      const msg: ToClusterWorker =
        'maxK' in job
          ? { type: 'suggest', id, key, maxK: job.maxK }
          : { type: 'job', id, key, k: job.k, mode: job.mode }
      lane.worker.postMessage(msg)
    })
  }

  /** Ends the workers. */
  async dispose(): Promise<void> {
    this.#disposed = true
    await Promise.all(Object.values(this.#lanes).map((l) => l.worker.terminate()))
  }
}
