/**
 * A fake `window.api` for component and state tests only: the IPC contract served from memory,
 * with a call log and hooks to delay or fail calls. Never imported by the app.
 */
import type {
  AppEvent,
  ExportFile,
  ExportRequest,
  FileInfo,
  IpcResult,
  MaskGrid,
  RecentFile,
  SeparationSummary,
  UnweaveApi,
} from '../../../shared/ipc'

/** One recorded call. */
export interface FakeCall {
  channel: string
  args: unknown
}

/** Options of the fake. */
export interface FakeApiOptions {
  durationSec?: number
  sampleRate?: number
  channels?: number
  /** The count 'auto' resolves to. */
  suggested?: number
}

/** The fake plus its test controls. */
export interface FakeApi {
  api: UnweaveApi
  calls: FakeCall[]
  /** Calls of one channel. */
  callsTo(channel: string): FakeCall[]
  /** Sends an event to the window. */
  emit(e: AppEvent): void
  /** Makes the next call of `channel` fail with this message and code. */
  failNext(
    channel: string,
    message: string,
    code?: 'input' | 'model' | 'output' | 'engine' | 'internal',
  ): void
  /** Makes calls of `channel` wait until the returned function is called. */
  hold(channel: string): () => void
  /** Paths the fake reports as existing for planExport. */
  existing: Set<string>
  /** Answer of the next open dialog (null = cancelled). */
  nextOpen: string | null
  /** What listRecentFiles answers. */
  recent: RecentFile[]
  file: FileInfo
}

/** Builds a fake api for a synthetic file. */
export function createFakeApi(opts: FakeApiOptions = {}): FakeApi {
  const durationSec = opts.durationSec ?? 10
  const sampleRate = opts.sampleRate ?? 44100
  const channels = opts.channels ?? 2
  const suggested = opts.suggested ?? 3
  const length = Math.round(durationSec * sampleRate)
  const grid = {
    sampleRate,
    nFft: 64,
    hop: 2205,
    frames: Math.floor(length / 2205) + 1,
    bins: 33,
    dbMin: -120,
    dbMax: 0,
  }
  const maskGrid: MaskGrid = {
    sampleRate: 16000,
    nFft: 32,
    hop: 800,
    frames: Math.floor((durationSec * 16000) / 800) + 1,
    bins: 17,
  }
  const file: FileInfo = {
    fileId: 'file-1',
    path: '/music/song.wav',
    name: 'song.wav',
    format: 'wav',
    bitDepth: 24,
    sampleRate,
    channels,
    length,
    durationSec,
    spectrogram: grid,
    timingsSec: { decode: 0.01, spectrogram: 0.01 },
  }
  const calls: FakeCall[] = []
  const listeners = new Set<(e: AppEvent) => void>()
  const failures = new Map<string, { message: string; code: string }>()
  const holds = new Map<string, Promise<void>>()
  const cancelled = new Set<string>()
  let separations = 0
  const existing = new Set<string>()
  const fake: FakeApi = {
    api: undefined as unknown as UnweaveApi,
    calls,
    callsTo: (c) => calls.filter((x) => x.channel === c),
    emit: (e) => listeners.forEach((l) => l(e)),
    failNext(channel, message, code = 'internal') {
      failures.set(channel, { message, code })
    },
    hold(channel) {
      let release!: () => void
      holds.set(channel, new Promise<void>((r) => (release = r)))
      return () => {
        holds.delete(channel)
        release()
      }
    },
    existing,
    nextOpen: file.path,
    recent: [],
    file,
  }

  const ok = <T>(value: T): IpcResult<T> => ({ type: 'ok', value })
  /** The weight a stereo cue request gets (main applies it to two-channel files only). */
  const cueOf = (asked: boolean | undefined): number => (asked && file.channels === 2 ? 2 : 0)
  const summary = (k: number, auto: boolean, stereoCue = 0): SeparationSummary => ({
    separationId: `sep-${++separations}`,
    fileId: file.fileId,
    sourceCount: k,
    auto,
    suggestion: {
      count: suggested,
      confidence: 0.82,
      scores: [0.1, 0.3, 0.9, 0.4, 0.2, 0.1, 0.1, 0.1],
    },
    mask: 'soft',
    grid: maskGrid,
    stereoCue,
    sources: Array.from({ length: k }, (_, index) => ({ index, energyShare: 1 / k })),
    timingsSec: {},
  })
  const progress = (taskId: string | undefined, stage: string, fraction: number) => {
    if (taskId) fake.emit({ type: 'progress', taskId, stage, fraction, etaSec: null })
  }
  const plan = (req: ExportRequest): ExportFile[] =>
    req.sources.map((index) => {
      const name = req.template
        .replaceAll('{name}', 'song')
        .replaceAll('{index}', String(index + 1))
        .replaceAll('{source}', req.sourceNames?.[index] ?? `Source ${index + 1}`)
        .replaceAll('{count}', String(req.sourceNames?.length ?? 0))
      const ext = req.format.container
      const path = `${req.folder}/${name}.${ext}`
      return { index, path, exists: existing.has(path) }
    })
  let currentK = 0

  const handlers: Record<string, (args: never) => unknown> = {
    getAppInfo: () => ({
      version: 'test',
      platform: 'linux',
      bridge: true,
      engine: { state: 'ready' },
    }),
    openFileDialog: () => (fake.nextOpen ? file : null),
    getEnergyShares: () =>
      Array.from({ length: currentK }, (_, i) => (i + 1) / ((currentK * (currentK + 1)) / 2)),
    openFile: (a: { path: string }) => ({ ...file, path: a.path, name: a.path.split('/').pop() }),
    getFileInfo: () => file,
    listRecentFiles: () => fake.recent,
    clearRecentFiles: () => [],
    getSpectrogram: (a: { range?: { from?: number; to?: number } }) => {
      const from = a.range?.from ?? 0
      const to = Math.min(grid.frames, a.range?.to ?? grid.frames)
      const db = new Uint8Array((to - from) * grid.bins)
      for (let t = from; t < to; t++)
        for (let f = 0; f < grid.bins; f++) db[(t - from) * grid.bins + f] = (t * 7 + f * 13) % 256
      return { fileId: file.fileId, grid, fromFrame: from, toFrame: to, db }
    },
    getPeaks: (a: { peaksPerSecond: number }) => {
      const n = Math.ceil(durationSec * a.peaksPerSecond)
      const ch = Array.from({ length: channels }, () => {
        const x = new Float32Array(2 * n)
        for (let i = 0; i < n; i++) {
          x[2 * i] = -0.5
          x[2 * i + 1] = 0.5
        }
        return x
      })
      return { fileId: file.fileId, peaksPerSecond: a.peaksPerSecond, length: n, channels: ch }
    },
    getAudio: (a: { range?: { from?: number; to?: number } }) => {
      const from = a.range?.from ?? 0
      const to = Math.min(length, a.range?.to ?? length)
      return {
        sampleRate,
        fromSample: from,
        toSample: to,
        channels: Array.from({ length: channels }, () => new Float32Array(to - from)),
      }
    },
    analyse: (a: { taskId: string; stereoCue?: boolean }) => {
      progress(a.taskId, 'embed', 0.5)
      progress(a.taskId, 'embed', 1)
      return {
        fileId: file.fileId,
        suggestion: { count: suggested, confidence: 0.82, scores: [] },
        provider: 'cpu',
        model: { name: 'fake', version: '0' },
        timingsSec: {},
        stereoCue: cueOf(a.stereoCue),
      }
    },
    cluster: (a: { sourceCount: number | 'auto'; stereoCue?: boolean; taskId?: string }) => {
      progress(a.taskId, 'kmeans', 0.5)
      const k = a.sourceCount === 'auto' ? suggested : a.sourceCount
      currentK = k
      return summary(k, a.sourceCount === 'auto', cueOf(a.stereoCue))
    },
    getMasks: (a: { separationId: string; range?: { from?: number; to?: number } }) => {
      const from = a.range?.from ?? 0
      const to = Math.min(maskGrid.frames, a.range?.to ?? maskGrid.frames)
      const k = currentK
      const masks = Array.from({ length: k }, (_, j) => {
        const m = new Uint8Array((to - from) * maskGrid.bins)
        for (let i = 0; i < m.length; i++) m[i] = i % k === j ? 255 : 0
        return m
      })
      return { separationId: a.separationId, grid: maskGrid, fromFrame: from, toFrame: to, masks }
    },
    getStemAudio: (a: {
      separationId: string
      sources: number[]
      range?: { from?: number; to?: number }
    }) => {
      const from = a.range?.from ?? 0
      const to = Math.min(length, a.range?.to ?? length)
      return {
        separationId: a.separationId,
        sampleRate,
        fromSample: from,
        toSample: to,
        stems: a.sources.map((index) => ({
          index,
          channels: Array.from({ length: channels }, () => new Float32Array(to - from)),
        })),
      }
    },
    cancelTask: (a: { taskId: string }) => {
      cancelled.add(a.taskId)
      return true
    },
    chooseExportFolder: () => '/exports',
    planExport: (a: ExportRequest) => plan(a),
    exportStems: (a: ExportRequest & { taskId: string }) => {
      const files = plan(a)
      if (a.overwrite === 'never' && files.some((f) => f.exists)) return { status: 'exists', files }
      progress(a.taskId, 'encode', 0.5)
      for (const f of files) existing.add(f.path)
      return { status: 'written', files, timingsSec: {} }
    },
    revealInFolder: () => null,
  }

  const api: Record<string, unknown> = {
    onEvent(l: (e: AppEvent) => void) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    pathForFile: () => '/dropped/file.wav',
  }
  for (const [channel, handler] of Object.entries(handlers)) {
    api[channel] = async (args: unknown) => {
      calls.push({ channel, args })
      const held = holds.get(channel)
      if (held) await held
      const taskId = (args as { taskId?: string } | undefined)?.taskId
      if (taskId && cancelled.has(taskId))
        return { type: 'error', code: 'cancelled', message: 'Cancelled.' }
      const failure = failures.get(channel)
      if (failure) {
        failures.delete(channel)
        return { type: 'error', code: failure.code, message: failure.message }
      }
      return ok(handler(args as never))
    }
  }
  fake.api = api as unknown as UnweaveApi
  return fake
}

/** A fake AudioContext whose clock the test moves by hand. */
export class FakeAudioContext {
  currentTime = 0
  state: AudioContextState = 'running'
  destination = { connect() {}, disconnect() {} } as unknown as AudioDestinationNode
  started: { when: number; offset: number; duration: number; buffer: FakeBuffer }[] = []
  stopped = 0
  resume = async () => {
    this.state = 'running'
  }
  suspend = async () => {
    this.state = 'suspended'
  }
  close = async () => {
    this.state = 'closed'
  }
  createGain(): GainNode {
    const param = {
      value: 1,
      setTargetAtTime(v: number) {
        param.value = v
        return param
      },
    }
    return { gain: param, connect() {}, disconnect() {} } as unknown as GainNode
  }
  createBuffer(channels: number, length: number, sampleRate: number): AudioBuffer {
    return new FakeBuffer(channels, length, sampleRate) as unknown as AudioBuffer
  }
  createBufferSource(): AudioBufferSourceNode {
    const started = this.started
    const onStop = () => this.stopped++
    const node = {
      buffer: null as FakeBuffer | null,
      connect() {},
      disconnect() {},
      start(when = 0, offset = 0, duration = 0) {
        started.push({ when, offset, duration, buffer: node.buffer! })
      },
      stop() {
        onStop()
      },
    }
    return node as unknown as AudioBufferSourceNode
  }
}

/** A fake AudioBuffer. */
export class FakeBuffer {
  data: Float32Array[]
  constructor(
    readonly numberOfChannels: number,
    readonly length: number,
    readonly sampleRate: number,
  ) {
    this.data = Array.from({ length: numberOfChannels }, () => new Float32Array(length))
  }
  get duration(): number {
    return this.length / this.sampleRate
  }
  copyToChannel(src: Float32Array, ch: number): void {
    this.data[ch].set(src.subarray(0, this.length))
  }
}
