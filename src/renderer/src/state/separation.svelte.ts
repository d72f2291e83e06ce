import {
  LIMITS,
  type MaskPage,
  type Progress,
  type SeparationSummary,
  type SourceCountSuggestion,
} from '../../../shared/ipc'
import { isCancelled, type Backend } from '../lib/backend'
import { callEdit } from '../lib/edit-backend'
import { sourceColour } from '../../../shared/colours'
import type { DisplayMasks } from '../lib/raster'

/** Smallest and largest number of sources the control offers. */
export const MIN_SOURCES = LIMITS.minSources
export const MAX_SOURCES = LIMITS.maxSources

/** The cluster-count control's value. */
export type SourceCount = number | 'auto'

/** One separated source as the editor shows it. */
export interface SourceInfo {
  index: number
  name: string
  colour: string
  /**
   * Share of the stems' energy, 0..1: main's synthesis of the stems the export writes, for the
   * masks as they are now; null while main computes it.
   */
  energyShare: number | null
  /** The masks changed since `energyShare` was made (the meter says it is being updated). */
  energyStale: boolean
}

/** A running job's progress, with an ETA. */
export interface SeparationProgress {
  kind: 'separate' | 'recluster'
  stage: string
  /** 0..1 of the whole job. */
  fraction: number
  /** Seconds left, when it can be estimated. */
  etaSec: number | null
}

/** Bytes of masks per page asked of main. */
const MASK_PAGE_BYTES = 32 << 20

/**
 * The separation of the opened file: the requested number of sources (1-8 or auto, with the
 * engine's suggestion and its confidence), progress with ETA and cancel, the masks and the sources.
 * The network runs once per file (`analyse`); another count re-clusters main's cached embeddings.
 */
export class Separation {
  /** The cluster-count control's value. */
  requested = $state<SourceCount>('auto')
  /**
   * The "stereo placement" control: the next Separate asks the engine for the stereo cue (a stereo
   * file only). A count change keeps the current result's setting (no new network run).
   */
  stereoCue = $state(false)
  /** Weight of the stereo cue in the current result's analysis (0: none). */
  resultStereoCue = $state(0)
  /** Number of sources of the current result (0 = none yet). */
  k = $state(0)
  /** Main's id of the current result (for masks, stems and export). */
  separationId = $state<string | null>(null)
  suggestion = $state.raw<SourceCountSuggestion | null>(null)
  masks = $state.raw<DisplayMasks | null>(null)
  /** The stems' energy shares (main's `getEnergyShares`); null until they come. */
  energyShares = $state.raw<number[] | null>(null)
  /** An edit changed the masks since the shares were made: new ones are on their way. */
  energyStale = $state(false)
  progress = $state.raw<SeparationProgress | null>(null)
  /** The source the overlay shows in "one" mode and M mutes. */
  selected = $state(0)
  /** performance.now() when the count was last changed and when its masks arrived. */
  requestedAt = $state(0)
  resultAt = $state(0)
  /** User names and colours by source index (kept across re-clusterings). */
  #names = $state.raw<(string | undefined)[]>([])
  #colours = $state.raw<(string | undefined)[]>([])
  #backend: Backend
  #fileId: string | null = null
  #analysed = false
  /** The stereoCue setting of main's cached analysis (valid while #analysed). */
  #analysedCue = false
  #taskId: string | null = null
  #token = 0
  #onResult: () => void

  /** `onResult` runs right after a new result (new sources) is applied. */
  constructor(backend: Backend, onResult: () => void = () => {}) {
    this.#backend = backend
    this.#onResult = onResult
  }

  readonly running = $derived(this.progress !== null)
  readonly hasResult = $derived(this.k > 0 && this.masks !== null && this.separationId !== null)
  readonly sources: SourceInfo[] = $derived(
    Array.from({ length: this.k }, (_, index) => ({
      index,
      name: this.#names[index] || defaultSourceName(index),
      colour: this.#colours[index] || sourceColour(index),
      energyShare: this.energyShares?.[index] ?? null,
      energyStale: this.energyStale,
    })),
  )
  /** The user's names of all sources, by index (for export templates). */
  readonly names = $derived(this.sources.map((s) => s.name))

  /** A new file: forgets the result and the cached analysis. */
  setFile(fileId: string | null): void {
    this.#token++
    this.#fileId = fileId
    this.#analysed = false
    this.#analysedCue = false
    this.resultStereoCue = 0
    this.#taskId = null
    this.k = 0
    this.separationId = null
    this.masks = null
    this.energyShares = null
    this.suggestion = null
    this.progress = null
    this.selected = 0
    this.#names = []
    this.#colours = []
  }

  /** Main's analysis became stale (the engine restarted): the next separation runs the network again. */
  forgetAnalysis(): void {
    this.#analysed = false
  }

  /** Runs the network (once per file) and clusters with the requested count. False when cancelled. */
  async separate(): Promise<boolean> {
    const fileId = this.#fileId
    if (!fileId) return false
    const stereoCue = this.stereoCue
    if (this.#analysed && this.#analysedCue !== stereoCue) this.#analysed = false
    return this.#run(
      'separate',
      async (taskId, report) => {
        if (!this.#analysed) {
          const analysis = await this.#backend.call('analyse', { taskId, fileId, stereoCue })
          this.suggestion = analysis.suggestion
          this.#analysed = true
          this.#analysedCue = stereoCue
        }
        report({ stage: 'kmeans', fraction: 0.92, etaSec: null })
        return this.#backend.call('cluster', {
          fileId,
          sourceCount: this.requested,
          stereoCue,
          taskId,
        })
      },
      (p) => (this.#analysed ? 0.92 + 0.08 * p : 0.9 * p),
    )
  }

  /**
   * Sets the cluster-count control. With a result, a different count re-clusters from the cached
   * embeddings ('auto' goes to the suggestion). Resolves true when the sources changed.
   */
  async setCount(value: SourceCount): Promise<boolean> {
    if (value !== 'auto') value = Math.round(Math.min(MAX_SOURCES, Math.max(MIN_SOURCES, value)))
    this.requested = value
    if (!this.hasResult || !this.#fileId) return false
    const k = value === 'auto' ? (this.suggestion?.count ?? null) : value
    if (k === this.k) return false
    const fileId = this.#fileId
    const stereoCue = this.resultStereoCue > 0
    this.requestedAt = performance.now()
    return this.#run(
      'recluster',
      (taskId) => this.#backend.call('cluster', { fileId, sourceCount: value, stereoCue, taskId }),
      (p) => p,
    )
  }

  /**
   * Shows a separation main already has (an opened project, a re-clustering with edits): fetches
   * its masks, applies the sources' names and colours. False when superseded.
   */
  async adopt(
    summary: SeparationSummary,
    sources: { name: string; colour: string }[] = [],
  ): Promise<boolean> {
    this.requestedAt = performance.now()
    const ok = await this.#run(
      'recluster',
      async () => summary,
      (p) => p,
    )
    if (ok) {
      this.stereoCue = summary.stereoCue > 0 // Separate again reproduces the project's setting
      this.#names = sources.map((s, i) =>
        s.name && s.name !== defaultSourceName(i) ? s.name : undefined,
      )
      this.#colours = sources.map((s) => s.colour || undefined)
    }
    return ok
  }

  /** Cancels the running job (its call resolves as cancelled). */
  async cancel(): Promise<void> {
    const taskId = this.#taskId
    if (!this.running || !taskId) return
    this.#token++
    this.progress = null
    this.#taskId = null
    await this.#backend.call('cancelTask', { taskId })
  }

  /** Renames a source; an empty name goes back to the default. */
  rename(index: number, name: string): void {
    const next = [...this.#names]
    next[index] = name.trim() || undefined
    this.#names = next
  }

  /** Changes a source's colour ("#rrggbb"). */
  recolour(index: number, colour: string): void {
    const next = [...this.#colours]
    next[index] = colour
    this.#colours = next
  }

  /** Selects the source shown in "one" mode. */
  select(index: number): void {
    if (index >= 0 && index < this.k) this.selected = index
  }

  async #run(
    kind: SeparationProgress['kind'],
    work: (
      taskId: string,
      report: (p: Omit<Progress, 'taskId'>) => void,
    ) => Promise<SeparationSummary>,
    scale: (fraction: number) => number,
  ): Promise<boolean> {
    const token = ++this.#token
    const taskId = this.#backend.taskId(kind)
    this.#taskId = taskId
    const startedAt = performance.now()
    this.progress = { kind, stage: 'starting', fraction: 0, etaSec: null }
    const report = (p: Omit<Progress, 'taskId'>) => {
      if (token !== this.#token) return
      const fraction = Math.min(1, Math.max(this.progress?.fraction ?? 0, scale(p.fraction)))
      this.progress = {
        kind,
        stage: p.stage,
        fraction,
        etaSec: estimateEta(fraction, p.etaSec, startedAt),
      }
    }
    const off = this.#backend.onProgress(taskId, report)
    try {
      const summary = await work(taskId, report)
      if (token !== this.#token) return false
      report({ stage: 'masks', fraction: 1, etaSec: 0 })
      const masks = await this.#fetchMasks(summary, token)
      if (!masks || token !== this.#token) return false
      this.#apply(summary, masks)
      return true
    } catch (e) {
      if (isCancelled(e) || token !== this.#token) return false
      throw e
    } finally {
      off()
      if (token === this.#token) {
        this.progress = null
        this.#taskId = null
      }
    }
  }

  async #fetchMasks(s: SeparationSummary, token: number): Promise<DisplayMasks | null> {
    const { grid } = s
    const k = s.sourceCount
    const masks = Array.from({ length: k }, () => new Uint8Array(grid.frames * grid.bins))
    const pageFrames = Math.max(1, Math.floor(MASK_PAGE_BYTES / Math.max(1, grid.bins * k)))
    for (let from = 0; from < grid.frames; from += pageFrames) {
      const page: MaskPage = await this.#backend.call('getMasks', {
        separationId: s.separationId,
        range: { from, to: Math.min(grid.frames, from + pageFrames) },
      })
      if (token !== this.#token) return null
      const offset = page.fromFrame * grid.bins
      page.masks.forEach((m, j) => masks[j]?.set(m.subarray(0, masks[j].length - offset), offset))
    }
    return {
      k,
      sampleRate: grid.sampleRate,
      nFft: grid.nFft,
      hop: grid.hop,
      frames: grid.frames,
      bins: grid.bins,
      masks,
      scale: 1 / 255,
    }
  }

  #energySeq = 0
  /**
   * Asks main for the stems' energy shares of the current result (after a new result and after
   * every edit, undo or redo main has applied); an older answer never replaces a newer one.
   */
  async refreshEnergy(): Promise<void> {
    const id = this.separationId
    if (!id) return
    const seq = ++this.#energySeq
    try {
      const shares = await callEdit(this.#backend, 'getEnergyShares', { separationId: id })
      if (shares && seq === this.#energySeq && id === this.separationId) {
        this.energyShares = shares
        this.energyStale = false
      }
    } catch {
      // a stale separation (replaced meanwhile): the newer one asks for its own
    }
  }

  #apply(s: SeparationSummary, masks: DisplayMasks): void {
    this.suggestion = s.suggestion
    this.separationId = s.separationId
    this.masks = masks
    this.energyShares = null
    void this.refreshEnergy()
    this.k = s.sourceCount
    this.resultStereoCue = s.stereoCue
    if (this.selected >= s.sourceCount) this.selected = 0
    this.resultAt = performance.now()
    this.#onResult()
  }
}

/** "Source 1", "Source 2", ... */
export function defaultSourceName(index: number): string {
  return `Source ${index + 1}`
}

/** Seconds left: main's estimate when it has one, else from elapsed time and fraction done. */
export function estimateEta(
  fraction: number,
  backendEta: number | null | undefined,
  startedAt: number,
  now = performance.now(),
): number | null {
  if (backendEta !== null && backendEta !== undefined && Number.isFinite(backendEta))
    return Math.max(0, backendEta)
  if (fraction < 0.02) return null
  const elapsed = (now - startedAt) / 1000
  return Math.max(0, (elapsed * (1 - fraction)) / fraction)
}
