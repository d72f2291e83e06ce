/**
 * Frequency-axis maths shared by the spectrogram, the mask overlay, the rulers and (issue 5) the
 * brush, so a pixel always means the same bin everywhere. Position 0 is the bottom of the plot
 * (minHz), 1 the top (maxHz).
 */

/** How frequency is laid out vertically. */
export type FreqAxis = 'linear' | 'log' | 'mel'

/**
 * The part of the frequency axis on screen: positions [lo, hi] of the whole axis (0 = its bottom,
 * 1 its top). Every position below (hzToPosition, positionToHz, rowBinRanges, frequencyTicks) is a
 * screen position within this part, so a pixel means the same bin in every layer.
 */
export interface FreqZoom {
  lo: number
  hi: number
}

/** The whole axis. */
export const FULL_BAND: FreqZoom = Object.freeze({ lo: 0, hi: 1 })

/** Lowest frequency shown on the log axis, Hz (the linear and mel axes start at 0 Hz). */
export const LOG_MIN_HZ = 20

/** Hz -> mel (HTK formula). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700)
}

/** mel -> Hz (HTK formula). */
export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1)
}

/** Lowest frequency on this axis, Hz. */
export function axisMinHz(axis: FreqAxis, maxHz: number): number {
  return axis === 'log' ? Math.min(LOG_MIN_HZ, maxHz / 2) : 0
}

/**
 * Vertical screen position (0 = bottom of the plot, 1 = top) of a frequency in Hz, with `zoom` the
 * part of the axis shown; clamps to the axis (a zoomed view gives positions outside [0, 1] there).
 */
export function hzToPosition(
  hz: number,
  axis: FreqAxis,
  maxHz: number,
  zoom: FreqZoom = FULL_BAND,
): number {
  const minHz = axisMinHz(axis, maxHz)
  const f = Math.min(Math.max(hz, minHz), maxHz)
  let p: number
  switch (axis) {
    case 'linear':
      p = f / maxHz
      break
    case 'log':
      p = Math.log(f / minHz) / Math.log(maxHz / minHz)
      break
    case 'mel':
      p = hzToMel(f) / hzToMel(maxHz)
      break
  }
  return zoom === FULL_BAND ? p : (p - zoom.lo) / (zoom.hi - zoom.lo)
}

/** Frequency in Hz at a vertical screen position (0 = bottom), with `zoom` the part of the axis shown. */
export function positionToHz(
  pos: number,
  axis: FreqAxis,
  maxHz: number,
  zoom: FreqZoom = FULL_BAND,
): number {
  const p = Math.min(Math.max(zoom.lo + pos * (zoom.hi - zoom.lo), 0), 1)
  switch (axis) {
    case 'linear':
      return p * maxHz
    case 'log': {
      const minHz = axisMinHz(axis, maxHz)
      return minHz * (maxHz / minHz) ** p
    }
    case 'mel':
      return melToHz(p * hzToMel(maxHz))
  }
}

/**
 * For each of `height` pixel rows (row 0 at the top), the half-open range of STFT bins it covers:
 * bins [start[y], end[y]) with end > start. binHz = sampleRate / nFft; bins = nFft / 2 + 1.
 * Rows above the last bin reuse the last bin (used when a mask grid ends below the display's top).
 */
export function rowBinRanges(
  height: number,
  axis: FreqAxis,
  maxHz: number,
  binHz: number,
  bins: number,
  zoom: FreqZoom = FULL_BAND,
): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(height)
  const end = new Int32Array(height)
  // row y covers the bins whose centre frequency lies in [hzLow, hzHigh); the top row also takes
  // the Nyquist bin; a row narrower than a bin takes the bin nearest its centre
  for (let y = 0; y < height; y++) {
    const hzHigh = positionToHz(1 - y / height, axis, maxHz, zoom)
    const hzLow = positionToHz(1 - (y + 1) / height, axis, maxHz, zoom)
    let b0 = Math.ceil(hzLow / binHz - 1e-9)
    let b1 = y === 0 && zoom.hi >= 1 ? bins : Math.ceil(hzHigh / binHz - 1e-9)
    if (b1 <= b0) {
      b0 = Math.round((hzLow + hzHigh) / 2 / binHz)
      b1 = b0 + 1
    }
    b0 = Math.min(Math.max(b0, 0), bins - 1)
    b1 = Math.min(Math.max(b1, b0 + 1), bins)
    start[y] = b0
    end[y] = b1
  }
  return { start, end }
}

/** Pleasant tick frequencies (Hz) for a ruler on this axis, all within the part `zoom` shows. */
export function frequencyTicks(
  axis: FreqAxis,
  maxHz: number,
  heightPx: number,
  zoom: FreqZoom = FULL_BAND,
): number[] {
  const minHz = axisMinHz(axis, maxHz)
  const lowHz = positionToHz(0, axis, maxHz, zoom)
  const highHz = positionToHz(1, axis, maxHz, zoom)
  const candidates: number[] = []
  if (axis === 'linear') {
    const target = Math.max(2, Math.floor(heightPx / 40))
    const raw = (highHz - lowHz) / target
    const step = niceStep(raw)
    for (let f = Math.ceil(lowHz / step) * step || step; f < highHz; f += step) candidates.push(f)
    return candidates
  }
  const base = [1, 2, 5]
  for (let decade = 10; decade <= maxHz; decade *= 10) {
    for (const b of base) {
      const f = b * decade
      if (f > minHz && f < maxHz && f >= lowHz && f <= highHz) candidates.push(f)
    }
  }
  // a zoomed log or mel axis may hold no 1-2-5 value: ticks at nice steps of its span then
  if (candidates.length < 2 && zoom !== FULL_BAND) {
    const step = niceStep((highHz - lowHz) / Math.max(2, Math.floor(heightPx / 40)))
    candidates.length = 0
    for (let f = Math.ceil(lowHz / step) * step; f < highHz; f += step) candidates.push(f)
  }
  // drop ticks closer than ~18 px to the previous one
  const out: number[] = []
  let lastY = Infinity
  for (const f of candidates) {
    const y = (1 - hzToPosition(f, axis, maxHz, zoom)) * heightPx
    if (lastY - y >= 18) {
      out.push(f)
      lastY = y
    }
  }
  return out
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p
  return 10 * p
}

/** "440 Hz", "2.5 kHz". */
export function formatHz(hz: number): string {
  if (hz >= 1000) {
    const k = hz / 1000
    return `${Number.isInteger(k) ? k : k.toFixed(1)} kHz`
  }
  return `${Math.round(hz)} Hz`
}
