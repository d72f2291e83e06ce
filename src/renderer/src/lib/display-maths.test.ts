// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { colourLut, packRgba, parseHex } from './colour'
import { sourceColour } from '../../../shared/colours'
import {
  frequencyTicks,
  hzToPosition,
  positionToHz,
  rowBinRanges,
  type FreqAxis,
} from './freq-scale'
import { symmetricPeaks } from './peaks'
import {
  SpectrogramPyramid,
  drawMasks,
  drawSpectrogram,
  timeToX,
  xToTime,
  type DisplayMasks,
  type MaskDrawOptions,
  type DisplaySpectrogram,
  type SpectrogramDrawOptions,
} from './raster'

const axes: FreqAxis[] = ['linear', 'log', 'mel']

describe('frequency axis maths', () => {
  it.each(axes)(
    '%s: a zoomed view shows positions [lo, hi] of the axis over the whole plot',
    (axis) => {
      const zoom = { lo: 0.25, hi: 0.75 }
      const maxHz = 22050
      for (const p of [0, 0.3, 0.5, 1]) {
        const hz = positionToHz(p, axis, maxHz, zoom)
        expect(hz).toBeCloseTo(positionToHz(0.25 + p * 0.5, axis, maxHz), 6)
        expect(hzToPosition(hz, axis, maxHz, zoom)).toBeCloseTo(p, 6)
      }
      // rows of a zoomed view cover only the bins in view, in order
      const rows = rowBinRanges(200, axis, maxHz, 44100 / 2048, 1025, zoom)
      const binHz = 44100 / 2048
      expect(rows.start[199] * binHz).toBeGreaterThanOrEqual(
        positionToHz(0, axis, maxHz, zoom) - binHz,
      )
      expect(rows.end[0] * binHz).toBeLessThanOrEqual(
        positionToHz(1, axis, maxHz, zoom) + 2 * binHz,
      )
      for (let y = 1; y < 200; y++) expect(rows.start[y]).toBeLessThanOrEqual(rows.start[y - 1])
      // and its ruler has ticks inside the band
      const ticks = frequencyTicks(axis, maxHz, 300, zoom)
      expect(ticks.length).toBeGreaterThanOrEqual(2)
      for (const f of ticks) {
        expect(f).toBeGreaterThanOrEqual(positionToHz(0, axis, maxHz, zoom))
        expect(f).toBeLessThanOrEqual(positionToHz(1, axis, maxHz, zoom))
      }
    },
  )

  it.each(axes)('%s: position and Hz are inverse, monotonic, ends at 0 and 1', (axis) => {
    const maxHz = 22050
    let last = -1
    for (let p = 0; p <= 1.0001; p += 0.05) {
      const hz = positionToHz(p, axis, maxHz)
      expect(hz).toBeGreaterThan(last)
      last = hz
      expect(hzToPosition(hz, axis, maxHz)).toBeCloseTo(p, 6)
    }
    expect(hzToPosition(maxHz, axis, maxHz)).toBeCloseTo(1, 9)
  })

  it('log axis gives low frequencies more room than linear', () => {
    expect(hzToPosition(1000, 'log', 22050)).toBeGreaterThan(0.5)
    expect(hzToPosition(1000, 'linear', 22050)).toBeLessThan(0.05)
    expect(hzToPosition(1000, 'mel', 22050)).toBeGreaterThan(0.25)
  })

  it.each(axes)('%s: every row covers at least one bin, rows go down in frequency', (axis) => {
    const rows = rowBinRanges(300, axis, 22050, 44100 / 2048, 1025)
    for (let y = 0; y < 300; y++) {
      expect(rows.end[y]).toBeGreaterThan(rows.start[y])
      expect(rows.end[y]).toBeLessThanOrEqual(1025)
      if (y > 0) expect(rows.start[y]).toBeLessThanOrEqual(rows.start[y - 1])
    }
    expect(rows.end[0]).toBe(1025)
  })

  it('rows above a mask grid Nyquist reuse its top bin', () => {
    // display up to 22.05 kHz, mask grid up to 8 kHz (257 bins)
    const rows = rowBinRanges(100, 'linear', 22050, 16000 / 512, 257)
    expect(rows.start[0]).toBe(256)
    expect(rows.end[0]).toBe(257)
  })

  it('ticks are inside the axis and spaced', () => {
    for (const axis of axes) {
      const ticks = frequencyTicks(axis, 22050, 400)
      expect(ticks.length).toBeGreaterThan(2)
      for (const t of ticks) expect(t).toBeLessThan(22050)
    }
  })
})

describe('colours', () => {
  it('LUT runs dark to bright', () => {
    const lut = colourLut('magma')
    const lum = (p: number) => (p & 255) + ((p >> 8) & 255) + ((p >> 16) & 255)
    expect(lum(lut[255])).toBeGreaterThan(lum(lut[0]) + 400)
    expect(lut[0] >>> 24).toBe(255)
  })
  it('parses hex colours and packs pixels little-endian', () => {
    expect(parseHex('#ff8000')).toEqual([255, 128, 0])
    expect(parseHex('#f80')).toEqual([255, 136, 0])
    expect(parseHex('nonsense')).toEqual([128, 128, 128])
    expect(packRgba(1, 2, 3, 4) >>> 0).toBe(0x04030201)
    expect(sourceColour(0)).not.toBe(sourceColour(1))
    expect(sourceColour(8)).toBe(sourceColour(0))
  })
})

function spectrogram(
  frames: number,
  bins: number,
  f: (t: number, b: number) => number,
): DisplaySpectrogram {
  const values = new Float32Array(frames * bins)
  for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) values[t * bins + b] = f(t, b)
  return {
    sampleRate: 1000,
    nFft: 2 * (bins - 1),
    hop: 100,
    frames,
    bins,
    values,
    dbScale: 1,
    dbOffset: 0,
    maxDb: 0,
  }
}

/** Draws `spec` from 0 to `endSec` in grey on a linear axis over -100..0 dB, w x h pixels. */
function drawGrey(
  w: number,
  h: number,
  spec: DisplaySpectrogram,
  endSec: number,
  extra: Partial<SpectrogramDrawOptions> = {},
): { out: Uint32Array; lut: Uint32Array } {
  const lut = colourLut('grey')
  const out = new Uint32Array(w * h)
  const opts = { axis: 'linear', lut, lowDb: -100, highDb: 0, ...extra } as const
  drawSpectrogram(out, w, h, spec, { startSec: 0, endSec }, opts)
  return { out, lut }
}

describe('drawSpectrogram', () => {
  const lut = colourLut('grey')
  it('maps loud cells to bright pixels and the past-the-end area to background', () => {
    // 10 frames/s, 2 s; frame t loud in the second half
    const spec = spectrogram(20, 9, (t) => (t >= 10 ? 0 : -100))
    const w = 40
    const { out } = drawGrey(w, 8, spec, 4)
    expect(out[2 * w + 2]).toBe(lut[0]) // 0.2 s: quiet
    expect(out[2 * w + 15]).toBe(lut[255]) // 1.5 s: loud
    expect(out[2 * w + 35]).toBe(0xff0d0a0a) // 3.5 s: past the end
  })

  it('max-pools frames when zoomed out, so short loud events stay visible', () => {
    // column 5 spans frames 500..600: sampled frames 500, 525, ... may miss a loud frame 501, but
    // a loud frame is caught when it is the column's first
    const spec = spectrogram(1000, 5, (t) => (t === 500 ? 0 : -100))
    expect(drawGrey(10, 4, spec, 100).out[1 * 10 + 5]).toBe(lut[255])
  })

  it('reads uint8-quantised data through scale and offset', () => {
    const values = new Uint8Array(4 * 3).fill(255)
    const spec: DisplaySpectrogram = {
      sampleRate: 1000,
      nFft: 4,
      hop: 250,
      frames: 4,
      bins: 3,
      values,
      dbScale: 120 / 255,
      dbOffset: -120,
      maxDb: 0,
    }
    const { out } = drawGrey(4, 2, spec, 1, { lowDb: -60 })
    expect(out[0]).toBe(lut[255])
  })

  it('draws a long file with work that follows the canvas, not the file', () => {
    // Counts the spectrogram values read: at most 4 frames per column (max-pooled), so a file
    // ten times longer costs the same reads for the same canvas.
    const bins = 513
    const w = 1200
    const h = 400
    const reads = (frames: number): number => {
      let count = 0
      const values = new Proxy(new Uint8Array(frames * bins).fill(100), {
        get(target, key) {
          count++
          return Reflect.get(target, key) as unknown
        },
      })
      const spec: DisplaySpectrogram = {
        sampleRate: 44100,
        nFft: 1024,
        hop: 2048,
        frames,
        bins,
        values,
        dbScale: 0.5,
        dbOffset: -120,
        maxDb: 0,
      }
      drawSpectrogram(
        new Uint32Array(w * h),
        w,
        h,
        spec,
        { startSec: 0, endSec: (frames * 2048) / 44100 },
        { axis: 'log', lut, lowDb: -100, highDb: 0 },
      )
      return count
    }
    const long = reads(8_000)
    expect(long).toBeGreaterThan(w * bins) // every column read at least one frame
    expect(long).toBeLessThanOrEqual(w * 4 * bins)
    expect(reads(80_000)).toBe(long)
  })
})

describe('SpectrogramPyramid', () => {
  it('max-pools frames by 2 per level, incrementally as pages arrive', () => {
    const spec = spectrogram(10_000, 3, (t, b) => (t === 4321 ? b : -100))
    const pyr = new SpectrogramPyramid(spec, 1000)
    expect(pyr.levels.map((l) => l.frames)).toEqual([5000, 2500, 1250])
    expect(pyr.extend(4000, 1000)).toBe(true) // only the first 4000 frames are loaded
    expect(pyr.levels[0].built).toBe(2000)
    expect(pyr.done).toBe(false)
    while (!pyr.extend(10_000, 1000));
    expect(pyr.done).toBe(true)
    const l2 = pyr.levels[1]
    expect(l2.factor).toBe(4)
    expect([...l2.values.subarray(1080 * 3, 1081 * 3)]).toEqual([0, 1, 2]) // frame 4321 -> 4321 >> 2
    expect(l2.values[1079 * 3]).toBe(-100)
  })

  it('zoomed-out drawing through the pyramid keeps short loud events', () => {
    const spec = spectrogram(20_000, 5, (t) => (t === 12_345 ? 0 : -100))
    const pyr = new SpectrogramPyramid(spec, 500)
    while (!pyr.extend(20_000, 1000));
    // 2000 s on 100 px: 200 frames per column; the loud frame is in column 61
    const { out, lut } = drawGrey(100, 4, spec, 2000, { pyramid: pyr })
    expect(out[4 * 0 + 61] === lut[255] || out[61] === lut[255]).toBe(true)
    expect(out[60]).toBe(lut[0])
  })

  it('draws frames not loaded yet as background', () => {
    const spec = spectrogram(100, 5, () => 0)
    const { out, lut } = drawGrey(10, 2, spec, 10, { loadedFrames: 50 })
    expect(out[2]).toBe(lut[255])
    expect(out[8]).toBe(0xff0d0a0a)
  })
})

describe('drawMasks', () => {
  const masks: DisplayMasks = {
    k: 2,
    sampleRate: 1000,
    nFft: 8,
    hop: 100,
    frames: 10,
    bins: 5,
    masks: [new Uint8Array(50).fill(255), new Uint8Array(50).fill(0)],
    scale: 1 / 255,
  }
  const opts = {
    axis: 'linear' as const,
    displayMaxHz: 500,
    colours: [
      [255, 0, 0],
      [0, 0, 255],
    ] as [number, number, number][],
    opacity: 1,
  }

  /** The 10 x 4 picture of the masks over their first second, columns x0 to x1. */
  function draw(
    view: MaskDrawOptions['view'],
    more: Partial<MaskDrawOptions> = {},
    x0?: number,
    x1?: number,
  ): Uint32Array {
    const out = new Uint32Array(10 * 4)
    drawMasks(out, 10, 4, masks, { startSec: 0, endSec: 1 }, { ...opts, ...more, view }, x0, x1)
    return out
  }

  it("'all' mixes source colours by mask weight", () => {
    expect(draw({ kind: 'all' })[0] >>> 0).toBe(0xff0000ff) // opaque red (ABGR)
  })

  it("'one' shows only the chosen source, alpha from its mask", () => {
    // source 2 has mask 0 here: transparent
    expect(draw({ kind: 'one', index: 1 })[0] >>> 24).toBe(0)
    expect(draw({ kind: 'one', index: 0 }, { opacity: 0.5 })[0] >>> 24).toBe(128)
  })

  it('draws only the requested columns', () => {
    const out = draw({ kind: 'all' }, {}, 3, 5)
    expect(out[2]).toBe(0)
    expect(out[3]).not.toBe(0)
    expect(out[5]).toBe(0)
  })
})

describe('timeline maths and peaks', () => {
  it('x and time are inverse', () => {
    const win = { startSec: 10, endSec: 20 }
    expect(xToTime(timeToX(13.5, 800, win), 800, win)).toBeCloseTo(13.5)
    expect(timeToX(10, 800, win)).toBe(0)
  })
  it('makes one symmetric display channel', () => {
    expect([
      ...symmetricPeaks([new Float32Array([0.5, 0.2]), new Float32Array([0.1, 0.7])]),
    ]).toEqual([0.5, -0.5, expect.closeTo(0.7), expect.closeTo(-0.7)])
    // signed min/max input is merged by magnitude
    const merged = symmetricPeaks([new Float32Array([-0.2, 0.3]), new Float32Array([-0.6, 0.1])])
    expect(merged[0]).toBeCloseTo(-0.6)
    expect(merged[1]).toBeCloseTo(0.3)
  })
})

describe('waveform drawing', () => {
  it('normalizes and draws a min/max envelope per column', async () => {
    const { drawPeaks, normalizePeaks } = await import('./peaks')
    const p = normalizePeaks(new Float32Array([0.5, -0.25, 0.1, -0.1]), 1)
    expect([...p].map((v) => Math.round(v * 100) / 100)).toEqual([1, -0.5, 0.2, -0.2])
    const rects: number[][] = []
    const ctx = {
      canvas: { width: 2, height: 100 },
      fillRect: (...a: number[]) => rects.push(a),
    } as unknown as CanvasRenderingContext2D
    drawPeaks([p], ctx)
    expect(rects).toEqual([
      [0, 0, 1, 75],
      [1, 40, 1, 20],
    ])
  })
})
