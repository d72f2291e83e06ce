/**
 * Runs clustering jobs on worker threads of the engine process: one for what the user asked for,
 * one for background work (neighbouring source counts), so neither waits behind the other and the
 * engine process keeps answering spectrogram, mask and audio requests meanwhile. Without a worker
 * script (unit tests), jobs run in the calling thread. No Electron import here.
 */
import { Worker } from 'node:worker_threads'
import type { Analysis, MaskMode } from '../../engine/index'
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
  pending: Map<number, { resolve(e: ClusterEntry): void; reject(e: Error): void }>
}

/** Clustering workers with one shared copy of the current analysis. */
export class ClusterPool {
  readonly #lanes: Record<JobPriority, Lane> | undefined
  #key: string | undefined
  #analysis: Analysis | undefined
  #nextId = 1

  /** `workerScript`: the bundled cluster-worker.ts; undefined = run jobs in this thread. */
  constructor(workerScript: string | undefined) {
    if (!workerScript) return
    const lane = (): Lane => {
      const worker = new Worker(workerScript)
      const l: Lane = { worker, pending: new Map() }
      worker.on('message', (m: FromClusterWorker) => {
        const p = l.pending.get(m.id)
        if (!p) return
        l.pending.delete(m.id)
        if (m.type === 'done') p.resolve(m.entry)
        else p.reject(new Error(m.message))
      })
      worker.on('error', (e) => {
        for (const p of l.pending.values()) p.reject(e)
        l.pending.clear()
      })
      worker.unref()
      return l
    }
    this.#lanes = { interactive: lane(), background: lane() }
  }

  /** Makes `analysis` (of file `key`) the one jobs run on; shares it with the workers once. */
  setAnalysis(key: string, analysis: Analysis): void {
    if (this.#key === key) return
    if (this.#key && this.#lanes) this.#post({ type: 'forget', key: this.#key })
    this.#key = key
    this.#analysis = this.#lanes ? shareAnalysis(analysis) : analysis
    if (this.#lanes) this.#post({ type: 'analysis', key, analysis: this.#analysis })
  }

  /** Runs k-means + masks for (k, mode) on the current analysis. */
  run(k: number, mode: MaskMode, priority: JobPriority): Promise<ClusterEntry> {
    const key = this.#key
    if (!key || !this.#analysis) return Promise.reject(new Error('no analysis to cluster'))
    if (!this.#lanes) {
      const a = this.#analysis
      return new Promise((resolve, reject) => {
        setImmediate(() => {
          try {
            resolve(runClusterJob(a, k, mode))
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)))
          }
        })
      })
    }
    const lane = this.#lanes[priority]
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      lane.pending.set(id, { resolve, reject })
      lane.worker.postMessage({ type: 'job', id, key, k, mode } satisfies ToClusterWorker)
    })
  }

  /** Ends the workers. */
  async dispose(): Promise<void> {
    if (this.#lanes) {
      await Promise.all(Object.values(this.#lanes).map((l) => l.worker.terminate()))
    }
  }

  #post(msg: ToClusterWorker): void {
    for (const l of Object.values(this.#lanes!)) l.worker.postMessage(msg)
  }
}
