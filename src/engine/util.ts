import type { SourceGrid, SourceMasks } from './types'

/** Throws the signal's reason (a DOMException 'AbortError' by default) when it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError')
}

/** Yields to the event loop (so progress can be shown and an abort can arrive). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/** The grid of masks without their arrays (never spread a SourceMasks: its arrays may be lazy). */
export function maskGrid(m: SourceGrid): SourceGrid {
  return {
    k: m.k,
    sampleRate: m.sampleRate,
    nFft: m.nFft,
    hop: m.hop,
    frames: m.frames,
    bins: m.bins,
  }
}

/**
 * Masks stored as bytes (value x scale, as main sends them for display) or floats, as float
 * SourceMasks (copies): what the renderer's editor and the bench start editing from.
 */
export function floatMasks(
  m: SourceGrid & { masks: (Float32Array | Uint8Array)[]; scale: number },
): SourceMasks {
  const n = m.frames * m.bins
  const masks = m.masks.map((x) => {
    if (x instanceof Float32Array && m.scale === 1) return x.slice()
    const o = new Float32Array(n)
    for (let i = 0; i < n; i++) o[i] = x[i]! * m.scale
    return o
  })
  return { ...maskGrid(m), masks }
}
