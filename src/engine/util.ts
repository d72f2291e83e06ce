import type { SourceMasks } from './types'

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
export function maskGrid(m: SourceMasks): Omit<SourceMasks, 'masks'> {
  return {
    k: m.k,
    sampleRate: m.sampleRate,
    nFft: m.nFft,
    hop: m.hop,
    frames: m.frames,
    bins: m.bins,
  }
}
