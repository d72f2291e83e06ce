import type WaveSurfer from 'wavesurfer.js'
import type { TimeWindow } from '../lib/raster'

/**
 * The visible time window of a wavesurfer instance, read from its scroll container: the
 * spectrogram and overlay canvases sit outside wavesurfer's scroller and draw this window only.
 */
export function visibleWindow(ws: WaveSurfer): TimeWindow & { widthPx: number } {
  const duration = ws.getDuration() || 0
  const widthPx = ws.getWidth() || 0
  const total = ws.getWrapper().scrollWidth || widthPx
  if (duration <= 0 || total <= 0) return { startSec: 0, endSec: duration, widthPx }
  const scroll = ws.getScroll()
  const startSec = (scroll / total) * duration
  const endSec = (Math.min(total, scroll + widthPx) / total) * duration
  return { startSec, endSec: Math.max(endSec, startSec + 1e-6), widthPx }
}

/** A requestAnimationFrame-coalesced callback: many schedule() calls, one run per frame. */
export function frameCoalescer(run: () => void): { schedule(): void; cancel(): void } {
  let id: number | null = null
  const raf: (cb: () => void) => number =
    typeof requestAnimationFrame === 'function'
      ? requestAnimationFrame
      : (cb) => setTimeout(cb, 16) as unknown as number
  const caf: (id: number) => void =
    typeof cancelAnimationFrame === 'function' ? cancelAnimationFrame : (i) => clearTimeout(i)
  return {
    schedule() {
      if (id !== null) return
      id = raf(() => {
        id = null
        run()
      })
    },
    cancel() {
      if (id !== null) caf(id)
      id = null
    },
  }
}

/** Sizes a canvas's backing store to its CSS box (device-pixel ratio capped at `maxDpr`); true when changed. */
export function fitCanvas(
  canvas: HTMLCanvasElement,
  cssWidth: number,
  cssHeight: number,
  maxDpr = 1,
): boolean {
  const dpr = Math.min(maxDpr, typeof devicePixelRatio === 'number' ? devicePixelRatio : 1)
  const w = Math.max(1, Math.round(cssWidth * dpr))
  const h = Math.max(1, Math.round(cssHeight * dpr))
  if (canvas.width === w && canvas.height === h) return false
  canvas.width = w
  canvas.height = h
  return true
}
