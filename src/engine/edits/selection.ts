/**
 * Selections on the model grid (frames x bins): a weight 0..1 per bin, stored compactly as the
 * bounding box of the touched bins and uint8 weights inside it (255 = fully selected). Weights are
 * quantised when a selection is made, so an edit replayed from a saved project is bit-identical.
 */

/** The mask grid a selection lives on. */
export interface GridSize {
  frames: number
  bins: number
}

/**
 * A sparse selection: frames [frame0, frame0 + frames) x bins [bin0, bin0 + bins), weights uint8
 * [frames * bins] (t-major, 0..255 = weight 0..1). An empty selection has frames = bins = 0.
 */
export interface Selection {
  frame0: number
  frames: number
  bin0: number
  bins: number
  weights: Uint8Array
}

/** A point on the grid, fractional allowed: frame (time) and bin (frequency). */
export interface GridPoint {
  frame: number
  bin: number
}

/** The empty selection. */
export function emptySelection(): Selection {
  return { frame0: 0, frames: 0, bin0: 0, bins: 0, weights: new Uint8Array(0) }
}

/** True when no bin has a weight > 0. */
export function isEmptySelection(sel: Selection): boolean {
  if (sel.frames === 0 || sel.bins === 0) return true
  for (let i = 0; i < sel.weights.length; i++) if (sel.weights[i] !== 0) return false
  return true
}

/** Number of bins with weight > 0. */
export function selectedCount(sel: Selection): number {
  let n = 0
  for (let i = 0; i < sel.weights.length; i++) if (sel.weights[i] !== 0) n++
  return n
}

/** Weight 0..1 of one bin (0 outside the box). */
export function selectionWeight(sel: Selection, frame: number, bin: number): number {
  const t = frame - sel.frame0
  const f = bin - sel.bin0
  if (t < 0 || f < 0 || t >= sel.frames || f >= sel.bins) return 0
  return sel.weights[t * sel.bins + f] / 255
}

/** Checks shape and bounds against a grid; throws RangeError naming the problem. */
export function checkSelection(sel: Selection, grid: GridSize): void {
  if (!(sel?.weights instanceof Uint8Array))
    throw new RangeError('selection weights must be a Uint8Array (frames * bins, 0..255)')
  const ok =
    Number.isInteger(sel.frame0) &&
    Number.isInteger(sel.frames) &&
    Number.isInteger(sel.bin0) &&
    Number.isInteger(sel.bins) &&
    sel.frame0 >= 0 &&
    sel.bin0 >= 0 &&
    sel.frames >= 0 &&
    sel.bins >= 0 &&
    sel.frame0 + sel.frames <= grid.frames &&
    sel.bin0 + sel.bins <= grid.bins &&
    sel.weights instanceof Uint8Array &&
    sel.weights.length === sel.frames * sel.bins
  if (!ok)
    throw new RangeError(
      `selection ${sel.frame0}+${sel.frames} x ${sel.bin0}+${sel.bins} (${sel.weights?.length} weights) does not fit the ${grid.frames} x ${grid.bins} grid`,
    )
}

/** Shrinks the box to the bins with weight > 0 (copying the weights); returns `sel` if already tight. */
export function tightSelection(sel: Selection): Selection {
  let t0 = sel.frames
  let t1 = -1
  let f0 = sel.bins
  let f1 = -1
  for (let t = 0; t < sel.frames; t++) {
    const o = t * sel.bins
    for (let f = 0; f < sel.bins; f++) {
      if (sel.weights[o + f] === 0) continue
      if (t < t0) t0 = t
      if (t > t1) t1 = t
      if (f < f0) f0 = f
      if (f > f1) f1 = f
    }
  }
  if (t1 < 0) return emptySelection()
  if (t0 === 0 && f0 === 0 && t1 === sel.frames - 1 && f1 === sel.bins - 1) return sel
  const frames = t1 - t0 + 1
  const bins = f1 - f0 + 1
  const weights = new Uint8Array(frames * bins)
  for (let t = 0; t < frames; t++) {
    const src = (t + t0) * sel.bins + f0
    weights.set(sel.weights.subarray(src, src + bins), t * bins)
  }
  return { frame0: sel.frame0 + t0, frames, bin0: sel.bin0 + f0, bins, weights }
}

/** Union of selections: per-bin maximum weight. */
export function unionSelections(...sels: Selection[]): Selection {
  const live = sels.filter((s) => s.frames > 0 && s.bins > 0)
  if (live.length === 0) return emptySelection()
  if (live.length === 1) return live[0]
  const frame0 = Math.min(...live.map((s) => s.frame0))
  const bin0 = Math.min(...live.map((s) => s.bin0))
  const frames = Math.max(...live.map((s) => s.frame0 + s.frames)) - frame0
  const bins = Math.max(...live.map((s) => s.bin0 + s.bins)) - bin0
  const weights = new Uint8Array(frames * bins)
  for (const s of live) {
    for (let t = 0; t < s.frames; t++) {
      const o = (s.frame0 - frame0 + t) * bins + (s.bin0 - bin0)
      const so = t * s.bins
      for (let f = 0; f < s.bins; f++) {
        const w = s.weights[so + f]
        if (w > weights[o + f]) weights[o + f] = w
      }
    }
  }
  return { frame0, frames, bin0, bins, weights }
}

/** Intersection (per-bin minimum), e.g. a wand selection limited to a rectangle. */
export function intersectSelections(a: Selection, b: Selection): Selection {
  const frame0 = Math.max(a.frame0, b.frame0)
  const bin0 = Math.max(a.bin0, b.bin0)
  const frames = Math.min(a.frame0 + a.frames, b.frame0 + b.frames) - frame0
  const bins = Math.min(a.bin0 + a.bins, b.bin0 + b.bins) - bin0
  if (frames <= 0 || bins <= 0) return emptySelection()
  const weights = new Uint8Array(frames * bins)
  for (let t = 0; t < frames; t++) {
    for (let f = 0; f < bins; f++) {
      const wa = a.weights[(frame0 + t - a.frame0) * a.bins + (bin0 + f - a.bin0)]
      const wb = b.weights[(frame0 + t - b.frame0) * b.bins + (bin0 + f - b.bin0)]
      weights[t * bins + f] = wa < wb ? wa : wb
    }
  }
  return tightSelection({ frame0, frames, bin0, bins, weights })
}

/** Difference: a's weights less b's (a x (1 - b) per bin), e.g. Alt+drag takes a shape away. */
export function subtractSelections(a: Selection, b: Selection): Selection {
  if (a.frames === 0 || a.bins === 0) return emptySelection()
  const weights = a.weights.slice()
  const t0 = Math.max(a.frame0, b.frame0)
  const t1 = Math.min(a.frame0 + a.frames, b.frame0 + b.frames)
  const f0 = Math.max(a.bin0, b.bin0)
  const f1 = Math.min(a.bin0 + a.bins, b.bin0 + b.bins)
  for (let t = t0; t < t1; t++) {
    for (let f = f0; f < f1; f++) {
      const i = (t - a.frame0) * a.bins + (f - a.bin0)
      const wb = b.weights[(t - b.frame0) * b.bins + (f - b.bin0)]
      if (wb !== 0) weights[i] = Math.round((weights[i] * (255 - wb)) / 255)
    }
  }
  return tightSelection({ ...a, weights })
}

/** Everything but the selection over the whole grid (255 - weight per bin). */
export function invertSelection(grid: GridSize, sel: Selection): Selection {
  const weights = new Uint8Array(grid.frames * grid.bins).fill(255)
  for (let t = 0; t < sel.frames; t++) {
    const o = (sel.frame0 + t) * grid.bins + sel.bin0
    for (let f = 0; f < sel.bins; f++) weights[o + f] = 255 - sel.weights[t * sel.bins + f]
  }
  return tightSelection({ frame0: 0, frames: grid.frames, bin0: 0, bins: grid.bins, weights })
}

/** How a new selection meets the current one: Shift adds, Alt subtracts, Shift+Alt intersects. */
export type SelectionMode = 'replace' | 'add' | 'subtract' | 'intersect'

/** The current selection (or none) combined with a new one by a mode. */
export function combineSelections(
  current: Selection | null,
  next: Selection,
  mode: SelectionMode,
): Selection {
  if (mode === 'replace' || !current)
    return mode === 'subtract' || mode === 'intersect' ? emptySelection() : next
  if (mode === 'add') return unionSelections(current, next)
  if (mode === 'subtract') return subtractSelections(current, next)
  return intersectSelections(current, next)
}

const q8 = (w: number): number => (w <= 0 ? 0 : w >= 1 ? 255 : Math.round(w * 255))

/** Brush shape: radius in frames and bins (an ellipse on the grid) and softness 0..1. */
export interface BrushShape {
  /** Radius: one number for both axes, or per axis (the display usually stretches one). */
  radius: number | { frames: number; bins: number }
  /**
   * 0: hard edge (weight 1 inside the radius); 1: weight falls smoothly from the centre to 0 at the
   * radius; in between, weight 1 up to (1 - softness) of the radius, then a smooth fall to 0.
   */
  softness?: number
}

/** Weight 0..1 at normalised distance r (0 centre, 1 radius) for a softness. */
export function brushFalloff(r: number, softness: number): number {
  if (r >= 1) return 0
  const s = Math.min(1, Math.max(0, softness))
  const inner = 1 - s
  if (r <= inner) return 1
  const x = (r - inner) / (1 - inner) // 0..1 across the soft rim
  return 1 - x * x * (3 - 2 * x) // smoothstep down
}

/**
 * A brush stroke: dabs at each point (and along the segments between consecutive points, spaced
 * at most half a radius apart), combined by per-bin maximum. Clipped to the grid.
 */
export function brushSelection(grid: GridSize, points: GridPoint[], brush: BrushShape): Selection {
  if (points.length === 0) return emptySelection()
  const rx = Math.max(0.5, typeof brush.radius === 'number' ? brush.radius : brush.radius.frames)
  const ry = Math.max(0.5, typeof brush.radius === 'number' ? brush.radius : brush.radius.bins)
  const softness = brush.softness ?? 0
  // Dab centres: the points plus interpolated ones along each segment.
  const cx: number[] = []
  const cy: number[] = []
  cx.push(points[0].frame)
  cy.push(points[0].bin)
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]
    const b = points[i]
    const steps = Math.ceil(Math.hypot((b.frame - a.frame) / rx, (b.bin - a.bin) / ry) * 2)
    for (let s = 1; s <= steps; s++) {
      cx.push(a.frame + ((b.frame - a.frame) * s) / steps)
      cy.push(a.bin + ((b.bin - a.bin) * s) / steps)
    }
  }
  let t0 = Infinity
  let t1 = -Infinity
  let f0 = Infinity
  let f1 = -Infinity
  for (let i = 0; i < cx.length; i++) {
    t0 = Math.min(t0, Math.ceil(cx[i] - rx))
    t1 = Math.max(t1, Math.floor(cx[i] + rx))
    f0 = Math.min(f0, Math.ceil(cy[i] - ry))
    f1 = Math.max(f1, Math.floor(cy[i] + ry))
  }
  t0 = Math.max(0, t0)
  f0 = Math.max(0, f0)
  t1 = Math.min(grid.frames - 1, t1)
  f1 = Math.min(grid.bins - 1, f1)
  if (t1 < t0 || f1 < f0) return emptySelection()
  const frames = t1 - t0 + 1
  const bins = f1 - f0 + 1
  const weights = new Uint8Array(frames * bins)
  for (let i = 0; i < cx.length; i++) {
    const ta = Math.max(t0, Math.ceil(cx[i] - rx))
    const tb = Math.min(t1, Math.floor(cx[i] + rx))
    const fa = Math.max(f0, Math.ceil(cy[i] - ry))
    const fb = Math.min(f1, Math.floor(cy[i] + ry))
    for (let t = ta; t <= tb; t++) {
      const dx = (t - cx[i]) / rx
      const o = (t - t0) * bins - f0
      for (let f = fa; f <= fb; f++) {
        const dy = (f - cy[i]) / ry
        const r = Math.sqrt(dx * dx + dy * dy)
        if (r >= 1) continue
        const w = q8(brushFalloff(r, softness))
        if (w > weights[o + f]) weights[o + f] = w
      }
    }
  }
  return tightSelection({ frame0: t0, frames, bin0: f0, bins, weights })
}

/** Every bin with frame in [frameStart, frameEnd] and bin in [binStart, binEnd] (inclusive, fractional ok, clipped). */
export function rectangleSelection(
  grid: GridSize,
  a: GridPoint,
  b: GridPoint,
  weight = 1,
): Selection {
  const t0 = Math.max(0, Math.ceil(Math.min(a.frame, b.frame)))
  const t1 = Math.min(grid.frames - 1, Math.floor(Math.max(a.frame, b.frame)))
  const f0 = Math.max(0, Math.ceil(Math.min(a.bin, b.bin)))
  const f1 = Math.min(grid.bins - 1, Math.floor(Math.max(a.bin, b.bin)))
  if (t1 < t0 || f1 < f0 || q8(weight) === 0) return emptySelection()
  const frames = t1 - t0 + 1
  const bins = f1 - f0 + 1
  return {
    frame0: t0,
    frames,
    bin0: f0,
    bins,
    weights: new Uint8Array(frames * bins).fill(q8(weight)),
  }
}

/** Frames [frameStart, frameEnd) over the whole band. */
export function timeRangeSelection(
  grid: GridSize,
  frameStart: number,
  frameEnd: number,
): Selection {
  return rectangleSelection(
    grid,
    { frame: frameStart, bin: 0 },
    { frame: frameEnd - 1, bin: grid.bins - 1 },
  )
}

/** Bins [binStart, binEnd) over the whole duration (or the frames [frameStart, frameEnd) if given). */
export function frequencyBandSelection(
  grid: GridSize,
  binStart: number,
  binEnd: number,
  frameStart = 0,
  frameEnd = grid.frames,
): Selection {
  return rectangleSelection(
    grid,
    { frame: frameStart, bin: binStart },
    { frame: frameEnd - 1, bin: binEnd - 1 },
  )
}

/** Bins whose centre lies inside the polygon (even-odd rule); the polygon closes itself. */
export function lassoSelection(grid: GridSize, polygon: GridPoint[]): Selection {
  if (polygon.length < 3) return emptySelection()
  let t0 = Infinity
  let t1 = -Infinity
  let f0 = Infinity
  let f1 = -Infinity
  for (const p of polygon) {
    t0 = Math.min(t0, p.frame)
    t1 = Math.max(t1, p.frame)
    f0 = Math.min(f0, p.bin)
    f1 = Math.max(f1, p.bin)
  }
  const ta = Math.max(0, Math.ceil(t0))
  const tb = Math.min(grid.frames - 1, Math.floor(t1))
  const fa = Math.max(0, Math.ceil(f0))
  const fb = Math.min(grid.bins - 1, Math.floor(f1))
  if (tb < ta || fb < fa) return emptySelection()
  const frames = tb - ta + 1
  const bins = fb - fa + 1
  const weights = new Uint8Array(frames * bins)
  const xs: number[] = []
  const n = polygon.length
  // Scanline per frame: crossings of the vertical line x = t with the edges, filled between pairs.
  for (let t = ta; t <= tb; t++) {
    xs.length = 0
    for (let i = 0; i < n; i++) {
      const p = polygon[i]
      const q = polygon[(i + 1) % n]
      if (p.frame <= t === q.frame <= t) continue
      xs.push(p.bin + ((t - p.frame) * (q.bin - p.bin)) / (q.frame - p.frame))
    }
    xs.sort((x, y) => x - y)
    const o = (t - ta) * bins
    for (let j = 0; j + 1 < xs.length; j += 2) {
      const lo = Math.max(fa, Math.ceil(xs[j]))
      const hi = Math.min(fb, Math.floor(xs[j + 1]))
      for (let f = lo; f <= hi; f++) weights[o + f - fa] = 255
    }
  }
  return tightSelection({ frame0: ta, frames, bin0: fa, bins, weights })
}

/** A selection from a dense per-bin weight map (float 0..1 or uint8 0..255) over the whole grid. */
export function selectionFromWeights(grid: GridSize, w: Float32Array | Uint8Array): Selection {
  if (w.length !== grid.frames * grid.bins)
    throw new RangeError(
      `selectionFromWeights: ${w.length} weights for a ${grid.frames} x ${grid.bins} grid`,
    )
  const weights = w instanceof Uint8Array ? w.slice() : Uint8Array.from(w, q8)
  return tightSelection({ frame0: 0, frames: grid.frames, bin0: 0, bins: grid.bins, weights })
}
