/**
 * What the engine host's units share: the open file, its analysis, the separations made of it,
 * the caches, and the scheduling of background work between requests. One instance per host.
 */
import type {
  Analysis,
  Clustering,
  EditableMasks,
  EditablePreparation,
  EmbeddingWand,
  SourceCountSuggestion,
  SourceMasks,
} from '../engine/index'
import type { DecodedAudio, ProjectData } from '../node/index'
import { CodedError } from '../shared/errors'
import type { HostRange, HostSeparation } from '../shared/engine-protocol'
import type { MaskMode } from '../shared/ipc'
import type { ClusterEntry } from './cluster-jobs'
import type { ClusterPool } from './cluster-pool'
import type { DisplaySpectrogram } from './display-spectrogram'
import type { ModelLoader } from './model-loader'

/** A request's progress callback: a stage name and a fraction 0..1. */
export type Progress = (stage: string, fraction: number) => void

/** The open file. */
export interface OpenFile {
  id: string
  path: string
  audio: DecodedAudio
  spectrogram: DisplaySpectrogram
  /** Stops the background fill of the spectrogram when the file is closed. */
  closed: AbortController
}

/** The open file's analysis (one is kept: another stereo cue replaces it). */
export interface AnalysisEntry {
  fileId: string
  /** Weight of the stereo cue in this analysis (0: none). */
  stereoCue: number
  promise: Promise<Analysis>
  /** The signal of the request that started it (its Cancel stops the run). */
  signal: AbortSignal
  suggestion?: SourceCountSuggestion
  /** The suggestion while the worker computes it (shared by concurrent callers). */
  suggesting?: Promise<SourceCountSuggestion>
}

/** The stems' energy of a separation, block by block (stem-energy.ts). */
export interface StemEnergyBlocks {
  /** energy[b * k + s]: source s's energy in block b (sum of squares over channels and samples). */
  energy: Float64Array
  /** 1 where block b holds the energy of the masks as they are now. */
  valid: Uint8Array
  /** Counts invalidations: a block made while an edit came in is not marked valid. */
  version: number
  /** The request making blocks now: the next one waits for it (one computation at a time). */
  busy?: Promise<unknown>
}

/** A separation of the open file: a clustering, its masks and, once edited, their editor. */
export interface Separation {
  id: string
  fileId: string
  clustering: Clustering
  /** The automatic masks. */
  masks: SourceMasks
  entry: ClusterEntry
  mode: MaskMode
  requestedSources: number | 'auto'
  /** Weight of the stereo cue of the analysis it came from (0: none). */
  stereoCue: number
  suggestion: SourceCountSuggestion
  /** The user's edits, once there are any: its `.masks` is what playback and export use. */
  editor?: EditableMasks
  /** The editor being made in idle time (newest separation only), so the first edit finds it ready. */
  preparation?: EditablePreparation
  /** The project this separation was saved as / opened from (audio hash, model), once known. */
  project?: ProjectData
  /** The stems' energy per block of samples, once asked for (stem-energy.ts). */
  energy?: StemEnergyBlocks
}

/** Separations kept per file (the overlay can flip back to a previous k instantly). */
const KEEP_SEPARATIONS = 4
/** Background work starts only after requests have left the host alone this long (ms). */
const IDLE_GRACE_MS = 120
/** Long loops give the event loop a turn this often (ms), so cancel and new requests get in. */
export const YIELD_EVERY_MS = 25

/** The error of a request about a file that another one has replaced. */
export function staleFile(): CodedError {
  return new CodedError('stale', 'That file is no longer open.')
}

/** A macrotask turn (a resolved promise would only run microtasks). */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** [from, to) of a requested range, clamped to [0, length). */
export function clampRange(r: HostRange, length: number): { from: number; to: number } {
  const from = Math.max(0, Math.min(length, Math.floor(r.from)))
  const to = Math.max(from, Math.min(length, Math.floor(r.to)))
  return { from, to }
}

/** The engine host's shared state. */
export class HostContext {
  file: OpenFile | undefined
  analysis: AnalysisEntry | undefined
  separations: Separation[] = []
  readonly clusterCache = new Map<string, Promise<ClusterEntry>>()
  /** The wand of the last seed (same seed + new share = one comparison per bin). */
  wandCache: { fileId: string; key: string; wand: EmbeddingWand } | undefined
  /** A project whose recording was missing or changed, until the user locates it. */
  pendingProject: { path: string; project: ProjectData } | undefined
  /** Requests running that background work must wait for, and when the last one ended. */
  interactive = 0
  lastInteractiveEnd = 0
  /** Requests running other than the energy meters' (playback's stems too): those go first. */
  othersRunning = 0

  constructor(
    readonly pool: ClusterPool,
    readonly model: ModelLoader,
  ) {}

  /** Forgets the open file and everything made of it. */
  closeFile(): void {
    this.file?.closed.abort()
    this.file = undefined
    this.analysis = undefined
    this.separations = []
    this.clusterCache.clear()
    this.wandCache = undefined
  }

  /** The open file, if it is `fileId`; else a 'stale' error. */
  fileById(fileId: string): OpenFile {
    const f = this.file
    if (!f || f.id !== fileId) throw staleFile()
    return f
  }

  /** Throws 'stale' unless `fileId` is (still) the open file. */
  checkOpen(fileId: string): void {
    if (this.file?.id !== fileId) throw staleFile()
  }

  /** A separation of the open file, or a 'stale' error. */
  separationById(separationId: string): Separation {
    const s = this.separations.find((x) => x.id === separationId)
    if (!s || s.fileId !== this.file?.id) {
      throw new CodedError('stale', 'That separation is no longer available; separate again.')
    }
    return s
  }

  /** Makes `s` the newest separation, keeping a few older ones. */
  addSeparation(s: Separation): void {
    this.separations.unshift(s)
    this.separations.length = Math.min(this.separations.length, KEEP_SEPARATIONS)
  }

  /** Resolves at a moment when no request is running: background work goes after requests. */
  async idle(): Promise<void> {
    await yieldTurn()
    while (this.interactive > 0 || performance.now() - this.lastInteractiveEnd < IDLE_GRACE_MS) {
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}

/** The masks playback and export use: the edited ones once there are edits. */
export function masksOf(s: Separation): SourceMasks {
  return s.editor?.masks ?? s.masks
}

/** The grid and summary of a separation, as main receives it. */
export function hostSeparation(s: Separation, timingsSec: Record<string, number>): HostSeparation {
  const m = s.masks
  return {
    sourceCount: m.k,
    auto: s.requestedSources === 'auto',
    suggestion: s.suggestion,
    mask: s.mode,
    grid: { sampleRate: m.sampleRate, nFft: m.nFft, hop: m.hop, frames: m.frames, bins: m.bins },
    energyShares: s.clustering.weightShares.slice(),
    stereoCue: s.stereoCue,
    timingsSec,
  }
}
