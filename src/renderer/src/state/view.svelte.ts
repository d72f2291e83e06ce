import { FULL_BAND, type FreqAxis, type FreqZoom } from '../lib/freq-scale'
import type { MaskView } from '../lib/raster'

/** Zoom limits, pixels per second of audio. */
export const MIN_PX_PER_SEC = 1
export const MAX_PX_PER_SEC = 2000
/** Each zoom step multiplies or divides pixels per second by this. */
export const ZOOM_STEP = 1.5

/**
 * How the editor shows the recording: zoom and scroll of the timeline, the spectrogram's frequency
 * axis and dB colour scale, and the mask overlay. Pure view state: nothing here touches audio.
 */
export class View {
  /** Pixels per second; 0 = fit the whole file in the window. */
  pxPerSec = $state(0)
  /** Visible window of the timeline, seconds (reported by the waveform). */
  startSec = $state(0)
  endSec = $state(0)
  /** Width of the timeline in CSS pixels (reported by the waveform). */
  widthPx = $state(0)
  axis = $state<FreqAxis>('log')
  /** Brightness offset added to every dB value. */
  gainDb = $state(0)
  /** Dynamic range shown, dB (quieter than max - range is black). */
  rangeDb = $state(90)
  /** Mask overlay opacity, 0..1. */
  maskOpacity = $state(0.75)
  /** Show every source's mask, or only the selected source's. */
  maskMode = $state<'all' | 'one'>('all')
  /** A scroll the overview asked for: the timeline's new start, seconds (the Editor applies it). */
  scrollRequest = $state.raw<{ startSec: number } | null>(null)
  /** The part of the frequency axis shown (positions 0..1 of the whole axis); FULL_BAND = all. */
  freqZoom = $state.raw<FreqZoom>(FULL_BAND)

  /** Seconds visible in the window. */
  readonly spanSec = $derived(Math.max(0, this.endSec - this.startSec))

  /** The dB range mapped to the colour scale, given the loudest value of the spectrogram. */
  colourRange(maxDb: number): { lowDb: number; highDb: number } {
    const highDb = maxDb - this.gainDb
    return { lowDb: highDb - this.rangeDb, highDb }
  }

  /** The overlay's mask view, given the selected source. */
  maskView(selected: number): MaskView {
    return this.maskMode === 'one' ? { kind: 'one', index: selected } : { kind: 'all' }
  }

  /** The zoom that fits `durationSec` into the window. */
  fitPxPerSec(durationSec: number): number {
    return durationSec > 0 && this.widthPx > 0 ? this.widthPx / durationSec : MIN_PX_PER_SEC
  }

  /** Zooms in one step (from "fit" the step starts at the fitting zoom). */
  zoomIn(durationSec: number): void {
    const current = this.pxPerSec || this.fitPxPerSec(durationSec)
    this.pxPerSec = Math.min(MAX_PX_PER_SEC, current * ZOOM_STEP)
  }

  /** Zooms out one step; reaching the fitting zoom goes back to "fit". */
  zoomOut(durationSec: number): void {
    if (this.pxPerSec === 0) return
    const next = this.pxPerSec / ZOOM_STEP
    this.pxPerSec = next <= this.fitPxPerSec(durationSec) ? 0 : Math.max(MIN_PX_PER_SEC, next)
  }

  /** Shows the whole file. */
  zoomToFit(): void {
    this.pxPerSec = 0
  }

  /**
   * Zooms the frequency axis by `factor` (> 1 in) keeping axis position `anchor` (0..1 of the whole
   * axis, 0 = bottom) where it is on screen; never narrower than 1/64 of the axis.
   */
  zoomFrequency(factor: number, anchor = (this.freqZoom.lo + this.freqZoom.hi) / 2): void {
    const { lo, hi } = this.freqZoom
    const span = clamp((hi - lo) / factor, 1 / 64, 1)
    const at = clamp((anchor - lo) / (hi - lo), 0, 1)
    const nlo = clamp(anchor - at * span, 0, 1 - span)
    this.setFrequencyRange(nlo, nlo + span)
  }

  /** Shows axis positions [lo, hi] (ordered, clamped, at least 1/64 apart); the whole axis again at [0, 1]. */
  setFrequencyRange(a: number, b: number): void {
    let lo = clamp(Math.min(a, b), 0, 1)
    let hi = clamp(Math.max(a, b), 0, 1)
    if (hi - lo < 1 / 64) {
      const mid = (lo + hi) / 2
      lo = clamp(mid - 1 / 128, 0, 1 - 1 / 64)
      hi = lo + 1 / 64
    }
    this.freqZoom = lo <= 0 && hi >= 1 ? FULL_BAND : { lo, hi }
  }

  /** Scrolls the timeline so that `centreSec` is in the middle of the window. */
  centreOn(centreSec: number, durationSec: number): void {
    const span = this.spanSec
    this.scrollRequest = {
      startSec: clamp(centreSec - span / 2, 0, Math.max(0, durationSec - span)),
    }
  }

  /** Sets the dB gain, clamped to [-60, 60]. */
  setGain(db: number): void {
    this.gainDb = clamp(Math.round(db), -60, 60)
  }

  /** Sets the dB range, clamped to [20, 160]. */
  setRange(db: number): void {
    this.rangeDb = clamp(Math.round(db), 20, 160)
  }

  /** Sets the overlay opacity, clamped to [0, 1]. */
  setMaskOpacity(v: number): void {
    this.maskOpacity = clamp(v, 0, 1)
  }

  /** Records the visible window the waveform reports. */
  setWindow(startSec: number, endSec: number, widthPx: number): void {
    this.startSec = startSec
    this.endSec = endSec
    this.widthPx = widthPx
  }
}

/** Clamps v to [lo, hi] (NaN gives lo). */
export function clamp(v: number, lo: number, hi: number): number {
  return v > hi ? hi : v >= lo ? v : lo
}
