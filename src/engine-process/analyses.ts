/**
 * The open file's analysis (the network's embeddings, kept so another source count is a k-means
 * and not an inference) with its source-count suggestion, and the clusterings made of it: k-means
 * and masks per (k, mask mode) on the cluster pool's threads, cached, the neighbouring counts
 * computed ahead in the background.
 */
import { analyse, stereoCueWeight, type Analysis } from '../engine/index'
import { CodedError } from '../shared/errors'
import type { HostOps } from '../shared/engine-protocol'
import { LIMITS, type MaskMode } from '../shared/ipc'
import type { ClusterEntry } from './cluster-jobs'
import type { JobPriority } from './cluster-pool'
import type { AnalysisEntry, HostContext, Progress } from './host-context'

/** Clusterings (k-means + masks) kept per file, including precomputed neighbours. */
const KEEP_CLUSTERINGS = 5
/** Neighbouring counts are precomputed only while their masks stay under this size. */
const PRECOMPUTE_MAX_BYTES = 256 * 1024 * 1024

/** The cluster pool's and caches' key of a file's analysis with a stereo cue weight. */
function analysisKey(fileId: string, stereoCue: number): string {
  return stereoCue > 0 ? `${fileId}#stereo=${stereoCue}` : fileId
}

/** The cluster cache's key of (k, mode) on a file's analysis. */
function clusterKey(fileId: string, analysis: Analysis, k: number, mode: MaskMode): string {
  return `${analysisKey(fileId, analysis.stereoCue)}:${k}:${mode}`
}

/** Analyses and clusterings of the open file. */
export class Analyses {
  constructor(readonly ctx: HostContext) {}

  /**
   * The open file's analysis with the stereo cue `cue` (true: the model's weight; a number: that
   * weight; false: none), made if needed. One analysis is kept: another cue replaces it.
   */
  async analysisFor(
    fileId: string,
    cue: boolean | number,
    signal: AbortSignal,
    progress: Progress,
  ): Promise<{ analysis: Analysis; entry: AnalysisEntry }> {
    const ctx = this.ctx
    const f = ctx.fileById(fileId)
    const { metadata } = await ctx.model.model()
    let stereoCue: number
    try {
      stereoCue = stereoCueWeight(f.audio, metadata, cue)
    } catch (e) {
      throw new CodedError('invalid-argument', (e as Error).message)
    }
    let entry: AnalysisEntry
    let analysis: Analysis
    for (;;) {
      const current = ctx.analysis
      // A run whose request was cancelled is winding down: not one to wait for.
      if (
        current &&
        current.fileId === fileId &&
        current.stereoCue === stereoCue &&
        !current.signal.aborted
      )
        entry = current
      else {
        const run = async (): Promise<Analysis> => {
          const { embedder } = await ctx.model.embedder()
          return analyse(f.audio, metadata, embedder, {
            signal,
            stereoCue,
            onProgress: (p) => progress(p.stage, p.fraction),
          })
        }
        const created: AnalysisEntry = { fileId, stereoCue, promise: run(), signal }
        entry = created
        ctx.analysis = created
        created.promise.catch(() => {
          if (ctx.analysis === created) ctx.analysis = undefined
        })
      }
      try {
        analysis = await entry.promise
        break
      } catch (e) {
        // the run this request joined was cancelled by the request that started it: run again
        if (entry.signal !== signal && entry.signal.aborted && !signal.aborted) continue
        throw e
      }
    }
    ctx.checkOpen(fileId)
    if (!entry.suggestion) {
      ctx.pool.setAnalysis(analysisKey(fileId, stereoCue), analysis)
      const e = entry
      e.suggesting ??= ctx.pool.suggest(LIMITS.maxSources).finally(() => delete e.suggesting)
      e.suggestion = await e.suggesting
      ctx.checkOpen(fileId)
    }
    return { analysis, entry }
  }

  /** The `analyse` request: the analysis made (or found), summarised. */
  async analyse(
    { fileId, stereoCue }: HostOps['analyse']['args'],
    signal: AbortSignal,
    progress: Progress,
  ): Promise<HostOps['analyse']['result']> {
    const { analysis, entry } = await this.analysisFor(fileId, !!stereoCue, signal, progress)
    signal.throwIfAborted()
    const { metadata } = await this.ctx.model.model()
    const { provider } = await this.ctx.model.embedder()
    return {
      suggestion: entry.suggestion!,
      provider,
      model: { name: metadata.name, version: metadata.version },
      timingsSec: { ...analysis.timings } as Record<string, number>,
      stereoCue: analysis.stereoCue,
    }
  }

  /** k-means + masks for (k, mode) of the open file's analysis; computed once, kept a while. */
  clusteringFor(
    fileId: string,
    analysis: Analysis,
    k: number,
    mode: MaskMode,
    priority: JobPriority,
  ): Promise<{ entry: ClusterEntry; cached: boolean }> {
    const cache = this.ctx.clusterCache
    const key = clusterKey(fileId, analysis, k, mode)
    const hit = cache.get(key)
    if (hit) {
      // Most recently used last.
      cache.delete(key)
      cache.set(key, hit)
      return hit.then((entry) => ({ entry, cached: true }))
    }
    this.ctx.pool.setAnalysis(analysisKey(fileId, analysis.stereoCue), analysis)
    const p = this.ctx.pool.run(k, mode, priority).then((entry) => {
      this.ctx.checkOpen(fileId)
      return entry
    })
    cache.set(key, p)
    p.catch(() => cache.delete(key))
    while (cache.size > KEEP_CLUSTERINGS) {
      cache.delete(cache.keys().next().value!)
    }
    return p.then((entry) => ({ entry, cached: false }))
  }

  /** Computes the clusterings for `ks` in the background, one at a time, if memory allows. */
  precompute(fileId: string, analysis: Analysis, ks: number[], mode: MaskMode): void {
    const wanted = [...new Set(ks)].filter(
      (k) =>
        k >= LIMITS.minSources &&
        k <= LIMITS.maxSources &&
        !this.ctx.clusterCache.has(clusterKey(fileId, analysis, k, mode)) &&
        analysis.frames * analysis.bins * k * 4 <= PRECOMPUTE_MAX_BYTES,
    )
    void (async () => {
      for (const k of wanted) {
        if (this.ctx.file?.id !== fileId) return
        await this.clusteringFor(fileId, analysis, k, mode, 'background').catch(() => undefined)
      }
    })()
  }
}
