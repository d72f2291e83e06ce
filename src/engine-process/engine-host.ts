/**
 * The engine host: runs the separation engine and the onnxruntime embedder off the UI and main
 * threads (architecture.md habit 7). It lives in the Electron utility process
 * (src/engine-process/utility-entry.ts) or, in the test bridge, in a forked Node process; both
 * feed it `ToHost` messages and forward what it posts. No Electron import here.
 *
 * State: one open file (decoded audio + display spectrogram), its analysis (the compact
 * embeddings, so another k is a k-means and not an inference), and the last few separations
 * (clustering + masks); stem audio is synthesized per playback window with the export's code.
 */
import {
  analyse,
  sourceMasks,
  stereoCueWeight,
  synthesizeStems,
  EmbeddingWand,
  EditableMasks,
  EditablePreparation,
  checkSelection,
  reclusterWithEdits,
  type TouchedRange,
  DEQ,
  mapPacked,
  meanOfMasks,
  packedFor,
  type Analysis,
  type Clustering,
  type Embedder,
  type SourceCountSuggestion,
  type SourceMasks,
} from '../engine/index'
import { type EngineStatus, type IpcErrorCode, type MaskMode, LIMITS } from '../shared/ipc'
import type { ModelMetadata } from '../shared/model'
import { isUnweaveError } from '../shared/errors'
import {
  decodeAudioFile,
  type DecodedAudio,
  openStemWriter,
  DEFAULT_SOURCE_COLOURS,
  createProject,
  openProject,
  projectEditor,
  relocateAudio,
  saveProject,
  withEditorState,
  type AudioCheck,
  type ProjectData,
  loadModel,
} from '../node/index'
import { ClusterPool, type JobPriority } from './cluster-pool'
import { MASKS8_MAX_BYTES, quantise, type ClusterEntry } from './cluster-jobs'
import { DisplaySpectrogram } from './display-spectrogram'
import type {
  BulkMessage,
  FromHost,
  HostConfig,
  HostOp,
  HostOps,
  HostRange,
  HostSeparation,
  ToHost,
} from '../shared/engine-protocol'

/** Where the host's messages go. */
export interface HostOutlet {
  /** To main (results, progress, status). */
  post(msg: FromHost): void
  /** To the renderer over the engine port (Electron); absent when results go back through main. */
  postBulk?(msg: BulkMessage, transfer: ArrayBuffer[]): void
}

/** The embedder factory; the default imports src/node/onnx-embedder lazily. */
export type EmbedderFactory = (
  onnxPath: string,
  metadata: ModelMetadata,
  device: HostConfig['device'],
) => Promise<{ embedder: Embedder; provider: string; notes: string[] }>

/** An error with an IPC code, thrown inside the host and posted as data. */
export class HostError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'HostError'
  }
}

interface OpenFile {
  id: string
  path: string
  audio: DecodedAudio
  spectrogram: DisplaySpectrogram
  /** Stops the background fill of the spectrogram when the file is closed. */
  closed: AbortController
}

interface AnalysisEntry {
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

interface Separation {
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
}

/** Separations kept per file (the overlay can flip back to a previous k instantly). */
const KEEP_SEPARATIONS = 4
/** Clusterings (k-means + masks) kept per file, including precomputed neighbours. */
const KEEP_CLUSTERINGS = 5
/** Neighbouring counts are precomputed only while their masks stay under this size. */
const PRECOMPUTE_MAX_BYTES = 256 * 1024 * 1024
/** Editors are prepared ahead (idle time) while the masks take at most this much (k x frames x bins x 4). */
const PREPARE_EDITOR_MAX_BYTES = 160 * 1024 * 1024
/** Background work starts only after requests have left the host alone this long (ms). */
const IDLE_GRACE_MS = 120
/** Requests that do not hold background work back (stem synthesis yields often by itself). */
const BACKGROUND_FRIENDLY: ReadonlySet<HostOp> = new Set(['stems', 'status'])
/** Long loops give the event loop a turn this often (ms), so cancel and new requests get in. */
const YIELD_EVERY_MS = 25

/** The 8-bit display value of each 12-bit unit count (the same rounding as quantise()). */
const DISPLAY_OF_UNITS = quantise(DEQ, 0, 1)

/** The cluster pool's and caches' key of a file's analysis with a stereo cue weight. */
function analysisKey(fileId: string, stereoCue: number): string {
  return stereoCue > 0 ? `${fileId}#stereo=${stereoCue}` : fileId
}

/** The cluster cache's key of (k, mode) on a file's analysis. */
function clusterKey(fileId: string, analysis: Analysis, k: number, mode: MaskMode): string {
  return `${analysisKey(fileId, analysis.stereoCue)}:${k}:${mode}`
}

/** A macrotask turn (a resolved promise would only run microtasks). */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

const defaultEmbedderFactory: EmbedderFactory = async (onnxPath, metadata, device) => {
  const { createOnnxEmbedder } = await import('../node/index')
  return createOnnxEmbedder(onnxPath, metadata, { device })
}

/** The engine host's request handler. */
export class EngineHost {
  readonly #out: HostOutlet
  readonly #config: HostConfig
  readonly #embedderFactory: EmbedderFactory
  #file: OpenFile | undefined
  #analysis: AnalysisEntry | undefined
  #separations: Separation[] = []
  readonly #clusterCache = new Map<string, Promise<ClusterEntry>>()
  /** The wand of the last seed (same seed + new threshold = one comparison per bin). */
  #wandCache: { fileId: string; key: string; wand: EmbeddingWand } | undefined
  /** A project whose recording was missing or changed, until the user locates it. */
  #pendingProject: { path: string; project: ProjectData } | undefined
  readonly #pool: ClusterPool
  readonly #running = new Map<number, AbortController>()
  /** Requests running that background work must wait for, and when the last one ended. */
  #interactive = 0
  #lastInteractiveEnd = 0
  #model: Promise<{ metadata: ModelMetadata; onnxPath: string }> | undefined
  #embedder: Promise<{ embedder: Embedder; provider: string; notes: string[] }> | undefined
  #status: EngineStatus = { state: 'starting' }

  constructor(out: HostOutlet, config: HostConfig, embedderFactory = defaultEmbedderFactory) {
    this.#out = out
    this.#config = config
    this.#embedderFactory = embedderFactory
    this.#pool = new ClusterPool(config.clusterWorker)
  }

  /** Loads the model in the background and reports the engine's state. */
  start(): void {
    this.#loadEmbedder().then(
      () => undefined,
      () => undefined, // reported through status; analyse() reports it again
    )
  }

  /** Resolves at a moment when no request is running: background work goes after requests. */
  async #idle(): Promise<void> {
    await yieldTurn()
    while (this.#interactive > 0 || performance.now() - this.#lastInteractiveEnd < IDLE_GRACE_MS) {
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  /** Handles one message from main. */
  handle(msg: ToHost): void {
    if (msg.type === 'cancel') {
      this.#running.get(msg.id)?.abort()
      return
    }
    if (msg.type !== 'request') return // 'renderer-port' is the entry's business
    const controller = new AbortController()
    this.#running.set(msg.id, controller)
    const interactive = !BACKGROUND_FRIENDLY.has(msg.op)
    if (interactive) this.#interactive++
    const { id, bulkId } = msg
    const progress = (stage: string, fraction: number): void =>
      this.#out.post({ type: 'progress', id, stage, fraction: clamp01(fraction) })
    this.#run(msg.op, msg.args, controller.signal, progress)
      .then(
        (value) => {
          if (bulkId !== undefined && this.#out.postBulk) {
            this.#out.postBulk({ bulkId, type: 'result', value }, transferablesOf(value))
            this.#out.post({ type: 'result', id, value: { bulkId } })
          } else {
            this.#out.post({ type: 'result', id, value })
          }
        },
        (e: unknown) => {
          const { code, message } = toErrorData(e, controller.signal)
          if (bulkId !== undefined && this.#out.postBulk) {
            this.#out.postBulk({ bulkId, type: 'error', code, message }, [])
          }
          this.#out.post({ type: 'error', id, code, message })
        },
      )
      .finally(() => {
        this.#running.delete(id)
        if (interactive) {
          this.#interactive--
          this.#lastInteractiveEnd = performance.now()
        }
      })
  }

  /** Runs one operation. */
  async #run(
    op: HostOp,
    args: HostOps[HostOp]['args'],
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<unknown> {
    switch (op) {
      case 'open':
        return this.#open(args as HostOps['open']['args'], progress)
      case 'spectrogram':
        return this.#spectrogram(args as HostOps['spectrogram']['args'])
      case 'peaks':
        return this.#peaks(args as HostOps['peaks']['args'])
      case 'audio':
        return this.#audio(args as HostOps['audio']['args'])
      case 'analyse':
        return this.#analyse(args as HostOps['analyse']['args'], signal, progress)
      case 'cluster':
        return this.#cluster(args as HostOps['cluster']['args'], signal, progress)
      case 'masks':
        return this.#masks(args as HostOps['masks']['args'])
      case 'stems':
        return this.#stems(args as HostOps['stems']['args'], signal, progress)
      case 'export':
        return this.#export(args as HostOps['export']['args'], signal, progress)
      case 'status':
        return this.#status
      case 'edit':
        return this.#edit(args as HostOps['edit']['args'])
      case 'wand':
        return this.#wand(args as HostOps['wand']['args'], signal, progress)
      case 'recluster':
        return this.#recluster(args as HostOps['recluster']['args'], signal, progress)
      case 'saveProject':
        return this.#saveProject(args as HostOps['saveProject']['args'])
      case 'openProject':
        return this.#openProject(args as HostOps['openProject']['args'], progress)
      case 'locateProject':
        return this.#locateProject(args as HostOps['locateProject']['args'], progress)
    }
  }

  // -------------------------------------------------------------------------------------------

  async #open(
    { fileId, path }: HostOps['open']['args'],
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['open']['result']> {
    // Drop the previous file first so two files never sit in memory together.
    this.#file?.closed.abort()
    this.#file = undefined
    this.#analysis = undefined
    this.#separations = []
    this.#clusterCache.clear()
    this.#wandCache = undefined
    progress('decode', 0)
    const t0 = performance.now()
    const audio = await decodeAudioFile(path)
    const t1 = performance.now()
    const length = audio.channels[0]?.length ?? 0
    // The spectrogram is computed on demand (the frames the renderer asks for first) and in
    // the background between requests; opening does not wait for it.
    const spectrogram = new DisplaySpectrogram(audio)
    const closed = new AbortController()
    this.#file = { id: fileId, path, audio, spectrogram, closed }
    setImmediate(() => void spectrogram.fill(closed.signal, () => this.#idle()))
    return {
      format: audio.format,
      ...(audio.bitDepth !== undefined ? { bitDepth: audio.bitDepth } : {}),
      sampleRate: audio.sampleRate,
      channels: audio.channels.length,
      length,
      durationSec: audio.durationSec,
      spectrogram: spectrogram.grid,
      timingsSec: { decode: (t1 - t0) / 1000, spectrogram: 0 },
    }
  }

  #fileById(fileId: string): OpenFile {
    const f = this.#file
    if (!f || f.id !== fileId) throw new HostError('stale', 'That file is no longer open.')
    return f
  }

  #spectrogram({
    fileId,
    range,
  }: HostOps['spectrogram']['args']): HostOps['spectrogram']['result'] {
    const f = this.#fileById(fileId)
    const sp = f.spectrogram
    const { from, to } = clampRange(range, sp.grid.frames)
    sp.ensure(from, to)
    const db = sp.db.slice(from * sp.grid.bins, to * sp.grid.bins)
    return { fileId, grid: sp.grid, fromFrame: from, toFrame: to, db }
  }

  /** Min/max per block of every channel; computed in slices, giving the event loop turns. */
  async #peaks({
    fileId,
    peaksPerSecond,
  }: HostOps['peaks']['args']): Promise<HostOps['peaks']['result']> {
    const f = this.#fileById(fileId)
    const length = f.audio.channels[0]?.length ?? 0
    const block = Math.max(1, Math.round(f.audio.sampleRate / peaksPerSecond))
    const n = Math.ceil(length / block)
    const channels = f.audio.channels.map(() => new Float32Array(2 * n))
    const perSlice = Math.max(1, Math.floor((1 << 20) / block)) // ~1M samples per turn
    for (let p0 = 0; p0 < n; p0 += perSlice) {
      if (this.#file !== f) throw new HostError('stale', 'That file is no longer open.')
      const p1 = Math.min(n, p0 + perSlice)
      f.audio.channels.forEach((x, c) => minMax(x, block, p0, p1, channels[c]!))
      await yieldTurn()
    }
    return { fileId, peaksPerSecond: f.audio.sampleRate / block, length: n, channels }
  }

  #audio({ fileId, range }: HostOps['audio']['args']): HostOps['audio']['result'] {
    const f = this.#fileById(fileId)
    const length = f.audio.channels[0]?.length ?? 0
    const { from, to } = clampRange(range, length)
    return {
      sampleRate: f.audio.sampleRate,
      fromSample: from,
      toSample: to,
      channels: f.audio.channels.map((c) => c.slice(from, to)),
    }
  }

  // -------------------------------------------------------------------------------------------

  #loadModel(): Promise<{ metadata: ModelMetadata; onnxPath: string }> {
    const p = this.#model ?? loadModel(this.#config.modelPath)
    this.#model = p
    return p
  }

  #loadEmbedder(): Promise<{ embedder: Embedder; provider: string; notes: string[] }> {
    if (!this.#embedder) {
      const p = this.#loadModel().then(({ metadata, onnxPath }) =>
        this.#embedderFactory(onnxPath, metadata, this.#config.device),
      )
      this.#embedder = p
      p.then(
        async (e) => {
          const { metadata } = await this.#loadModel()
          this.#setStatus({
            state: 'ready',
            provider: e.provider,
            model: { name: metadata.name, version: metadata.version },
            ...(e.notes.length ? { message: e.notes.join(' ') } : {}),
          })
        },
        (err: unknown) => {
          // Forget the failure so a later analyse retries (e.g. after the model file appears).
          this.#embedder = undefined
          this.#model = undefined
          this.#setStatus({ state: 'failed', message: toErrorData(err).message })
        },
      )
    }
    return this.#embedder
  }

  #setStatus(status: EngineStatus): void {
    this.#status = status
    this.#out.post({ type: 'status', status })
  }

  /**
   * The open file's analysis with the stereo cue `cue` (true: the model's weight; a number: that
   * weight; false: none), made if needed. One analysis is kept: another cue replaces it.
   */
  async #analysisFor(
    fileId: string,
    cue: boolean | number,
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<{ analysis: Analysis; entry: AnalysisEntry }> {
    const f = this.#fileById(fileId)
    const { metadata } = await this.#loadModel()
    let stereoCue: number
    try {
      stereoCue = stereoCueWeight(f.audio, metadata, cue)
    } catch (e) {
      throw new HostError('invalid-argument', (e as Error).message)
    }
    let entry: AnalysisEntry
    let analysis: Analysis
    for (;;) {
      const current = this.#analysis
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
          const { embedder } = await this.#loadEmbedder()
          return analyse(f.audio, metadata, embedder, {
            signal,
            stereoCue,
            onProgress: (p) => progress(p.stage, p.fraction),
          })
        }
        const created: AnalysisEntry = { fileId, stereoCue, promise: run(), signal }
        entry = created
        this.#analysis = created
        created.promise.catch(() => {
          if (this.#analysis === created) this.#analysis = undefined
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
    if (this.#file?.id !== fileId) throw new HostError('stale', 'That file is no longer open.')
    if (!entry.suggestion) {
      this.#pool.setAnalysis(analysisKey(fileId, stereoCue), analysis)
      const e = entry
      e.suggesting ??= this.#pool.suggest(LIMITS.maxSources).finally(() => delete e.suggesting)
      e.suggestion = await e.suggesting
      if (this.#file?.id !== fileId) throw new HostError('stale', 'That file is no longer open.')
    }
    return { analysis, entry }
  }

  async #analyse(
    { fileId, stereoCue }: HostOps['analyse']['args'],
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['analyse']['result']> {
    const { analysis, entry } = await this.#analysisFor(fileId, !!stereoCue, signal, progress)
    signal.throwIfAborted()
    const { metadata } = await this.#loadModel()
    const { provider } = await this.#loadEmbedder()
    return {
      suggestion: entry.suggestion!,
      provider,
      model: { name: metadata.name, version: metadata.version },
      timingsSec: { ...analysis.timings } as Record<string, number>,
      stereoCue: analysis.stereoCue,
    }
  }

  async #cluster(
    { fileId, separationId, sourceCount, mask, stereoCue }: HostOps['cluster']['args'],
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['cluster']['result']> {
    const { analysis, entry } = await this.#analysisFor(fileId, !!stereoCue, signal, (s, fr) =>
      progress(s, 0.9 * fr),
    )
    const suggestion = entry.suggestion!
    const k = sourceCount === 'auto' ? suggestion.count : sourceCount
    progress('kmeans', 0.9)
    const asked = this.#clusteringFor(fileId, analysis, k, mask, 'interactive')
    // Meanwhile get the neighbouring counts ready on the background worker (the other core), so
    // a k change is usually a cache hit.
    this.#precompute(fileId, analysis, [k - 1, k + 1, suggestion.count], mask)
    const { entry: clusterEntry, cached } = await asked
    // The k-means ran on a worker and stays cached; a cancelled call still reports 'cancelled'.
    signal.throwIfAborted()
    if (this.#file?.id !== fileId) throw new HostError('stale', 'That file is no longer open.')
    const { clustering, masks, timingsSec } = clusterEntry
    this.#separations.unshift({
      id: separationId,
      fileId,
      clustering,
      masks,
      entry: clusterEntry,
      mode: mask,
      requestedSources: sourceCount,
      stereoCue: analysis.stereoCue,
      suggestion,
    })
    // Keep a few (the overlay can flip back to a previous one).
    this.#separations.length = Math.min(this.#separations.length, KEEP_SEPARATIONS)
    this.#prepareEditor(this.#separations[0]!)
    return {
      sourceCount: k,
      auto: sourceCount === 'auto',
      suggestion,
      mask,
      grid: {
        sampleRate: masks.sampleRate,
        nFft: masks.nFft,
        hop: masks.hop,
        frames: masks.frames,
        bins: masks.bins,
      },
      energyShares: clustering.weightShares.slice(),
      stereoCue: analysis.stereoCue,
      timingsSec: { ...timingsSec, ...(cached ? { cached: 1 } : {}) },
    }
  }

  /** k-means + masks for (k, mode) of the open file's analysis; computed once, kept a while. */
  #clusteringFor(
    fileId: string,
    analysis: Analysis,
    k: number,
    mode: MaskMode,
    priority: JobPriority,
  ): Promise<{ entry: ClusterEntry; cached: boolean }> {
    const key = clusterKey(fileId, analysis, k, mode)
    const hit = this.#clusterCache.get(key)
    if (hit) {
      // Most recently used last.
      this.#clusterCache.delete(key)
      this.#clusterCache.set(key, hit)
      return hit.then((entry) => ({ entry, cached: true }))
    }
    this.#pool.setAnalysis(analysisKey(fileId, analysis.stereoCue), analysis)
    const p = this.#pool.run(k, mode, priority).then((entry) => {
      if (this.#file?.id !== fileId) throw new HostError('stale', 'That file is no longer open.')
      return entry
    })
    this.#clusterCache.set(key, p)
    p.catch(() => this.#clusterCache.delete(key))
    while (this.#clusterCache.size > KEEP_CLUSTERINGS) {
      this.#clusterCache.delete(this.#clusterCache.keys().next().value!)
    }
    return p.then((entry) => ({ entry, cached: false }))
  }

  /** The display masks of an entry quantised once, when they fit the budget; else undefined. */
  #masks8(entry: ClusterEntry): Uint8Array[] | undefined {
    const m = entry.masks
    if (!entry.masks8 && m.k * m.frames * m.bins <= MASKS8_MAX_BYTES) {
      const p = packedFor(m)
      entry.masks8 = p
        ? mapPacked(p, 0, p.n, DISPLAY_OF_UNITS)
        : m.masks.map((x) => quantise(x, 0, 1))
    }
    return entry.masks8
  }

  /** Computes the clusterings for `ks` in the background, one at a time, if memory allows. */
  #precompute(fileId: string, analysis: Analysis, ks: number[], mode: MaskMode): void {
    const wanted = [...new Set(ks)].filter(
      (k) =>
        k >= LIMITS.minSources &&
        k <= LIMITS.maxSources &&
        !this.#clusterCache.has(clusterKey(fileId, analysis, k, mode)) &&
        analysis.frames * analysis.bins * k * 4 <= PRECOMPUTE_MAX_BYTES,
    )
    void (async () => {
      for (const k of wanted) {
        if (this.#file?.id !== fileId) return
        await this.#clusteringFor(fileId, analysis, k, mode, 'background').catch(() => undefined)
      }
    })()
  }

  #separationById(separationId: string): Separation {
    const s = this.#separations.find((x) => x.id === separationId)
    if (!s || s.fileId !== this.#file?.id) {
      throw new HostError('stale', 'That separation is no longer available; separate again.')
    }
    return s
  }

  #masks({ separationId, range }: HostOps['masks']['args']): HostOps['masks']['result'] {
    const s = this.#separationById(separationId)
    const m = s.masks
    const { from, to } = clampRange(range, m.frames)
    const all = this.#masks8(s.entry)
    const p = all ? undefined : packedFor(m)
    const masks = all
      ? all.map((x) => x.slice(from * m.bins, to * m.bins))
      : p
        ? mapPacked(p, from * m.bins, to * m.bins, DISPLAY_OF_UNITS)
        : m.masks.map((x) => quantise(x.subarray(from * m.bins, to * m.bins), 0, 1))
    return {
      separationId,
      grid: { sampleRate: m.sampleRate, nFft: m.nFft, hop: m.hop, frames: m.frames, bins: m.bins },
      fromFrame: from,
      toFrame: to,
      masks,
    }
  }

  /**
   * Stem audio of a window of the file for playback: the engine's `synthesizeStems` (the
   * export's code) restricted to [from, to), which equals that slice of a whole-file synthesis,
   * so what you hear is what you export. It yields to the event loop every few ms.
   */
  async #stems(
    { separationId, sources, range }: HostOps['stems']['args'],
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['stems']['result']> {
    const s = this.#separationById(separationId)
    const f = this.#fileById(s.fileId)
    const length = f.audio.channels[0]?.length ?? 0
    const { from, to } = clampRange(range, length)
    const slot = new Map(sources.map((index, j) => [index, j]))
    const out = sources.map(() => f.audio.channels.map(() => new Float32Array(to - from)))
    const at = new Array<number>(s.masks.k).fill(0)
    let lastYield = performance.now()
    if (to > from) {
      await synthesizeStems(
        f.audio,
        this.#masksOf(s),
        {
          write(source, block) {
            const n = block[0]?.length ?? 0
            const j = slot.get(source)
            if (j !== undefined) {
              const dst = out[j]!
              for (let c = 0; c < dst.length; c++) dst[c]!.set(block[c]!.subarray(0, n), at[source])
            }
            at[source]! += n
            const now = performance.now()
            if (now - lastYield > YIELD_EVERY_MS) {
              lastYield = now
              return yieldTurn()
            }
            return undefined
          },
        },
        {
          signal,
          range: { start: from, length: to - from },
          onProgress: (pr) => progress('synthesize', pr.fraction),
        },
      )
    }
    return {
      separationId,
      sampleRate: f.audio.sampleRate,
      fromSample: from,
      toSample: to,
      stems: sources.map((index, j) => ({ index, channels: out[j]! })),
    }
  }

  /** The masks playback and export use: the edited ones once there are edits. */
  #masksOf(s: Separation): SourceMasks {
    return s.editor?.masks ?? s.masks
  }

  // -------------------------------------------------------------------------------------------
  // Mask editing (issue 5): main keeps the authoritative EditableMasks of each separation.

  /**
   * Makes the newest separation's editor in idle time, a slice at a time (a 3-minute song's masks
   * take a few hundred ms to put on the canonical grid on a slow machine: not while the user waits
   * for the first stroke to sound). Older separations drop theirs (memory).
   */
  #prepareEditor(s: Separation): void {
    for (const o of this.#separations) if (o !== s) delete o.preparation
    const m = s.masks
    if (s.editor || s.preparation || m.k * m.frames * m.bins * 4 > PREPARE_EDITOR_MAX_BYTES) return
    const prep = new EditablePreparation(m)
    s.preparation = prep
    void (async () => {
      for (;;) {
        await this.#idle()
        if (s.preparation !== prep || !this.#separations.includes(s)) return
        if (prep.step(YIELD_EVERY_MS)) return
      }
    })()
  }

  /** The separation's editor, made now if there is none yet (finishing its preparation, if any). */
  #editorOf(s: Separation): EditableMasks {
    if (!s.editor) {
      s.editor = s.preparation ? s.preparation.finish() : new EditableMasks(s.masks)
      delete s.preparation
    }
    return s.editor
  }

  #edit({ separationId, op }: HostOps['edit']['args']): HostOps['edit']['result'] {
    const s = this.#separationById(separationId)
    const editor = this.#editorOf(s)
    let touched: TouchedRange | null
    try {
      touched =
        op.type === 'apply'
          ? editor.edit(op.command)
          : op.type === 'undo'
            ? editor.undo()
            : editor.redo()
    } catch (e) {
      if (e instanceof RangeError) throw new HostError('invalid-argument', e.message)
      throw e
    }
    return { touched, undoDepth: editor.undoStack.length, redoDepth: editor.redoStack.length }
  }

  /** The analysis of a separation's file, made if needed (a project keeps masks, not embeddings). */
  async #analysisOfSeparation(
    s: Separation,
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<Analysis> {
    const { analysis } = await this.#analysisFor(s.fileId, s.stereoCue, signal, progress)
    if (analysis.frames !== s.masks.frames || analysis.bins !== s.masks.bins) {
      throw new HostError(
        'model',
        `This project's masks (${s.masks.frames} x ${s.masks.bins}) were made with another model grid than the current model's (${analysis.frames} x ${analysis.bins}); separate again to use the wand or re-clustering.`,
      )
    }
    if (s.clustering.dim > 0 && s.clustering.dim !== analysis.dim) {
      throw new HostError(
        'model',
        `This project's clustering has ${s.clustering.dim} dimensions, the current model's analysis ${analysis.dim}: it was made with another model; separate again to use the wand or re-clustering.`,
      )
    }
    return analysis
  }

  async #wand(
    { separationId, seed, threshold }: HostOps['wand']['args'],
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['wand']['result']> {
    const s = this.#separationById(separationId)
    const analysis = await this.#analysisOfSeparation(s, signal, progress)
    const key =
      'selection' in seed
        ? `sel:${seed.selection.frame0}:${seed.selection.frames}:${seed.selection.bin0}:${seed.selection.bins}:${checksum(seed.selection.weights)}`
        : `bin:${Math.round(seed.frame)}:${Math.round(seed.bin)}`
    const wandKey = `${s.stereoCue}:${key}`
    let w = this.#wandCache
    if (!w || w.fileId !== s.fileId || w.key !== wandKey) {
      const wand = new EmbeddingWand(analysis)
      if ('selection' in seed) {
        try {
          checkSelection(seed.selection, s.masks)
        } catch (e) {
          throw new HostError('invalid-argument', (e as Error).message)
        }
        wand.seedFromSelection(seed.selection)
      } else {
        wand.seedFromBin(seed.frame, seed.bin)
      }
      w = { fileId: s.fileId, key: wandKey, wand }
      this.#wandCache = w
    }
    return w.wand.select(threshold)
  }

  async #recluster(
    { separationId, newSeparationId }: HostOps['recluster']['args'],
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['recluster']['result']> {
    const s = this.#separationById(separationId)
    if (s.clustering.dim === 0 || s.clustering.centroids.length === 0) {
      throw new HostError(
        'invalid-argument',
        'This project was saved without its clustering; separate again to re-cluster with edits.',
      )
    }
    const analysis = await this.#analysisOfSeparation(s, signal, (st, fr) => progress(st, 0.8 * fr))
    progress('kmeans', 0.8)
    // (without edits: no constraints; the prepared editor, if any, serves)
    const editor = s.editor ?? s.preparation?.finish() ?? new EditableMasks(s.masks)
    const t0 = performance.now()
    const clustering = reclusterWithEdits(analysis, s.clustering, editor.assignedBins())
    const t1 = performance.now()
    await yieldTurn()
    const masks = sourceMasks(analysis, clustering, s.mode)
    const t2 = performance.now()
    signal.throwIfAborted()
    if (this.#file?.id !== s.fileId) throw new HostError('stale', 'That file is no longer open.')
    const timingsSec = { kmeans: (t1 - t0) / 1000, masks: (t2 - t1) / 1000 }
    const next: Separation = {
      id: newSeparationId,
      fileId: s.fileId,
      clustering,
      masks,
      entry: { clustering, masks, timingsSec },
      mode: s.mode,
      requestedSources: s.requestedSources,
      stereoCue: s.stereoCue,
      suggestion: s.suggestion,
      // The same history over the new automatic masks (commands address sources by index).
      editor: EditableMasks.fromHistory(masks, editor.undoStack, editor.redoStack),
      ...(s.project ? { project: s.project } : {}),
    }
    this.#separations.unshift(next)
    this.#separations.length = Math.min(this.#separations.length, KEEP_SEPARATIONS)
    return this.#hostSeparation(next, timingsSec)
  }

  #hostSeparation(s: Separation, timingsSec: Record<string, number>): HostSeparation {
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

  // -------------------------------------------------------------------------------------------
  // Projects

  async #saveProject({
    separationId,
    path,
    sources,
  }: HostOps['saveProject']['args']): Promise<HostOps['saveProject']['result']> {
    const s = this.#separationById(separationId)
    const f = this.#fileById(s.fileId)
    if (!s.project) {
      const { metadata } = await this.#loadModel()
      s.project = await createProject({
        audioPath: f.path,
        audioInfo: {
          sampleRate: f.audio.sampleRate,
          channels: f.audio.channels.length,
          durationSec: f.audio.durationSec,
        },
        model: { name: metadata.name, version: metadata.version },
        settings: {
          mask: s.mode,
          requestedSources: s.requestedSources,
          ...(s.stereoCue > 0 ? { stereoCue: s.stereoCue } : {}),
        },
        // an editor's automatic masks are canonical already (a full pass less on the first save)
        masks: s.editor?.automatic ?? s.masks,
        canonical: !!s.editor,
        clustering: { dim: s.clustering.dim, centroids: s.clustering.centroids },
      })
    }
    const k = s.masks.k
    const named = Array.from(
      { length: k },
      (_, i) =>
        sources[i] ?? {
          name: `Source ${i + 1}`,
          colour: DEFAULT_SOURCE_COLOURS[i % DEFAULT_SOURCE_COLOURS.length]!,
        },
    )
    const base: ProjectData = { ...s.project, sources: named }
    const project = s.editor ? withEditorState(base, s.editor) : base
    return saveProject(path, project)
  }

  async #openProject(
    { path, fileId, separationId }: HostOps['openProject']['args'],
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['openProject']['result']> {
    progress('project', 0)
    const opened = await openProject(path, { editor: true })
    return this.#projectOpened(
      path,
      opened.project,
      opened.audio,
      fileId,
      separationId,
      progress,
      opened.editor,
    )
  }

  async #locateProject(
    { projectPath, path, fileId, separationId }: HostOps['locateProject']['args'],
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['locateProject']['result']> {
    const pending = this.#pendingProject
    if (!pending || pending.path !== projectPath) {
      throw new HostError('stale', 'Open the project again, then locate its recording.')
    }
    const { project, audio } = await relocateAudio(pending.project, path)
    return this.#projectOpened(projectPath, project, audio, fileId, separationId, progress)
  }

  /** Opens the project's recording (when its check is ok) and its separation with the history. */
  async #projectOpened(
    projectPath: string,
    project: ProjectData,
    audio: AudioCheck,
    fileId: string,
    separationId: string,
    progress: (stage: string, fraction: number) => void,
    built?: EditableMasks,
  ): Promise<HostOps['openProject']['result']> {
    const sources = project.sources.map((x) => ({ name: x.name, colour: x.colour }))
    const check = {
      status: audio.status,
      path: audio.path,
      ...(audio.status !== 'ok' ? { message: audio.message } : {}),
    }
    if (audio.status !== 'ok') {
      // The open file stays as it is until the user locates the recording.
      this.#pendingProject = { path: projectPath, project }
      return {
        projectPath,
        audio: check,
        file: null,
        separation: null,
        sources,
        history: { undo: [], redo: [] },
      }
    }
    this.#pendingProject = undefined
    const file = await this.#open({ fileId, path: audio.path }, progress)
    const masks = project.automatic
    const editor = built ?? projectEditor(project)
    // from the packed planes: a project's automatic masks are not made float for this
    const shares = meanOfMasks(masks)
    const clustering: Clustering = {
      k: masks.k,
      dim: project.clustering?.dim ?? 0,
      centroids: project.clustering?.centroids ?? new Float32Array(0),
      assignment: new Uint8Array(0),
      weightShares: shares,
      inertia: 0,
    }
    const sep: Separation = {
      id: separationId,
      fileId,
      clustering,
      masks,
      entry: { clustering, masks, timingsSec: { kmeans: 0, masks: 0 } },
      mode: project.settings.mask,
      requestedSources: project.settings.requestedSources ?? masks.k,
      stereoCue: project.settings.stereoCue ?? 0,
      suggestion: { count: masks.k, confidence: 0, scores: [] },
      editor,
      project,
    }
    this.#separations.unshift(sep)
    return {
      projectPath,
      audio: check,
      file,
      separation: this.#hostSeparation(sep, {}),
      sources,
      history: { undo: editor.undoStack, redo: editor.redoStack },
    }
  }

  async #export(
    { separationId, targets, format, bits, force }: HostOps['export']['args'],
    signal: AbortSignal,
    progress: (stage: string, fraction: number) => void,
  ): Promise<HostOps['export']['result']> {
    const s = this.#separationById(separationId)
    const f = this.#fileById(s.fileId)
    const t0 = performance.now()
    const opened = await Promise.allSettled(
      targets.map((t) =>
        openStemWriter(t.path, {
          format,
          bits,
          sampleRate: f.audio.sampleRate,
          channels: f.audio.channels.length,
          force,
        }),
      ),
    )
    const failed = opened.find((r) => r.status === 'rejected')
    const writers = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    if (failed) {
      await Promise.all(writers.map((w) => w.abort().catch(() => undefined)))
      throw failed.reason
    }
    let t1 = t0
    try {
      const byIndex = new Map(targets.map((t, i) => [t.index, writers[i]!]))
      await synthesizeStems(
        f.audio,
        this.#masksOf(s),
        { write: (source, block) => byIndex.get(source)?.write(block) },
        { signal, onProgress: (pr) => progress('synthesize', pr.fraction) },
      )
      t1 = performance.now()
      for (const w of writers) await w.commit()
    } catch (e) {
      await Promise.all(writers.map((w) => w.abort().catch(() => undefined)))
      throw e
    }
    const t2 = performance.now()
    return {
      timingsSec: {
        synthesizeAndEncode: (t1 - t0) / 1000,
        commit: (t2 - t1) / 1000,
        total: (t2 - t0) / 1000,
      },
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** A quick 32-bit checksum of bytes (FNV-1a), to recognise a seed selection again. */
function checksum(b: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619)
  return h >>> 0
}

/** out[2p], out[2p+1] = min, max of x over block p, for p in [p0, p1). */
function minMax(x: Float32Array, block: number, p0: number, p1: number, out: Float32Array): void {
  const length = x.length
  for (let p = p0; p < p1; p++) {
    let lo = Infinity
    let hi = -Infinity
    const end = Math.min(length, (p + 1) * block)
    for (let i = p * block; i < end; i++) {
      const v = x[i]!
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    out[2 * p] = lo
    out[2 * p + 1] = hi
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0
}

function clampRange(r: HostRange, length: number): { from: number; to: number } {
  const from = Math.max(0, Math.min(length, Math.floor(r.from)))
  const to = Math.max(from, Math.min(length, Math.floor(r.to)))
  return { from, to }
}

/** The ArrayBuffers of every typed array inside a result (for transfer lists). */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>()
  const visit = (v: unknown, depth: number): void => {
    if (depth > 6 || v === null || typeof v !== 'object') return
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) out.add(v.buffer)
      return
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1)
  }
  visit(value, 0)
  return [...out]
}

/** An error as data: its IPC code and a message fit for the window. */
export function toErrorData(
  e: unknown,
  signal?: AbortSignal,
): { code: IpcErrorCode; message: string } {
  if (signal?.aborted || (e instanceof Error && e.name === 'AbortError')) {
    return { code: 'cancelled', message: 'Cancelled.' }
  }
  if (e instanceof HostError) return { code: e.code, message: e.message }
  if (isUnweaveError(e)) {
    const code: IpcErrorCode =
      e.kind === 'input'
        ? 'input'
        : e.kind === 'model'
          ? 'model'
          : e.kind === 'output'
            ? 'output'
            : 'invalid-argument'
    return { code, message: e.message }
  }
  if (e instanceof Error && e.name === 'ModelContractError')
    return { code: 'model', message: e.message }
  const message = e instanceof Error ? e.message : String(e)
  return { code: 'internal', message: `The engine failed: ${message}` }
}
