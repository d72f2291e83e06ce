import BasePlugin, { type BasePluginEvents } from 'wavesurfer.js/dist/base-plugin.js'
import { parseHex } from '../lib/colour'
import type { FreqAxis, FreqZoom } from '../lib/freq-scale'
import {
  drawMasks,
  timeToX,
  type DisplayMasks,
  type MaskView,
  type TimeWindow,
} from '../lib/raster'
import { fitCanvas, frameCoalescer, visibleWindow } from './timeline-view'
import { overlayCanvas } from './overlay-canvas'

/** Events of the mask overlay plugin. */
export type MaskOverlayEvents = BasePluginEvents & {
  /** A full overlay frame finished: milliseconds of drawing it took (summed over slices). */
  draw: [ms: number]
}

/** Options of the mask overlay plugin. */
export interface MaskOverlayOptions {
  /** The spectrogram's host element; the overlay canvas is layered over the spectrogram. */
  container: HTMLElement
}

/** How the masks are shown. */
export interface MaskOverlayStyle {
  axis: FreqAxis
  /** The part of the frequency axis shown (default all). */
  zoom?: FreqZoom
  /** Top of the display (the spectrogram's Nyquist), Hz. */
  displayMaxHz: number
  /** "#rrggbb" per source. */
  colours: string[]
  view: MaskView
  /** 0..1. */
  opacity: number
}

/** Milliseconds of drawing per animation frame before the rest is left for the next frame. */
const SLICE_BUDGET_MS = 12
/** Columns drawn between budget checks. */
const SLICE_COLUMNS = 64

/**
 * Colours the spectrogram with the source masks: every source in its own colour (all at once,
 * or one), with an opacity. The canvas blends with CSS `mix-blend-mode: color`, so the
 * spectrogram's brightness shows through and silence stays dark. Draws the visible window only,
 * in time-budgeted column slices (no long main-thread task), and repaints just the columns of an
 * edited time range (invalidateTime) for the brush of issue 5.
 */
export class MaskOverlayPlugin extends BasePlugin<MaskOverlayEvents, MaskOverlayOptions> {
  #canvas: HTMLCanvasElement
  #ctx: CanvasRenderingContext2D | null
  #masks: DisplayMasks | null = null
  #style: MaskOverlayStyle = {
    axis: 'log',
    displayMaxHz: 22050,
    colours: [],
    view: { kind: 'all' },
    opacity: 0.75,
  }
  #rgb: [number, number, number][] = []
  #image: ImageData | null = null
  #window: TimeWindow = { startSec: 0, endSec: 0 }
  /** Columns [from, to) still to draw for the current frame. */
  #pending: { from: number; to: number } | null = null
  #frameMs = 0
  #frame = frameCoalescer(() => this.#drawSlice())
  #resizeObserver: ResizeObserver | null = null
  /** New masks not yet fully drawn (for the 'unweave:overlay-updated' mark). */
  #fresh = false

  constructor(options: MaskOverlayOptions) {
    super(options)
    const { canvas, ctx } = overlayCanvas(options.container, 'uw-mask-overlay', 1, {
      mixBlendMode: 'color',
    })
    this.#canvas = canvas
    this.#ctx = ctx
  }

  /** Plugin entry point (called by wavesurfer). */
  protected override onInit(): void {
    const ws = this.wavesurfer
    if (!ws) return
    this.options.container.append(this.#canvas)
    const redraw = () => this.#invalidateAll()
    this.subscriptions.push(
      ws.on('scroll', redraw),
      ws.on('zoom', redraw),
      ws.on('redraw', redraw),
      ws.on('resize', redraw),
    )
    if (typeof ResizeObserver === 'function') {
      this.#resizeObserver = new ResizeObserver(redraw)
      this.#resizeObserver.observe(this.options.container)
    }
    this.#invalidateAll()
  }

  /** Sets (or clears) the masks to show; new masks mark 'unweave:overlay-updated' once fully drawn. */
  setMasks(masks: DisplayMasks | null): void {
    if (masks === this.#masks) return
    this.#masks = masks
    this.#fresh = masks !== null
    this.#invalidateAll()
  }

  /** Sets colours, view, opacity and axis. */
  setStyle(style: MaskOverlayStyle): void {
    this.#style = { ...style, colours: [...style.colours] }
    this.#rgb = style.colours.map(parseHex)
    this.#invalidateAll()
  }

  /** The masks changed between these times (an edit): repaints only those columns. */
  invalidateTime(startSec: number, endSec: number): void {
    const width = this.#canvas.width
    const win = this.#window
    const a = Math.max(0, Math.floor(timeToX(startSec, width, win)) - 1)
    const b = Math.min(width, Math.ceil(timeToX(endSec, width, win)) + 1)
    if (b <= a) return
    this.#pending = this.#pending
      ? { from: Math.min(this.#pending.from, a), to: Math.max(this.#pending.to, b) }
      : { from: a, to: b }
    this.#frame.schedule()
  }

  /** Draws everything pending now, without slicing (tests, screenshots). */
  drawNow(): void {
    this.#prepare()
    if (this.#pending) this.#drawColumns(this.#pending.from, this.#pending.to)
    this.#flush(0, this.#canvas.width)
    this.#pending = null
  }

  /** Removes the canvas and listeners. */
  override destroy(): void {
    this.#frame.cancel()
    this.#resizeObserver?.disconnect()
    this.#resizeObserver = null
    this.#canvas.remove()
    this.#image = null
    this.#masks = null
    super.destroy()
  }

  #invalidateAll(): void {
    this.#pending = { from: 0, to: Number.MAX_SAFE_INTEGER }
    this.#frameMs = 0
    this.#frame.schedule()
  }

  /** Sizes the canvas and buffer and reads the window; resets pending to the full width when they change. */
  #prepare(): void {
    const ws = this.wavesurfer
    if (!ws || !this.#ctx) return
    const { container } = this.options
    const resized = fitCanvas(this.#canvas, container.clientWidth, container.clientHeight)
    const w = this.#canvas.width
    const h = this.#canvas.height
    const { startSec, endSec } = visibleWindow(ws)
    const moved = startSec !== this.#window.startSec || endSec !== this.#window.endSec
    this.#window = { startSec, endSec }
    if (!this.#image || this.#image.width !== w || this.#image.height !== h)
      this.#image = this.#ctx.createImageData(w, h)
    if (resized || moved) this.#pending = { from: 0, to: w }
    if (this.#pending)
      this.#pending = { from: Math.max(0, this.#pending.from), to: Math.min(w, this.#pending.to) }
  }

  #drawColumns(from: number, to: number): void {
    if (!this.#image) return
    const w = this.#image.width
    const h = this.#image.height
    const px = new Uint32Array(this.#image.data.buffer)
    const m = this.#masks
    const win = this.#window
    if (!m || this.#style.opacity <= 0 || win.endSec <= win.startSec || this.#rgb.length < m.k) {
      for (let y = 0; y < h; y++) px.fill(0, y * w + from, y * w + to)
      return
    }
    drawMasks(
      px,
      w,
      h,
      m,
      win,
      {
        axis: this.#style.axis,
        ...(this.#style.zoom ? { zoom: this.#style.zoom } : {}),
        displayMaxHz: this.#style.displayMaxHz,
        colours: this.#rgb,
        view: this.#style.view,
        opacity: this.#style.opacity,
      },
      from,
      to,
    )
  }

  #flush(from: number, to: number): void {
    if (!this.#ctx || !this.#image || to <= from) return
    this.#ctx.putImageData(this.#image, 0, 0, from, 0, to - from, this.#image.height)
  }

  #drawSlice(): void {
    this.#prepare()
    const pending = this.#pending
    if (!pending || !this.#image) return
    const t0 = performance.now()
    let x = pending.from
    while (x < pending.to) {
      const end = Math.min(pending.to, x + SLICE_COLUMNS)
      this.#drawColumns(x, end)
      x = end
      if (performance.now() - t0 > SLICE_BUDGET_MS) break
    }
    this.#flush(pending.from, x)
    const t1 = performance.now()
    this.#frameMs += t1 - t0
    // one entry per slice: the e2e reads how long a brush dab's repaint took
    performance.measure?.('overlay:slice', {
      start: t0,
      end: t1,
      detail: { columns: x - pending.from },
    })
    if (x < pending.to) {
      this.#pending = { from: x, to: pending.to }
      this.#frame.schedule()
    } else {
      this.#pending = null
      const ms = this.#frameMs
      this.#frameMs = 0
      this.options.container.dataset.overlayDrawMs = ms.toFixed(1)
      this.options.container.dataset.overlayK = String(this.#masks?.k ?? 0)
      if (this.#fresh && this.#masks) {
        this.#fresh = false
        performance.mark?.('unweave:overlay-updated')
      }
      this.emit('draw', ms)
    }
  }
}
