/**
 * Frequency-axis maths shared by the spectrogram, the mask overlay, the rulers and (issue 5) the
 * brush, so a pixel always means the same bin everywhere. Position 0 is the bottom of the plot
 * (minHz), 1 the top (maxHz).
 */

/** How frequency is laid out vertically. */
export type FreqAxis = 'linear' | 'log' | 'mel'

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

/** Vertical position in [0, 1] (0 = bottom) of a frequency in Hz; clamps outside the axis. */
export function hzToPosition(hz: number, axis: FreqAxis, maxHz: number): number {
  const minHz = axisMinHz(axis, maxHz)
  const f = Math.min(Math.max(hz, minHz), maxHz)
  switch (axis) {
    case 'linear':
      return f / maxHz
    case 'log':
      return Math.log(f / minHz) / Math.log(maxHz / minHz)
    case 'mel':
      return hzToMel(f) / hzToMel(maxHz)
  }
}

/** Frequency in Hz at a vertical position in [0, 1] (0 = bottom). */
export function positionToHz(pos: number, axis: FreqAxis, maxHz: number): number {
  const p = Math.min(Math.max(pos, 0), 1)
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
): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(height)
  const end = new Int32Array(height)
  // row y covers the bins whose centre frequency lies in [hzLow, hzHigh); the top row also takes
  // the Nyquist bin; a row narrower than a bin takes the bin nearest its centre
  for (let y = 0; y < height; y++) {
    const hzHigh = positionToHz(1 - y / height, axis, maxHz)
    const hzLow = positionToHz(1 - (y + 1) / height, axis, maxHz)
    let b0 = Math.ceil(hzLow / binHz - 1e-9)
    let b1 = y === 0 ? bins : Math.ceil(hzHigh / binHz - 1e-9)
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

/** Pleasant tick frequencies (Hz) for a ruler on this axis, all within (minHz, maxHz]. */
export function frequencyTicks(axis: FreqAxis, maxHz: number, heightPx: number): number[] {
  const minHz = axisMinHz(axis, maxHz)
  const candidates: number[] = []
  if (axis === 'linear') {
    const target = Math.max(2, Math.floor(heightPx / 40))
    const raw = maxHz / target
    const step = niceStep(raw)
    for (let f = step; f < maxHz; f += step) candidates.push(f)
    return candidates
  }
  const base = [1, 2, 5]
  for (let decade = 10; decade <= maxHz; decade *= 10) {
    for (const b of base) {
      const f = b * decade
      if (f > minHz && f < maxHz) candidates.push(f)
    }
  }
  // drop ticks closer than ~18 px to the previous one
  const out: number[] = []
  let lastY = Infinity
  for (const f of candidates) {
    const y = (1 - hzToPosition(f, axis, maxHz)) * heightPx
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
