/**
 * The wavesurfer plugin that draws the engine's spectrogram of the visible window, its time and
 * frequency rulers, the loop shade and the playhead. Over 500 lines: these layers share one view
 * (window, frequency zoom, sizes) and one redraw; the pixel kernels are lib/raster.ts and the
 * axis maths lib/freq-scale.ts.
 */
import BasePlugin, { type BasePluginEvents } from 'wavesurfer.js/dist/base-plugin.js'
import { colourLut, type ColourMapName } from '../lib/colour'
import {
  FULL_BAND,
  formatHz,
  frequencyTicks,
  hzToPosition,
  positionToHz,
  type FreqAxis,
  type FreqZoom,
} from '../lib/freq-scale'
import {
  SpectrogramPyramid,
  drawSpectrogram,
  timeToX,
  xToTime,
  type DisplaySpectrogram,
  type TimeWindow,
} from '../lib/raster'
import { overlayCanvas, overlayStyle } from './overlay-canvas'
import { fitCanvas, frameCoalescer, visibleWindow } from './timeline-view'

/** Events of the spectrogram plugin. */
export type SpectrogramPluginEvents = BasePluginEvents & {
  /** A frame was drawn: milliseconds it took and the window drawn. */
  draw: [ms: number, window: TimeWindow]
  /** The user clicked the spectrogram at this time (seconds). */
  seek: [timeSec: number]
  /** Ctrl/Cmd + wheel (or a pinch) over the spectrogram: zoom by `factor` keeping `timeSec` in place. */
  zoom: [factor: number, timeSec: number]
  /** Shift + wheel: zoom the frequency axis by `factor` keeping `anchor` (whole-axis position) in place. */
  'freq-zoom': [factor: number, anchor: number]
  /** A drag on the frequency ruler: show whole-axis positions [lo, hi]; null = the whole axis (double-click). */
  'freq-range': [range: { lo: number; hi: number } | null]
  /** The pointer moved over the spectrogram (time in s, frequency in Hz), or left it (null). */
  hover: [position: { timeSec: number; hz: number } | null]
}

/** Options of the spectrogram plugin. */
export interface SpectrogramPluginOptions {
  /** Host element of the spectrogram canvas (sized by CSS; the plugin fills it). */
  container: HTMLElement
  /** Host element of the time ruler canvas. */
  timeRuler?: HTMLElement
  /** Host element of the frequency ruler canvas. */
  freqRuler?: HTMLElement
}

/** How the spectrogram is coloured and laid out. */
export interface SpectrogramDisplay {
  axis: FreqAxis
  /** The part of the frequency axis shown. */
  zoom: FreqZoom
  lowDb: number
  highDb: number
  colourMap: ColourMapName
}

const RULER_FONT = '10px system-ui, sans-serif'
const RULER_TEXT = '#9aa3b2'
const RULER_TICK = '#4a5160'

/**
 * Draws the engine-computed dB spectrogram (the whole band at the file's own rate) in step with a
 * wavesurfer timeline, with time and frequency rulers, the loop region and a playhead. Only the
 * visible window is drawn (viewport-sized canvas outside wavesurfer's scroller), so zooming and
 * scrolling a 30-minute file costs the same as a 3-second one.
 */
export class SpectrogramPlugin extends BasePlugin<
  SpectrogramPluginEvents,
  SpectrogramPluginOptions
> {
  #canvas: HTMLCanvasElement
  #ctx: CanvasRenderingContext2D | null
  #playhead: HTMLDivElement
  #loopShade: HTMLDivElement
  #timeCanvas: HTMLCanvasElement | null = null
  #freqCanvas: HTMLCanvasElement | null = null
  #data: DisplaySpectrogram | null = null
  #display: SpectrogramDisplay = {
    axis: 'log',
    zoom: FULL_BAND,
    lowDb: -100,
    highDb: 0,
    colourMap: 'magma',
  }
  #image: ImageData | null = null
  #window: TimeWindow = { startSec: 0, endSec: 0 }
  #time = 0
  #loop: { startSec: number; endSec: number } | null = null
  #frame = frameCoalescer(() => this.drawNow())
  #resizeObserver: ResizeObserver | null = null
  #drawnOnce = false
  #seekOnClick = true
  #loaded = 0
  #pyramid: SpectrogramPyramid | null = null
  #buildTimer: ReturnType<typeof setTimeout> | null = null
  #lastBuildDraw = 0

  constructor(options: SpectrogramPluginOptions) {
    super(options)
    const doc = options.container.ownerDocument
    // the spectrogram and the rulers' canvases take pointer events (seek, zoom, band drags)
    const takesPointer = { pointerEvents: '' }
    ;({ canvas: this.#canvas, ctx: this.#ctx } = overlayCanvas(
      options.container,
      'uw-spectrogram-canvas',
      0,
      takesPointer,
    ))
    this.#loopShade = doc.createElement('div')
    Object.assign(
      this.#loopShade.style,
      overlayStyle(3, {
        display: 'none',
        background: 'rgba(120, 170, 255, 0.12)',
        borderLeft: '1px solid rgba(140, 190, 255, 0.8)',
        borderRight: '1px solid rgba(140, 190, 255, 0.8)',
      }),
    )
    this.#playhead = doc.createElement('div')
    this.#playhead.className = 'uw-playhead'
    Object.assign(
      this.#playhead.style,
      overlayStyle(4, {
        width: '1px',
        left: '0px',
        right: 'auto',
        background: '#ffffff',
        boxShadow: '0 0 3px rgba(0,0,0,0.8)',
      }),
    )
    if (options.timeRuler)
      this.#timeCanvas = overlayCanvas(options.timeRuler, '', 0, takesPointer).canvas
    if (options.freqRuler)
      this.#freqCanvas = overlayCanvas(options.freqRuler, '', 0, takesPointer).canvas
  }

  /** Plugin entry point (called by wavesurfer). */
  protected override onInit(): void {
    const ws = this.wavesurfer
    if (!ws) return
    const { container, timeRuler, freqRuler } = this.options
    container.append(this.#canvas, this.#loopShade, this.#playhead)
    if (this.#timeCanvas && timeRuler) timeRuler.append(this.#timeCanvas)
    if (this.#freqCanvas && freqRuler) freqRuler.append(this.#freqCanvas)
    const redraw = () => this.#frame.schedule()
    this.subscriptions.push(
      ws.on('scroll', redraw),
      ws.on('zoom', redraw),
      ws.on('redraw', redraw),
      ws.on('resize', redraw),
      ws.on('ready', redraw),
      ws.on('timeupdate', (t) => this.setTime(t)),
    )
    const onClick = (e: MouseEvent) => {
      if (e.button !== 0 || !this.#seekOnClick) return
      this.emit('seek', this.timeAt(e.clientX))
    }
    // the wheel conventions of audio editors: wheel and trackpad swipes scroll time, Ctrl/Cmd +
    // wheel (a trackpad pinch arrives as that) zooms time around the pointer, Shift + wheel zooms
    // the frequency axis around the pointer
    const onWheel = (e: WheelEvent) => {
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault()
        this.emit('zoom', e.deltaY < 0 ? 1.25 : 1 / 1.25, this.timeAt(e.clientX))
      } else if (e.shiftKey && Math.abs(e.deltaY) >= Math.abs(e.deltaX)) {
        e.preventDefault()
        this.emit('freq-zoom', e.deltaY < 0 ? 1.25 : 1 / 1.25, this.#axisPositionAt(e.clientY))
      } else {
        // nothing scrolls vertically here: both wheel axes pan the timeline
        e.preventDefault()
        const d = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY
        ws.setScroll(ws.getScroll() + d)
      }
    }
    const onMove = (e: PointerEvent) =>
      this.emit('hover', { timeSec: this.timeAt(e.clientX), hz: this.hzAt(e.clientY) })
    const onLeave = () => this.emit('hover', null)
    if (freqRuler) this.subscriptions.push(this.#rulerDrag(freqRuler))
    container.addEventListener('click', onClick)
    container.addEventListener('wheel', onWheel, { passive: false })
    container.addEventListener('pointermove', onMove)
    container.addEventListener('pointerleave', onLeave)
    this.subscriptions.push(() => {
      container.removeEventListener('click', onClick)
      container.removeEventListener('wheel', onWheel)
      container.removeEventListener('pointermove', onMove)
      container.removeEventListener('pointerleave', onLeave)
    })
    if (typeof ResizeObserver === 'function') {
      this.#resizeObserver = new ResizeObserver(redraw)
      this.#resizeObserver.observe(container)
      if (freqRuler) this.#resizeObserver.observe(freqRuler)
    }
    redraw()
  }

  /** Sets (or clears) the spectrogram to show; a new one marks 'unweave:spectrogram-shown' when first drawn. */
  setData(data: DisplaySpectrogram | null, loadedFrames = data?.frames ?? 0): void {
    if (data === this.#data) return this.refresh(loadedFrames)
    this.#data = data
    this.#loaded = loadedFrames
    this.#drawnOnce = false
    this.#pyramid = data ? new SpectrogramPyramid(data) : null
    this.#buildPyramid()
    this.#frame.schedule()
  }

  /** The data's buffer was filled in place up to `loadedFrames` (pages arriving): draw again. */
  refresh(loadedFrames = this.#data?.frames ?? 0): void {
    this.#loaded = loadedFrames
    this.#buildPyramid()
    this.#frame.schedule()
  }

  /** Extends the zoomed-out copies in 8 ms steps between other work, redrawing as they grow. */
  #buildPyramid(): void {
    if (this.#buildTimer !== null || !this.#pyramid || this.#pyramid.levels.length === 0) return
    const step = () => {
      this.#buildTimer = null
      const pyramid = this.#pyramid
      if (!pyramid || this.destroyed) return
      const done = pyramid.extend(this.#loaded, 8)
      // redraw with the new copies now and then, not after every step
      const now = performance.now()
      if (done || now - this.#lastBuildDraw > 250) {
        this.#lastBuildDraw = now
        this.#frame.schedule()
      }
      if (!done) this.#buildTimer = setTimeout(step, 0)
    }
    this.#buildTimer = setTimeout(step, 0)
  }

  /** Sets the axis and colour scale. */
  setDisplay(display: SpectrogramDisplay): void {
    const d = this.#display
    if (
      d.axis === display.axis &&
      d.zoom.lo === display.zoom.lo &&
      d.zoom.hi === display.zoom.hi &&
      d.lowDb === display.lowDb &&
      d.highDb === display.highDb &&
      d.colourMap === display.colourMap
    )
      return
    this.#display = { ...display }
    this.#frame.schedule()
  }

  /**
   * Whether a click seeks (the default). Issue 5's mask tools turn it off while a tool is active
   * and handle the pointer themselves in their own plugin layer over this one.
   */
  setSeekOnClick(on: boolean): void {
    this.#seekOnClick = on
  }

  /** Shows a loop region (or none). */
  setLoop(loop: { startSec: number; endSec: number } | null): void {
    this.#loop = loop
    this.#placeOverlays()
  }

  /** Moves the playhead. */
  setTime(timeSec: number): void {
    this.#time = timeSec
    this.#placeOverlays()
  }

  /** The window drawn last. */
  getWindow(): TimeWindow {
    return this.#window
  }

  /** Time (s) under a viewport x coordinate. */
  timeAt(clientX: number): number {
    const rect = this.options.container.getBoundingClientRect()
    return Math.max(0, xToTime(clientX - rect.left, rect.width, this.#currentWindow()))
  }

  /** Frequency (Hz) under a viewport y coordinate. */
  hzAt(clientY: number): number {
    const rect = this.options.container.getBoundingClientRect()
    const pos = 1 - (clientY - rect.top) / Math.max(1, rect.height)
    return positionToHz(pos, this.#display.axis, this.#maxHz(), this.#display.zoom)
  }

  /** Whole-axis position (0 = bottom of the axis, 1 = its top) under a viewport y, zoom included. */
  #axisPositionAt(clientY: number): number {
    const el = this.options.freqRuler ?? this.options.container
    const rect = el.getBoundingClientRect()
    const pos = 1 - (clientY - rect.top) / Math.max(1, rect.height)
    const { lo, hi } = this.#display.zoom
    return Math.min(1, Math.max(0, lo + pos * (hi - lo)))
  }

  /** Drag on the frequency ruler: zoom to the band dragged over; double-click: the whole axis. */
  #rulerDrag(ruler: HTMLElement): () => void {
    let from: number | null = null
    let pointer = -1
    const band = document.createElement('div')
    Object.assign(band.style, {
      position: 'absolute',
      left: '0',
      right: '0',
      display: 'none',
      background: 'rgba(255, 224, 102, 0.25)',
      borderTop: '1px solid #ffe066',
      borderBottom: '1px solid #ffe066',
      pointerEvents: 'none',
    })
    if (getComputedStyle(ruler).position === 'static') ruler.style.position = 'relative'
    ruler.append(band)
    ruler.style.cursor = 'ns-resize'
    ruler.title = 'Drag to zoom into a band of frequencies; double-click for all of them'
    const yOf = (e: PointerEvent) => e.clientY - ruler.getBoundingClientRect().top
    const down = (e: PointerEvent) => {
      if (e.button !== 0) return
      e.preventDefault()
      from = yOf(e)
      pointer = e.pointerId
      try {
        ruler.setPointerCapture(e.pointerId)
      } catch {
        // synthetic events have no active pointer
      }
    }
    const move = (e: PointerEvent) => {
      if (from === null || e.pointerId !== pointer) return
      const y = yOf(e)
      Object.assign(band.style, {
        display: 'block',
        top: `${Math.min(from, y)}px`,
        height: `${Math.abs(y - from)}px`,
      })
    }
    const up = (e: PointerEvent) => {
      if (from === null || e.pointerId !== pointer) return
      const a = from
      from = null
      band.style.display = 'none'
      if (Math.abs(yOf(e) - a) < 4) return // a click, not a drag
      const top = ruler.getBoundingClientRect().top
      this.emit('freq-range', {
        lo: this.#axisPositionAt(Math.max(a, yOf(e)) + top),
        hi: this.#axisPositionAt(Math.min(a, yOf(e)) + top),
      })
    }
    const reset = () => this.emit('freq-range', null)
    ruler.addEventListener('pointerdown', down)
    ruler.addEventListener('pointermove', move)
    ruler.addEventListener('pointerup', up)
    ruler.addEventListener('dblclick', reset)
    return () => {
      ruler.removeEventListener('pointerdown', down)
      ruler.removeEventListener('pointermove', move)
      ruler.removeEventListener('pointerup', up)
      ruler.removeEventListener('dblclick', reset)
      band.remove()
    }
  }

  /** Draws the visible window now (normally called once per animation frame). */
  drawNow(): void {
    const ws = this.wavesurfer
    if (!ws || !this.#ctx) return
    const t0 = performance.now()
    const win = this.#currentWindow()
    this.#window = win
    const { container } = this.options
    const cssW = container.clientWidth
    const cssH = container.clientHeight
    fitCanvas(this.#canvas, cssW, cssH)
    const w = this.#canvas.width
    const h = this.#canvas.height
    const data = this.#data
    if (data && w > 1 && h > 1 && win.endSec > win.startSec) {
      if (!this.#image || this.#image.width !== w || this.#image.height !== h)
        this.#image = this.#ctx.createImageData(w, h)
      // catch the zoomed-out copies up with the pages that just arrived (bounded), then draw
      this.#pyramid?.extend(this.#loaded, 4)
      const pixels = new Uint32Array(this.#image.data.buffer)
      drawSpectrogram(pixels, w, h, data, win, {
        axis: this.#display.axis,
        zoom: this.#display.zoom,
        lut: colourLut(this.#display.colourMap),
        lowDb: this.#display.lowDb,
        highDb: this.#display.highDb,
        loadedFrames: this.#loaded,
        ...(this.#pyramid ? { pyramid: this.#pyramid } : {}),
      })
      this.#ctx.putImageData(this.#image, 0, 0)
      if (!this.#drawnOnce) {
        this.#drawnOnce = true
        container.dataset.drawn = 'true'
        performance.mark?.('unweave:spectrogram-shown')
      }
    } else {
      this.#ctx.fillStyle = '#0a0a0d'
      this.#ctx.fillRect(0, 0, w, h)
      delete container.dataset.drawn
    }
    this.#drawTimeRuler(win)
    this.#drawFreqRuler()
    this.#placeOverlays()
    const ms = performance.now() - t0
    container.dataset.lastDrawMs = ms.toFixed(1)
    if (ms > 50) performance.measure?.('ui:slow-spectrogram-draw', { start: t0, end: t0 + ms })
    this.emit('draw', ms, win)
  }

  /** Removes the canvases and listeners. */
  override destroy(): void {
    this.#frame.cancel()
    if (this.#buildTimer !== null) clearTimeout(this.#buildTimer)
    this.#buildTimer = null
    this.#pyramid = null
    this.#resizeObserver?.disconnect()
    this.#resizeObserver = null
    this.#canvas.remove()
    this.#playhead.remove()
    this.#loopShade.remove()
    this.#timeCanvas?.remove()
    this.#freqCanvas?.remove()
    this.#image = null
    this.#data = null
    super.destroy()
  }

  #maxHz(): number {
    return this.#data ? this.#data.sampleRate / 2 : 22050
  }

  #currentWindow(): TimeWindow {
    if (!this.wavesurfer) return this.#window
    const { startSec, endSec } = visibleWindow(this.wavesurfer)
    return { startSec, endSec }
  }

  #placeOverlays(): void {
    const width = this.options.container.clientWidth
    const win = this.#window
    const x = timeToX(this.#time, width, win)
    const inView =
      this.#time >= win.startSec && this.#time <= win.endSec && win.endSec > win.startSec
    this.#playhead.style.display = inView ? 'block' : 'none'
    this.#playhead.style.transform = `translateX(${Math.round(x)}px)`
    if (this.#loop && win.endSec > win.startSec) {
      const a = Math.max(0, timeToX(this.#loop.startSec, width, win))
      const b = Math.min(width, timeToX(this.#loop.endSec, width, win))
      this.#loopShade.style.display = b > a ? 'block' : 'none'
      this.#loopShade.style.left = `${a}px`
      this.#loopShade.style.width = `${Math.max(0, b - a)}px`
      this.#loopShade.style.right = 'auto'
    } else {
      this.#loopShade.style.display = 'none'
    }
  }

  #drawTimeRuler(win: TimeWindow): void {
    const ruler = rulerContext(this.#timeCanvas, this.options.timeRuler)
    if (!ruler) return
    const { ctx, cssW, cssH } = ruler
    const span = win.endSec - win.startSec
    if (!(span > 0) || cssW <= 0) return
    const major = niceTimeStep((span / cssW) * 90)
    const minor = major / 5
    ctx.font = RULER_FONT
    ctx.textBaseline = 'top'
    ctx.fillStyle = RULER_TEXT
    ctx.strokeStyle = RULER_TICK
    ctx.beginPath()
    for (let i = Math.ceil(win.startSec / minor); i * minor <= win.endSec; i++) {
      const t = i * minor
      const x = Math.round(timeToX(t, cssW, win)) + 0.5
      const isMajor = i % 5 === 0
      ctx.moveTo(x, cssH)
      ctx.lineTo(x, cssH - (isMajor ? 8 : 4))
      if (isMajor) ctx.fillText(formatRulerTime(t, major), x + 3, 3)
    }
    ctx.stroke()
  }

  #drawFreqRuler(): void {
    const ruler = rulerContext(this.#freqCanvas, this.options.freqRuler)
    if (!ruler) return
    const { ctx, cssW, cssH } = ruler
    if (!this.#data) return
    const maxHz = this.#maxHz()
    ctx.font = RULER_FONT
    ctx.fillStyle = RULER_TEXT
    ctx.strokeStyle = RULER_TICK
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    ctx.beginPath()
    const { axis, zoom } = this.#display
    for (const hz of frequencyTicks(axis, maxHz, cssH, zoom)) {
      const y = Math.round((1 - hzToPosition(hz, axis, maxHz, zoom)) * cssH) + 0.5
      ctx.moveTo(cssW - 5, y)
      ctx.lineTo(cssW, y)
      if (y > 6 && y < cssH - 6) ctx.fillText(formatHz(hz), cssW - 7, y)
    }
    ctx.stroke()
  }
}

/** Absolutely positioned full-size layer styles. */

/** A pleasant time step (s) at least `raw`: 1, 2, 5 x 10^n, or 10/15/30 s, 1/2/5/10/15/30 min. */
export function niceTimeStep(raw: number): number {
  const steps = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
    900, 1800, 3600,
  ]
  for (const s of steps) if (s >= raw) return s
  return 3600 * Math.ceil(raw / 3600)
}

/** Ruler label for time t, with as many decimals as the step needs. */
export function formatRulerTime(t: number, step: number): string {
  const decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3
  const m = Math.floor(t / 60)
  const s = t - m * 60
  const ss = s.toFixed(decimals).padStart(decimals > 0 ? 3 + decimals : 2, '0')
  return `${m}:${ss}`
}

/**
 * A ruler's canvas fitted to its host at 2x, cleared, drawing in CSS pixels; null when there is
 * no ruler or no 2D context.
 */
function rulerContext(
  canvas: HTMLCanvasElement | null | undefined,
  host: HTMLElement | null | undefined,
): { ctx: CanvasRenderingContext2D; cssW: number; cssH: number } | null {
  if (!canvas || !host) return null
  const cssW = host.clientWidth
  const cssH = host.clientHeight
  fitCanvas(canvas, cssW, cssH, 2)
  const ctx = canvas.getContext('2d')
  if (!ctx) return null
  const s = canvas.width / Math.max(1, cssW)
  ctx.setTransform(s, 0, 0, s, 0, 0)
  ctx.clearRect(0, 0, cssW, cssH)
  return { ctx, cssW, cssH }
}
