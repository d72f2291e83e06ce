// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import type WaveSurfer from 'wavesurfer.js'
import { SelectionToolsPlugin } from './selection-tools-plugin'

/** Enough of wavesurfer for the plugin: a 10 s file shown whole in 1000 px. */
function fakeWs(): WaveSurfer {
  return {
    on: () => () => {},
    getDuration: () => 10,
    getWidth: () => 1000,
    getWrapper: () => ({ scrollWidth: 1000 }),
    getScroll: () => 0,
  } as unknown as WaveSurfer
}

const pointer = (type: string, x: number, y: number) =>
  new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true })

function setup() {
  const container = document.createElement('div')
  document.body.append(container)
  // 1 px = 10 ms; y 0..500 = 8000..0 Hz (linear, for easy numbers)
  const plugin = new SelectionToolsPlugin({
    container,
    timeAt: (x) => x / 100,
    hzAt: (y) => 8000 * (1 - y / 500),
  })
  plugin._init(fakeWs())
  // mask grid: 16 kHz, hop 160 (100 frames/s), nFft 512 (31.25 Hz per bin)
  plugin.setGrid({ sampleRate: 16000, hop: 160, nFft: 512, frames: 1001, bins: 257 })
  return { container, plugin }
}

describe('SelectionToolsPlugin', () => {
  it('maps the pointer to the mask grid with the brush radius there', () => {
    const { plugin } = setup()
    plugin.setBrushSize(10)
    const p = plugin.pointAt(200, 250)!
    expect(p.frame).toBeCloseTo(200)
    expect(p.bin).toBeCloseTo(128)
    expect(p.radiusFrames).toBeCloseTo(10)
    expect(p.radiusBins).toBeCloseTo((160 / 31.25) * 1, 5) // 10 px = 160 Hz = 5.12 bins
  })

  it('emits strokes for the brush, shapes for the rectangle, picks for the wand; nothing without a tool', () => {
    const { container, plugin } = setup()
    const got: string[] = []
    plugin.on('stroke-start', () => got.push('start'))
    plugin.on('stroke-move', () => got.push('move'))
    plugin.on('stroke-end', () => got.push('end'))
    plugin.on('shape', (kind, pts) => got.push(`${kind}:${pts.length}`))
    plugin.on('pick', (p) => got.push(`pick:${Math.round(p.frame)}`))
    container.dispatchEvent(pointer('pointerdown', 10, 10))
    container.dispatchEvent(pointer('pointerup', 10, 10))
    expect(got).toEqual([])
    plugin.setTool('brush')
    container.dispatchEvent(pointer('pointerdown', 10, 10))
    container.dispatchEvent(pointer('pointermove', 20, 10))
    container.dispatchEvent(pointer('pointermove', 30, 10))
    container.dispatchEvent(pointer('pointerup', 30, 10))
    plugin.setTool('rect')
    container.dispatchEvent(pointer('pointerdown', 10, 10))
    container.dispatchEvent(pointer('pointermove', 20, 20))
    container.dispatchEvent(pointer('pointermove', 40, 30))
    container.dispatchEvent(pointer('pointerup', 40, 30))
    plugin.setTool('lasso')
    container.dispatchEvent(pointer('pointerdown', 10, 10))
    for (const x of [20, 30, 40]) container.dispatchEvent(pointer('pointermove', x, x))
    container.dispatchEvent(pointer('pointerup', 40, 40))
    plugin.setTool('wand')
    container.dispatchEvent(pointer('pointerdown', 123, 10))
    expect(got).toEqual(['start', 'move', 'move', 'end', 'rect:2', 'lasso:4', 'pick:123'])
  })

  it('destroy() removes its canvas and stops listening', () => {
    const { container, plugin } = setup()
    expect(container.querySelector('canvas.uw-selection-tools')).not.toBeNull()
    plugin.setTool('wand')
    let picks = 0
    plugin.on('pick', () => picks++)
    plugin.destroy()
    expect(container.querySelector('canvas.uw-selection-tools')).toBeNull()
    container.dispatchEvent(pointer('pointerdown', 5, 5))
    expect(picks).toBe(0)
    expect(container.style.cursor).toBe('')
  })
})
