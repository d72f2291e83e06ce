/**
 * The editor's display spectrogram of an open file, computed once by the engine's
 * `magnitudeSpectrogramBytes` chunk by chunk (its frame ranges equal the whole file's frames):
 * the frames the renderer asks for first are computed first, the rest fill in the background
 * between requests. Stored quantised to 8 bits over a fixed dB range (re full scale), so every
 * file shares one colour scale and the renderer's gain/range controls do the rest.
 * No Electron import here.
 */
import { magnitudeSpectrogramBytes, type PcmAudio } from '../engine/index'
import type { SpectrogramGrid } from '../shared/ipc'

/** Frames of the display spectrogram stay at or below this (the hop doubles for long files). */
export const MAX_DISPLAY_FRAMES = 32_768
/** Frames computed per chunk (~50-100 ms of work), the unit of on-demand and background work. */
export const CHUNK_FRAMES = 512
/** The fixed dB scale of the quantised values: 0 dB = a full-scale sine. */
export const DISPLAY_DB_MIN = -120
export const DISPLAY_DB_MAX = 0

/** Display STFT settings for a file: ~46 ms window at 44.1/48 kHz, hop growing with length. */
export function displayGrid(sampleRate: number, length: number): SpectrogramGrid {
  const nFft = sampleRate > 50_000 ? (sampleRate > 100_000 ? 8192 : 4096) : 2048
  let hop = nFft / 4
  while (Math.floor(length / hop) + 1 > MAX_DISPLAY_FRAMES) hop *= 2
  return {
    sampleRate,
    nFft,
    hop,
    bins: nFft / 2 + 1,
    frames: Math.floor(length / hop) + 1,
    dbMin: DISPLAY_DB_MIN,
    dbMax: DISPLAY_DB_MAX,
  }
}

/** Maps values in [lo, hi] to 0..255 into `out` at `offset` (clamped, rounded; NaN -> 0). */
export function quantiseInto(
  x: Float32Array,
  lo: number,
  hi: number,
  out: Uint8Array,
  offset = 0,
): void {
  const scale = 255 / (hi - lo)
  for (let i = 0; i < x.length; i++) {
    const v = (x[i]! - lo) * scale + 0.5
    out[offset + i] = v >= 0 ? (v >= 255 ? 255 : v) : 0 // Uint8Array truncates: +0.5 rounds
  }
}

/** The display spectrogram of one file, filled chunk by chunk. */
export class DisplaySpectrogram {
  readonly grid: SpectrogramGrid
  /** uint8 [frames * bins], t-major; valid where computed. */
  readonly db: Uint8Array
  readonly #audio: PcmAudio
  readonly #done: Uint8Array
  #remaining: number
  /** Seconds spent computing so far. */
  computeSec = 0

  constructor(audio: PcmAudio) {
    this.#audio = audio
    const length = audio.channels[0]?.length ?? 0
    this.grid = displayGrid(audio.sampleRate, length)
    this.db = new Uint8Array(this.grid.frames * this.grid.bins)
    this.#done = new Uint8Array(Math.ceil(this.grid.frames / CHUNK_FRAMES))
    this.#remaining = this.#done.length
  }

  /** True when every frame is computed. */
  get complete(): boolean {
    return this.#remaining === 0
  }

  /** Computes whatever is missing of frames [from, to). */
  ensure(from: number, to: number): void {
    const last = Math.min(this.#done.length, Math.ceil(to / CHUNK_FRAMES))
    for (let c = Math.floor(from / CHUNK_FRAMES); c < last; c++) this.#chunk(c)
  }

  /** Computes every missing chunk, giving the event loop a turn after each; stops on abort. */
  async fill(signal: AbortSignal, turn: () => Promise<void>): Promise<void> {
    for (let c = 0; c < this.#done.length && !signal.aborted; c++) {
      if (this.#done[c]) continue
      this.#chunk(c)
      await turn()
    }
  }

  #chunk(c: number): void {
    if (this.#done[c]) return
    const t0 = performance.now()
    const { nFft, hop, bins, frames } = this.grid
    const from = c * CHUNK_FRAMES
    const to = Math.min(frames, from + CHUNK_FRAMES)
    const spec = magnitudeSpectrogramBytes(this.#audio, {
      nFft,
      hop,
      dbMin: DISPLAY_DB_MIN,
      dbMax: DISPLAY_DB_MAX,
      fromFrame: from,
      toFrame: to,
    })
    this.db.set(spec.values, from * bins)
    this.#done[c] = 1
    this.#remaining--
    this.computeSec += (performance.now() - t0) / 1000
  }
}
