import BasePlugin, { type BasePluginEvents } from 'wavesurfer.js/dist/base-plugin.js'
import type { GridPoint, Selection, SelectionMode } from '../../../engine/index'
import {
  FULL_BAND,
  hzToPosition,
  positionToHz,
  type FreqAxis,
  type FreqZoom,
} from '../lib/freq-scale'
import { timeToX, xToTime, type TimeWindow } from '../lib/raster'
import {
  selectionModeOf,
  type BrushPoint,
  type SelectionShape,
  type Tool,
} from '../state/mask-editor.svelte'
import { fitCanvas, frameCoalescer, visibleWindow } from './timeline-view'
import { overlayCanvas } from './overlay-canvas'

/** The mask grid the tools select on. */
export interface ToolGrid {
  sampleRate: number
  hop: number
  nFft: number
  frames: number
  bins: number
}

/** Events of the selection tools. */
export type SelectionToolsEvents = BasePluginEvents & {
  /** Brush/eraser pressed, dragged, released. */
  'stroke-start': [p: BrushPoint]
  'stroke-move': [p: BrushPoint]
  'stroke-end': []
  /** A rectangle, lasso, time range or band was drawn: its points on the grid, and how it meets the selection. */
  shape: [kind: Tool, points: GridPoint[], mode: SelectionMode]
  /** The wand clicked a bin (its bins meet the selection by the mode). */
  pick: [p: GridPoint, mode: SelectionMode]
}

/** Options of the selection tools. */
export interface SelectionToolsOptions {
  /** The spectrogram's host element; the tools' canvas goes over the mask overlay. */
  container: HTMLElement
  /** Time (s) under a viewport x and frequency (Hz) under a viewport y (the spectrogram's maths). */
  timeAt(clientX: number): number
  hzAt(clientY: number): number
}

/**
 * The mask-editing tools on the spectrogram (architecture habit 11): pointer capture, the brush
 * cursor, the rectangle / lasso / time range / band drawn while dragging, and the current selection's
 * outline. Emits grid points; the MaskEditor turns them into selections and edits.
 */
export class SelectionToolsPlugin extends BasePlugin<SelectionToolsEvents, SelectionToolsOptions> {
  #canvas: HTMLCanvasElement
  #ctx: CanvasRenderingContext2D | null
  #tool: Tool | null = null
  #grid: ToolGrid | null = null
  #axis: FreqAxis = 'log'
  #maxHz = 22050
  #zoom: FreqZoom = FULL_BAND
  #brushPx = 12
  #pointer: { x: number; y: number } | null = null
  #drag: { points: GridPoint[]; pointerId: number; mode: SelectionMode } | null = null
  #selection: SelectionShape | null = null
  /** The selected bins: outlined bin by bin, the rest of the picture dimmed. */
  #bins: Selection | null = null
  #frame = frameCoalescer(() => this.drawNow())
  #cleanup: (() => void)[] = []

  constructor(options: SelectionToolsOptions) {
    super(options)
    const { canvas, ctx } = overlayCanvas(options.container, 'uw-selection-tools', 2)
    this.#canvas = canvas
    this.#ctx = ctx
  }

  protected override onInit(): void {
    const ws = this.wavesurfer
    if (!ws) return
    const c = this.options.container
    c.append(this.#canvas)
    const redraw = () => this.#frame.schedule()
    this.subscriptions.push(ws.on('scroll', redraw), ws.on('zoom', redraw), ws.on('resize', redraw))
    const down = (e: PointerEvent) => this.#down(e)
    const move = (e: PointerEvent) => this.#move(e)
    const up = (e: PointerEvent) => this.#up(e)
    const leave = () => {
      this.#pointer = null
      this.#frame.schedule()
    }
    c.addEventListener('pointerdown', down)
    c.addEventListener('pointermove', move)
    c.addEventListener('pointerup', up)
    c.addEventListener('pointercancel', up)
    c.addEventListener('pointerleave', leave)
    this.#cleanup.push(() => {
      c.removeEventListener('pointerdown', down)
      c.removeEventListener('pointermove', move)
      c.removeEventListener('pointerup', up)
      c.removeEventListener('pointercancel', up)
      c.removeEventListener('pointerleave', leave)
    })
  }

  /** The active tool (null: the tools do nothing, clicks seek). */
  setTool(tool: Tool | null): void {
    this.#tool = tool
    this.options.container.style.cursor = tool ? 'none' : ''
    if (tool === null) this.#drag = null
    this.#frame.schedule()
  }

  setGrid(grid: ToolGrid | null): void {
    this.#grid = grid
  }

  setAxis(axis: FreqAxis, maxHz: number, zoom: FreqZoom = FULL_BAND): void {
    this.#axis = axis
    this.#maxHz = maxHz
    this.#zoom = zoom
    this.#frame.schedule()
  }

  setBrushSize(px: number): void {
    this.#brushPx = px
    this.#frame.schedule()
  }

  /** The selection outline to show (grid points of its shape), or none. */
  setSelection(shape: SelectionShape | null, selection: Selection | null = null): void {
    this.#selection = shape
    this.#bins = shape ? selection : null
    this.#frame.schedule()
  }

  /** The grid point under a viewport position, with the brush radius there. */
  pointAt(clientX: number, clientY: number): BrushPoint | null {
    const g = this.#grid
    if (!g) return null
    const framesPerSec = g.sampleRate / g.hop
    const binsPerHz = g.nFft / g.sampleRate
    const r = this.#brushPx
    const t = this.options.timeAt(clientX)
    const tr = this.options.timeAt(clientX + r)
    const hz = this.options.hzAt(clientY)
    const hzTop = this.options.hzAt(clientY - r)
    const hzBottom = this.options.hzAt(clientY + r)
    return {
      frame: t * framesPerSec,
      bin: hz * binsPerHz,
      radiusFrames: Math.max(0.5, (tr - t) * framesPerSec),
      radiusBins: Math.max(0.5, ((hzTop - hzBottom) * binsPerHz) / 2),
    }
  }

  #down(e: PointerEvent): void {
    const tool = this.#tool
    if (!tool || e.button !== 0 || !this.#grid) return
    const p = this.pointAt(e.clientX, e.clientY)
    if (!p) return
    e.preventDefault()
    e.stopPropagation()
    const mode = selectionModeOf(e)
    if (tool === 'wand') {
      this.emit('pick', { frame: p.frame, bin: p.bin }, mode)
      return
    }
    try {
      this.options.container.setPointerCapture?.(e.pointerId)
    } catch {
      // synthetic events have no active pointer
    }
    this.#drag = { points: [{ frame: p.frame, bin: p.bin }], pointerId: e.pointerId, mode }
    if (tool === 'brush' || tool === 'eraser') this.emit('stroke-start', p)
    this.#frame.schedule()
  }

  #move(e: PointerEvent): void {
    if (!this.#tool) return
    const rect = this.options.container.getBoundingClientRect()
    this.#pointer = { x: e.clientX - rect.left, y: e.clientY - rect.top }
    const d = this.#drag
    if (d && d.pointerId === e.pointerId) {
      const p = this.pointAt(e.clientX, e.clientY)
      if (p) {
        const gp = { frame: p.frame, bin: p.bin }
        if (this.#tool === 'lasso' || this.#tool === 'brush' || this.#tool === 'eraser')
          d.points.push(gp)
        else d.points = [d.points[0], gp]
        if (this.#tool === 'brush' || this.#tool === 'eraser') this.emit('stroke-move', p)
      }
    }
    this.#frame.schedule()
  }

  #up(e: PointerEvent): void {
    const d = this.#drag
    const tool = this.#tool
    if (!d || d.pointerId !== e.pointerId || !tool) return
    this.#drag = null
    try {
      this.options.container.releasePointerCapture?.(d.pointerId)
    } catch {
      // not captured
    }
    if (tool === 'brush' || tool === 'eraser') this.emit('stroke-end')
    else if (d.points.length > 1) this.emit('shape', tool, d.points, d.mode)
    this.#frame.schedule()
  }

  /** Draws the cursor, the shape being dragged and the selection outline now. */
  drawNow(): void {
    const ws = this.wavesurfer
    const ctx = this.#ctx
    if (!ws || !ctx) return
    const c = this.options.container
    fitCanvas(this.#canvas, c.clientWidth, c.clientHeight)
    const w = this.#canvas.width
    const h = this.#canvas.height
    ctx.clearRect(0, 0, w, h)
    const win = visibleWindow(ws)
    const g = this.#grid
    if (g) {
      if (this.#bins) this.#drawBins(ctx, this.#bins, win, g)
      const s = this.#selection
      if (s && s.kind !== 'selection' && s.kind !== 'wand' && s.points.length > 0)
        this.#shape(ctx, s.kind, s.points, win, g)
      if (this.#drag && this.#tool && this.#tool !== 'brush' && this.#tool !== 'eraser')
        this.#shape(ctx, this.#tool, this.#drag.points, win, g, true)
    }
    const p = this.#pointer
    if (p && this.#tool) {
      const sx = w / Math.max(1, c.clientWidth)
      ctx.strokeStyle = 'rgba(255,255,255,0.9)'
      ctx.lineWidth = 1
      ctx.beginPath()
      if (this.#tool === 'brush' || this.#tool === 'eraser') {
        ctx.arc(p.x * sx, p.y * sx, this.#brushPx * sx, 0, Math.PI * 2)
        if (this.#tool === 'eraser') ctx.setLineDash([3, 3])
      } else {
        ctx.moveTo(p.x * sx - 6, p.y * sx)
        ctx.lineTo(p.x * sx + 6, p.y * sx)
        ctx.moveTo(p.x * sx, p.y * sx - 6)
        ctx.lineTo(p.x * sx, p.y * sx + 6)
      }
      ctx.stroke()
      ctx.setLineDash([])
    }
  }

  #shape(
    ctx: CanvasRenderingContext2D,
    kind: Exclude<Tool, 'wand'> | Tool,
    points: GridPoint[],
    win: TimeWindow,
    g: ToolGrid,
    live = false,
  ): void {
    const w = this.#canvas.width
    const h = this.#canvas.height
    const x = (frame: number) => timeToX((frame * g.hop) / g.sampleRate, w, win)
    const y = (bin: number) =>
      (1 - hzToPosition((bin * g.sampleRate) / g.nFft, this.#axis, this.#maxHz, this.#zoom)) * h
    ctx.save()
    ctx.beginPath()
    const a = points[0]
    const b = points[points.length - 1]
    if (kind === 'lasso') {
      points.forEach((p, i) =>
        i ? ctx.lineTo(x(p.frame), y(p.bin)) : ctx.moveTo(x(p.frame), y(p.bin)),
      )
      ctx.closePath()
    } else if (kind === 'time') {
      ctx.rect(x(Math.min(a.frame, b.frame)), 0, Math.abs(x(b.frame) - x(a.frame)), h)
    } else if (kind === 'band') {
      const y0 = Math.min(y(a.bin), y(b.bin))
      ctx.rect(0, y0, w, Math.abs(y(b.bin) - y(a.bin)))
    } else {
      const x0 = Math.min(x(a.frame), x(b.frame))
      const y0 = Math.min(y(a.bin), y(b.bin))
      ctx.rect(x0, y0, Math.abs(x(b.frame) - x(a.frame)), Math.abs(y(b.bin) - y(a.bin)))
    }
    // a dark line under a light dashed one: visible on every colour of the picture and masks
    if (live) {
      ctx.fillStyle = 'rgba(255,255,255,0.08)'
      ctx.fill()
    }
    ctx.lineWidth = 3
    ctx.strokeStyle = 'rgba(0,0,0,0.85)'
    ctx.stroke()
    ctx.lineWidth = 1.5
    ctx.setLineDash([6, 4])
    ctx.strokeStyle = live ? '#ffffff' : '#ffe066'
    ctx.stroke()
    ctx.restore()
  }

  /**
   * The selected bins, pixel by pixel over the visible window: what is not selected is dimmed
   * (partly selected bins partly), what is selected keeps its picture and mask colours untouched,
   * and its edge is a black-and-white dashed line that shows on any colour.
   */
  #drawBins(ctx: CanvasRenderingContext2D, sel: Selection, win: TimeWindow, g: ToolGrid): void {
    const w = this.#canvas.width
    const h = this.#canvas.height
    if (sel.frames === 0 || w === 0 || h === 0) return
    const img = ctx.createImageData(w, h)
    const px = new Uint32Array(img.data.buffer)
    const weight = new Uint8Array(w * h)
    const rowBin = new Int32Array(h)
    for (let y = 0; y < h; y++)
      rowBin[y] =
        Math.round(
          (positionToHz(1 - (y + 0.5) / h, this.#axis, this.#maxHz, this.#zoom) * g.nFft) /
            g.sampleRate,
        ) - sel.bin0
    for (let x = 0; x < w; x++) {
      const t = Math.round((xToTime(x + 0.5, w, win) * g.sampleRate) / g.hop) - sel.frame0
      if (t < 0 || t >= sel.frames) continue
      const o = t * sel.bins
      for (let y = 0; y < h; y++) {
        const f = rowBin[y]
        if (f >= 0 && f < sel.bins) weight[y * w + x] = sel.weights[o + f]
      }
    }
    const DIM = 0.55 // alpha of the veil over unselected bins
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x
        const q = weight[i]
        const edge =
          q !== 0 &&
          ((x > 0 && weight[i - 1] === 0) ||
            (x < w - 1 && weight[i + 1] === 0) ||
            (y > 0 && weight[i - w] === 0) ||
            (y < h - 1 && weight[i + w] === 0))
        // little-endian RGBA: alpha in the top byte
        if (edge) px[i] = ((x + y) >> 2) & 1 ? 0xff000000 : 0xffffffff
        else px[i] = Math.round(DIM * (255 - q)) << 24
      }
    }
    ctx.putImageData(img, 0, 0)
  }

  /** Removes the canvas and the pointer listeners. */
  override destroy(): void {
    this.#frame.cancel()
    for (const off of this.#cleanup) off()
    this.#cleanup = []
    this.options.container.style.cursor = ''
    this.#canvas.remove()
    super.destroy()
  }
}
