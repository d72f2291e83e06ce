/**
 * The renderer's display data and the pixel kernels that draw it. Kernels draw only the visible
 * time window into a viewport-sized buffer, so their cost depends on the canvas size, not on the
 * length of the file (a 30-minute file draws as fast as a 3-second one).
 */
import {
  type Spectrogram,
  type SourceGrid,
  type SourceMasks,
  maskGrid,
} from '../../../engine/index'
import { FULL_BAND, rowBinRanges, type FreqAxis, type FreqZoom } from './freq-scale'

/**
 * A magnitude spectrogram for display, t-major [frames * bins]; the dB value of a cell is
 * `values[i] * dbScale + dbOffset` (float dB: scale 1, offset 0; uint8-quantised: any scale).
 * Frame t is centred on sample t * hop at `sampleRate` (the file's own rate).
 */
export interface DisplaySpectrogram {
  sampleRate: number
  nFft: number
  hop: number
  frames: number
  bins: number
  values: Float32Array | Uint8Array | Uint16Array
  dbScale: number
  dbOffset: number
  /** Loudest value, dB. */
  maxDb: number
}

/**
 * One mask per source on the model grid, t-major [frames * bins] each; mask value of a cell is
 * `masks[j][i] * scale` in [0, 1] (float masks: scale 1; uint8: 1/255).
 */
export interface DisplayMasks extends SourceGrid {
  masks: (Float32Array | Uint8Array)[]
  scale: number
}

/** The engine's float dB spectrogram as display data (no copy). */
export function displaySpectrogram(s: Spectrogram): DisplaySpectrogram {
  return {
    sampleRate: s.sampleRate,
    nFft: s.nFft,
    hop: s.hop,
    frames: s.frames,
    bins: s.bins,
    values: s.db,
    dbScale: 1,
    dbOffset: 0,
    maxDb: s.maxDb,
  }
}

/** The engine's float masks as display data (no copy). */
export function displayMasks(m: SourceMasks): DisplayMasks {
  return { ...maskGrid(m), masks: m.masks, scale: 1 }
}

/** The visible window of the timeline, seconds. */
export interface TimeWindow {
  startSec: number
  endSec: number
}

/** Frames sampled per pixel column at most when zoomed out (max-pooled); bounds the cost per column. */
const MAX_FRAMES_PER_COLUMN = 4

/** Packed pixel drawn where there is no audio (past the end of the file). */
export const BACKGROUND_PIXEL = 0xff0d0a0a

/** Cache of row -> bin ranges per (height, axis, grid). */
const rowCache = new Map<string, ReturnType<typeof rowBinRanges>>()

/** Row -> bin ranges for a grid, memoised (a handful of entries are ever live). */
export function cachedRows(
  ...args: Parameters<typeof rowBinRanges>
): ReturnType<typeof rowBinRanges> {
  const [height, axis, maxHz, binHz, bins, zoom = FULL_BAND] = args
  const key = `${height}|${axis}|${maxHz}|${binHz}|${bins}|${zoom.lo}|${zoom.hi}`
  let rows = rowCache.get(key)
  if (!rows) {
    if (rowCache.size > 16) rowCache.clear()
    rows = rowBinRanges(...args)
    rowCache.set(key, rows)
  }
  return rows
}

/** Options of drawSpectrogram. */
export interface SpectrogramDrawOptions {
  axis: FreqAxis
  /** The part of the frequency axis shown (default all). */
  zoom?: FreqZoom
  /** Colour lookup table, 256 packed pixels. */
  lut: Uint32Array
  /** dB shown as the darkest colour. */
  lowDb: number
  /** dB shown as the brightest colour. */
  highDb: number
  /** Frames filled so far (pages still arriving); later frames are drawn as background. Default all. */
  loadedFrames?: number
  /** Coarser copies for zoomed-out views (see SpectrogramPyramid). */
  pyramid?: SpectrogramPyramid
}

/** One coarser copy: frame j is the max of frames [j * factor, (j + 1) * factor) of the original. */
export interface SpectrogramLevel {
  factor: number
  frames: number
  values: DisplaySpectrogram['values']
  /** Frames of this level computed so far (from the start). */
  built: number
}

/**
 * Max-pooled copies of a spectrogram at 2x, 4x, 8x... fewer frames, built incrementally as pages
 * arrive and in time-budgeted steps, so a zoomed-out view of a long file reads ~1-2 frames per pixel
 * column (from a small, cache-friendly array) instead of many scattered ones.
 */
export class SpectrogramPyramid {
  readonly levels: SpectrogramLevel[] = []
  readonly #spec: DisplaySpectrogram

  /** Levels down to about `minFrames` frames (none for short files). */
  constructor(spec: DisplaySpectrogram, minFrames = 2048) {
    this.#spec = spec
    const Ctor = spec.values.constructor as new (n: number) => DisplaySpectrogram['values']
    let frames = spec.frames
    let factor = 1
    while (frames > 2 * minFrames) {
      factor *= 2
      frames = Math.ceil(frames / 2)
      this.levels.push({ factor, frames, values: new Ctor(frames * spec.bins), built: 0 })
    }
  }

  /** True when every level is complete. */
  get done(): boolean {
    return this.levels.every((l) => l.built >= l.frames)
  }

  /**
   * Extends the levels over the first `loaded` frames of the original, working at most `budgetMs`;
   * returns true when nothing is left to do for now.
   */
  extend(loaded: number, budgetMs: number): boolean {
    const t0 = performance.now()
    const { bins } = this.#spec
    let src = this.#spec.values
    let srcFrames = this.#spec.frames
    let srcBuilt = Math.min(loaded, srcFrames)
    for (const level of this.levels) {
      const target = srcBuilt >= srcFrames ? level.frames : Math.floor(srcBuilt / 2)
      const dst = level.values
      while (level.built < target) {
        const j = level.built
        const a = 2 * j * bins
        const b = 2 * j + 1 < srcFrames ? a + bins : a
        const d = j * bins
        for (let i = 0; i < bins; i++) {
          const v0 = src[a + i]
          const v1 = src[b + i]
          dst[d + i] = v0 > v1 ? v0 : v1
        }
        level.built = j + 1
        if ((j & 31) === 31 && performance.now() - t0 > budgetMs) return false
      }
      src = dst
      srcFrames = level.frames
      srcBuilt = level.built
    }
    return true
  }
}

/**
 * Draws the spectrogram's visible window into `out` (packed RGBA, width * height, row 0 at the top).
 * Each column max-pools up to 4 frames of its time span (from the coarsest pyramid level that still
 * has at least one frame per column), each row max-pools the bins it covers.
 */
export function drawSpectrogram(
  out: Uint32Array,
  width: number,
  height: number,
  spec: DisplaySpectrogram,
  win: TimeWindow,
  opts: SpectrogramDrawOptions,
): void {
  const { bins, hop, sampleRate } = spec
  const rows = cachedRows(
    height,
    opts.axis,
    sampleRate / 2,
    sampleRate / spec.nFft,
    bins,
    opts.zoom,
  )
  const { lut } = opts
  // work in raw value units: idx = (v - rawLow) * k
  const rawLow = (opts.lowDb - spec.dbOffset) / spec.dbScale
  const rawHigh = (opts.highDb - spec.dbOffset) / spec.dbScale
  const k = rawHigh > rawLow ? 255 / (rawHigh - rawLow) : 0
  const column = new Float32Array(bins)
  const span = win.endSec - win.startSec
  const loaded = Math.min(spec.frames, opts.loadedFrames ?? spec.frames)
  // levels with at most one frame per column; per column the coarsest one already built there
  const framesPerColumn = ((span / Math.max(1, width)) * sampleRate) / hop
  const levels = (opts.pyramid?.levels ?? []).filter((l) => l.factor <= framesPerColumn)
  const framesPerSec = sampleRate / hop
  const rs = rows.start
  const re = rows.end
  for (let x = 0; x < width; x++) {
    const fa0 = (win.startSec + (x / width) * span) * framesPerSec
    const fb0 = (win.startSec + ((x + 1) / width) * span) * framesPerSec
    let values = spec.values
    let factor = 1
    let usable = loaded
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i]
      if (level.built * level.factor >= Math.min(fb0, loaded) || level.built >= level.frames) {
        values = level.values
        factor = level.factor
        usable = Math.min(level.built, Math.ceil(loaded / factor))
        break
      }
    }
    const fa = fa0 / factor
    const fb = fb0 / factor
    let n: number
    let f0: number
    let step: number
    if (fb - fa <= 1) {
      n = 1
      f0 = Math.round((fa + fb) / 2 - (factor > 1 ? 0.5 : 0))
      step = 0
    } else {
      n = Math.min(MAX_FRAMES_PER_COLUMN, Math.ceil(fb - fa))
      f0 = Math.max(0, Math.floor(fa))
      step = (fb - fa) / n
    }
    if (f0 < 0 || f0 >= usable) {
      for (let y = 0; y < height; y++) out[y * width + x] = BACKGROUND_PIXEL
      continue
    }
    let base = f0 * bins
    for (let b = 0; b < bins; b++) column[b] = values[base + b]
    for (let i = 1; i < n; i++) {
      const f = Math.min(usable - 1, Math.floor(fa + i * step))
      base = f * bins
      for (let b = 0; b < bins; b++) {
        const v = values[base + b]
        if (v > column[b]) column[b] = v
      }
    }
    for (let y = 0; y < height; y++) {
      let v = column[rs[y]]
      const e = re[y]
      for (let b = rs[y] + 1; b < e; b++) if (column[b] > v) v = column[b]
      let idx = (v - rawLow) * k + 0.5
      idx = idx < 0 ? 0 : idx > 255 ? 255 : idx
      out[y * width + x] = lut[idx | 0]
    }
  }
}

/** Which masks the overlay shows. */
export type MaskView = { kind: 'all' } | { kind: 'one'; index: number }

/** Options of drawMasks. */
export interface MaskDrawOptions {
  axis: FreqAxis
  /** The part of the frequency axis shown (default all). */
  zoom?: FreqZoom
  /** Top of the display, Hz (the spectrogram's Nyquist); the mask grid may end below it. */
  displayMaxHz: number
  /** [r, g, b] per source. */
  colours: [number, number, number][]
  view: MaskView
  /** 0..1. */
  opacity: number
}

/**
 * Draws the masks of the visible window into `out` (packed RGBA): with view 'all' each pixel is the
 * mask-weighted mix of the source colours (masks sum to 1, so it is a convex mix); with 'one' the
 * chosen source's colour with alpha proportional to its mask. Above the mask grid's Nyquist the top
 * bin is extended. Draws columns [x0, x1) only (for partial repaints).
 */
export function drawMasks(
  out: Uint32Array,
  width: number,
  height: number,
  m: DisplayMasks,
  win: TimeWindow,
  opts: MaskDrawOptions,
  x0 = 0,
  x1 = width,
): void {
  const rows = cachedRows(
    height,
    opts.axis,
    opts.displayMaxHz,
    m.sampleRate / m.nFft,
    m.bins,
    opts.zoom,
  )
  const mid = new Int32Array(height)
  for (let y = 0; y < height; y++) mid[y] = (rows.start[y] + rows.end[y] - 1) >> 1
  const framesPerSec = m.sampleRate / m.hop
  const span = win.endSec - win.startSec
  const alpha = Math.round(Math.min(1, Math.max(0, opts.opacity)) * 255)
  const k = m.k
  const scale = m.scale
  const cr = opts.colours.map((c) => c[0])
  const cg = opts.colours.map((c) => c[1])
  const cb = opts.colours.map((c) => c[2])
  const one = opts.view.kind === 'one' ? opts.view.index : -1
  for (let x = x0; x < x1; x++) {
    const f = Math.round((win.startSec + ((x + 0.5) / width) * span) * framesPerSec)
    if (f < 0 || f >= m.frames || alpha === 0) {
      for (let y = 0; y < height; y++) out[y * width + x] = 0
      continue
    }
    const base = f * m.bins
    if (one >= 0 && one < k) {
      const mask = m.masks[one]
      const r = cr[one]
      const g = cg[one]
      const b = cb[one]
      for (let y = 0; y < height; y++) {
        const a = (mask[base + mid[y]] * scale * alpha) | 0
        out[y * width + x] = ((a & 255) << 24) | (b << 16) | (g << 8) | r
      }
    } else {
      for (let y = 0; y < height; y++) {
        const i = base + mid[y]
        let r = 0
        let g = 0
        let b = 0
        for (let j = 0; j < k; j++) {
          const v = m.masks[j][i] * scale
          r += v * cr[j]
          g += v * cg[j]
          b += v * cb[j]
        }
        out[y * width + x] = (alpha << 24) | ((b & 255) << 16) | ((g & 255) << 8) | (r & 255)
      }
    }
  }
}

/** The time span of one pixel column, used to map pointer positions to time. */
export function xToTime(x: number, width: number, win: TimeWindow): number {
  return win.startSec + (x / Math.max(1, width)) * (win.endSec - win.startSec)
}

/** x position (pixels) of a time in the window. */
export function timeToX(t: number, width: number, win: TimeWindow): number {
  const span = win.endSec - win.startSec
  return span > 0 ? ((t - win.startSec) / span) * width : 0
}
