import type { FileInfo } from '../../../shared/ipc'
import type { Backend } from '../lib/backend'
import type { DisplaySpectrogram } from '../lib/raster'

/** Where the recording is in its life. */
export type RecordingStatus = 'empty' | 'opening' | 'ready'

/** Bytes of spectrogram per page asked of main (pages arrive one after another, drawn as they come). */
const SPECTROGRAM_PAGE_BYTES = 4 << 20
/** Frames of the first page: small, so the first pixels show while main computes the rest. */
const FIRST_PAGE_FRAMES = 768

/** Waveform peaks per second asked of main: at most 400, and at most ~50k peaks per file so
 * that handing them to wavesurfer stays well under a 100 ms task even for a 30-minute file. */
export function peaksPerSecond(durationSec: number): number {
  if (!(durationSec > 0)) return 200
  return Math.max(1, Math.round(Math.min(400, 50_000 / durationSec)))
}

/**
 * The opened recording: its file info, waveform peaks and the engine-computed display spectrogram
 * (uint8 dB pages from main, assembled into one buffer as they arrive; `spectrogramFrames` counts
 * the frames filled so far so views redraw as pages land).
 */
export class Recording {
  status = $state<RecordingStatus>('empty')
  file = $state.raw<FileInfo | null>(null)
  peaks = $state.raw<Float32Array[] | null>(null)
  spectrogram = $state.raw<DisplaySpectrogram | null>(null)
  /** Frames of `spectrogram` filled so far (the buffer is filled in place page by page). */
  spectrogramFrames = $state(0)
  /** performance.now() when the last open started and when its first spectrogram page arrived. */
  openStartedAt = $state(0)
  firstPageAt = $state(0)
  #backend: Backend
  #token = 0
  #onShown: (info: FileInfo) => void

  /** `onShown` runs when a new file becomes the current one (before its remaining pages arrive). */
  constructor(backend: Backend, onShown: (info: FileInfo) => void = () => {}) {
    this.#backend = backend
    this.#onShown = onShown
  }

  readonly durationSec = $derived(this.file?.durationSec ?? 0)
  readonly isReady = $derived(this.status === 'ready' && this.file !== null)
  /** "WAV · 44.1 kHz · 24-bit · stereo · 3:05" */
  readonly summary = $derived(this.file ? describeFile(this.file) : '')

  /**
   * Opens a file: the native dialog when no path is given. Resolves to the file, or null when the
   * user cancelled; throws main's message on failure (the previous file stays open).
   */
  async open(path?: string): Promise<FileInfo | null> {
    const token = ++this.#token
    const before = this.status
    this.status = 'opening'
    this.openStartedAt = performance.now()
    try {
      const info = path
        ? await this.#backend.call('openFile', { path })
        : await this.#backend.call('openFileDialog')
      if (token !== this.#token) return null
      if (!info) {
        this.status = before === 'opening' ? (this.file ? 'ready' : 'empty') : before
        return null
      }
      await this.load(info, token)
      return token === this.#token ? info : null
    } catch (e) {
      if (token === this.#token) this.status = this.file ? 'ready' : 'empty'
      throw e
    }
  }

  /** Shows a file main has opened (by us, or by itself: menu, argv, OS): peaks and spectrogram. */
  /** Opens a file's display data; `onFirstPage` is called once the first page is shown. */
  async load(info: FileInfo, token = ++this.#token, onFirstPage?: () => void): Promise<void> {
    if (!this.openStartedAt || this.status !== 'opening') this.openStartedAt = performance.now()
    this.status = 'opening'
    const grid = info.spectrogram
    const values = new Uint8Array(grid.frames * grid.bins)
    const spectrogram: DisplaySpectrogram = {
      sampleRate: grid.sampleRate,
      nFft: grid.nFft,
      hop: grid.hop,
      frames: grid.frames,
      bins: grid.bins,
      values,
      dbScale: (grid.dbMax - grid.dbMin) / 255,
      dbOffset: grid.dbMin,
      maxDb: grid.dbMax,
    }
    const pageFrames = Math.max(1, Math.floor(SPECTROGRAM_PAGE_BYTES / Math.max(1, grid.bins)))
    // the first (small) page first: main computes the asked frames before anything else
    const first = await this.#backend.call('getSpectrogram', {
      fileId: info.fileId,
      range: { from: 0, to: Math.min(grid.frames, FIRST_PAGE_FRAMES, pageFrames) },
    })
    if (token !== this.#token) return
    values.set(
      first.db.subarray(0, values.length - first.fromFrame * grid.bins),
      first.fromFrame * grid.bins,
    )
    this.file = info
    this.#onShown(info)
    this.spectrogram = spectrogram
    this.spectrogramFrames = first.toFrame
    this.peaks = null
    this.status = 'ready'
    this.firstPageAt = performance.now()
    onFirstPage?.()
    // then the waveform and the rest of the spectrogram, side by side
    const peaks = this.#backend
      .call('getPeaks', { fileId: info.fileId, peaksPerSecond: peaksPerSecond(info.durationSec) })
      .then((p) => {
        if (token === this.#token) this.peaks = p.channels
      })
    peaks.catch(() => {}) // awaited (and thrown) below, after the pages
    for (let from = first.toFrame; from < grid.frames; from += pageFrames) {
      const page = await this.#backend.call('getSpectrogram', {
        fileId: info.fileId,
        range: { from, to: Math.min(grid.frames, from + pageFrames) },
      })
      if (token !== this.#token) return
      values.set(
        page.db.subarray(0, values.length - page.fromFrame * grid.bins),
        page.fromFrame * grid.bins,
      )
      this.spectrogramFrames = page.toFrame
    }
    await peaks
  }

  /** Closes the file. */
  close(): void {
    this.#token++
    this.file = null
    this.peaks = null
    this.spectrogram = null
    this.spectrogramFrames = 0
    this.status = 'empty'
  }
}

/** A one-line description of a file for the title bar. */
export function describeFile(
  f: Pick<FileInfo, 'format' | 'sampleRate' | 'channels' | 'durationSec' | 'bitDepth'>,
): string {
  const channels = f.channels === 1 ? 'mono' : f.channels === 2 ? 'stereo' : `${f.channels} ch`
  const rate = `${(f.sampleRate / 1000).toFixed(f.sampleRate % 1000 === 0 ? 0 : 1)} kHz`
  const bits = f.bitDepth ? ` · ${f.bitDepth}-bit` : ''
  const m = Math.floor(f.durationSec / 60)
  const s = Math.floor(f.durationSec % 60)
  return `${f.format.toUpperCase()} · ${rate}${bits} · ${channels} · ${m}:${String(s).padStart(2, '0')}`
}
