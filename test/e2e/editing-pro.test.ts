/**
 * Issue 17 in Chromium over the test bridge (real engine, the bundled example): selection algebra
 * (Shift adds, Alt subtracts, Shift+Alt intersects; all / invert / none), hearing the selection
 * (compared with the engine's synthesis through the selection, computed here), the History's jump
 * to any state with names that say what happened, navigation (frequency zoom, overview, keys,
 * wheel), the "?" list, and axe-core on the main states and at 1024x640. Screenshots under
 * test-results/e2e-pro/. Nothing here is timed.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- page-side code reads untyped window fields */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  selectionMaskRows,
  synthesizeFromRows,
  touchedSampleRange,
  type Selection,
} from '../../src/engine/index'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { repoRoot } from '../bridge/build'
import type { Bridge } from '../bridge/server'
import { axeViolations, chromiumPath, openAndSeparate, shooter, startEditor } from './harness'

const ready = !!chromiumPath()
const work = mkdtempSync(join(tmpdir(), 'unweave-e2e-pro-'))
const EXAMPLE = join(repoRoot, 'examples/trio.flac')

type Grid = { sampleRate: number; nFft: number; hop: number; frames: number; bins: number }

describe.skipIf(!ready)('editing like a professional, in Chromium (real engine)', () => {
  let bridge: Bridge
  let context: BrowserContext
  let page: Page
  let pageErrors: string[] = []
  let sepId = ''
  let grid: Grid
  const shot = (name: string) => shooter(page, 'e2e-pro')(name)

  const spec = () => page.getByTestId('spectrogram')
  const status = () => page.getByRole('status', { name: 'Selection' })
  const count = async () => Number(((await status().textContent()) ?? '').replace(/\D/g, '')) || 0
  /** Drags on the spectrogram between two points given as fractions of its box, with modifiers held. */
  async function drag(a: [number, number], b: [number, number], mods: string[] = []) {
    const box = (await spec().boundingBox())!
    for (const m of mods) await page.keyboard.down(m)
    await page.mouse.move(box.x + box.width * a[0], box.y + box.height * a[1])
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * b[0], box.y + box.height * b[1], { steps: 4 })
    await page.mouse.up()
    for (const m of [...mods].reverse()) await page.keyboard.up(m)
  }
  /** Selection count after a gesture that must change it from `before`. */
  async function countAfter(before: number): Promise<number> {
    await expect.poll(count).not.toBe(before)
    return count()
  }
  async function clear() {
    await page.getByRole('button', { name: 'Clear selection' }).click()
    await expect.poll(() => status().textContent()).toBe('No selection')
  }
  const A: [[number, number], [number, number]] = [
    [0.15, 0.3],
    [0.45, 0.6],
  ]
  const B: [[number, number], [number, number]] = [
    [0.3, 0.45],
    [0.65, 0.8],
  ]

  /** Source 1's stem over the whole file, kept in the page under `key`. */
  const readStem = (key: string) =>
    page.evaluate(
      async ([id, k]) => {
        const api = (globalThis as any).api
        const r = await api.getStemAudio({ separationId: id, sources: [0] })
        if (r.type !== 'ok') throw new Error(r.message)
        ;(globalThis as any)[k as string] = r.value.stems[0].channels
      },
      [sepId, key] as const,
    )
  const samplesDiffering = (a: string, b: string) =>
    page.evaluate(
      ([ka, kb]) => {
        const x = (globalThis as any)[ka as string] as Float32Array[]
        const y = (globalThis as any)[kb as string] as Float32Array[]
        let n = 0
        for (let c = 0; c < x.length; c++)
          for (let i = 0; i < x[c].length; i++) if (x[c][i] !== y[c][i]) n++
        return n
      },
      [a, b] as const,
    )
  const synced = () =>
    page.evaluate(() => performance.getEntriesByName('edit:main-synced', 'measure').length)

  const axe = () => axeViolations(page)

  beforeAll(async () => {
    ;({ bridge, context, page, pageErrors } = await startEditor(work))
  })

  afterAll(async () => {
    await context?.close()
    await bridge?.close()
  })

  it('axe-core: no serious or critical violations on the empty screen', async () => {
    await page.getByRole('button', { name: 'Choose a recording' }).waitFor()
    await shot('00-empty')
    expect(await axe()).toEqual([])
  })

  it('opens the bundled example: all three voices from the first second; separates into 3', async () => {
    await openAndSeparate(bridge, page, EXAMPLE, 3)
    sepId = (await spec().getAttribute('data-separation-id'))!
    expect(sepId).not.toBe('')
    grid = await page.evaluate(async (id) => {
      const r = await (globalThis as any).api.getMasks({
        separationId: id,
        range: { from: 0, to: 1 },
      })
      if (r.type !== 'ok') throw new Error(r.message)
      return r.value.grid
    }, sepId)
    // every source has energy in the first second of the example (what a new user sees first)
    const firstSecond = await page.evaluate(async (id) => {
      const r = await (globalThis as any).api.getStemAudio({
        separationId: id,
        sources: [0, 1, 2],
        range: { from: 0, to: 44100 },
      })
      if (r.type !== 'ok') throw new Error(r.message)
      return r.value.stems.map((s: any) => {
        let e = 0
        for (const c of s.channels) for (const x of c) e += x * x
        return 10 * Math.log10(e / (2 * 44100) + 1e-20)
      })
    }, sepId)
    console.log(
      `example, first second: source levels ${firstSecond.map((d: number) => d.toFixed(1)).join(', ')} dBFS`,
    )
    for (const db of firstSecond) expect(db).toBeGreaterThan(-60)
    await shot('01-example-separated')
    expect(await axe()).toEqual([])
  })

  it('selection algebra: Shift adds, Alt subtracts, Shift+Alt intersects; all, invert, none', async () => {
    await page.locator('body').press('r') // the rectangle
    await expect.poll(() => spec().getAttribute('data-tool')).toBe('rect')
    await drag(...A)
    const nA = await countAfter(0)
    await clear()
    await drag(...B)
    const nB = await countAfter(0)
    await clear()
    await drag(...A)
    await countAfter(0)
    await drag(...B, ['Shift'])
    const nU = await countAfter(nA)
    await shot('02-selection-added')
    await clear()
    await drag(...A)
    await countAfter(0)
    await drag(...B, ['Shift', 'Alt'])
    const nI = await countAfter(nA)
    await shot('03-selection-intersected')
    await clear()
    await drag(...A)
    await countAfter(0)
    await drag(...B, ['Alt'])
    const nD = await countAfter(nA)
    await shot('04-selection-subtracted')
    console.log(
      `selection algebra: |A| ${nA}, |B| ${nB}, |A+B| ${nU}, |A&B| ${nI}, |A-B| ${nD} bins`,
    )
    expect(nI).toBeGreaterThan(0)
    expect(nU + nI).toBe(nA + nB)
    expect(nD).toBe(nA - nI)
    // all, invert, none
    await page.getByRole('button', { name: 'Select all' }).click()
    await expect.poll(count).toBe(grid.frames * grid.bins)
    await page.getByRole('button', { name: 'Invert' }).click()
    await expect.poll(() => status().textContent()).toBe('No selection')
    await drag(...A)
    await countAfter(0)
    await page.getByRole('button', { name: 'Invert' }).click()
    await expect.poll(count).toBe(grid.frames * grid.bins - nA)
    await page.locator('body').press('Control+d')
    await expect.poll(() => status().textContent()).toBe('No selection')
    expect(pageErrors).toEqual([])
  })

  it("hears the selection: the loop is the engine's synthesis through the selection (and the rest)", async () => {
    await drag(...A)
    await countAfter(0)
    const box = (await spec().getAttribute('data-selection'))!.split(',').map(Number)
    const sel: Selection = {
      frame0: box[0]!,
      frames: box[1]!,
      bin0: box[2]!,
      bins: box[3]!,
      weights: new Uint8Array(box[1]! * box[3]!).fill(255),
    }
    expect(await count()).toBe(sel.frames * sel.bins) // a rectangle: every bin in its box
    // what the engine makes of the example with this selection as the mask, here in Node
    const audio = await decodeAudioFile(EXAMPLE)
    const range = touchedSampleRange(
      grid,
      { frameStart: sel.frame0, frameEnd: sel.frame0 + sel.frames },
      audio.sampleRate,
      audio.channels[0]!.length,
    )
    const expected = [0, 1].map(() => audio.channels.map(() => new Float32Array(range.length)))
    const at = [0, 0]
    await synthesizeFromRows(
      audio,
      selectionMaskRows({ ...grid, k: 2 }, sel),
      {
        write(s, block) {
          block.forEach((b, c) => expected[s]![c]!.set(b, at[s]))
          at[s]! += block[0]!.length
        },
      },
      { range },
    )
    const energy = (chs: Float32Array[]) =>
      chs.reduce((e, c) => e + c.reduce((a, x) => a + x * x, 0), 0)
    for (const [part, name, index] of [
      ['selection', 'Hear selection', 0],
      ['rest', 'Hear all but selection', 1],
    ] as const) {
      const t0 = await page.evaluate(() => performance.now())
      await page.getByRole('button', { name, exact: true }).click()
      await expect
        .poll(() => page.getByRole('button', { name, exact: true }).getAttribute('aria-pressed'))
        .toBe('true')
      const played = await page.evaluate(
        (after) =>
          (performance.getEntriesByName('selection:playing', 'mark') as any[])
            .filter((m) => m.startTime > after)
            .map((m) => m.detail)[0],
        t0,
      )
      expect(played.part).toBe(part)
      expect(played.fromSample).toBe(range.start)
      expect(played.samples).toBe(range.length)
      const want = energy(expected[index]!)
      expect(Math.abs(played.energy - want)).toBeLessThanOrEqual(1e-6 * want)
      await shot(`05-hearing-${part}`)
    }
    // main's audio for this selection, sample for sample
    const fromMain = await page.evaluate(
      async ([id, s]) => {
        const api = (globalThis as any).api
        const sel = { ...(s as any), weights: new Uint8Array((s as any).weights) }
        const r = await api.getSelectionAudio({
          separationId: id,
          selection: sel,
          part: 'selection',
        })
        if (r.type !== 'ok') throw new Error(r.message)
        return r.value.stems[0].channels.map((c: Float32Array) => Array.from(c))
      },
      [sepId, { ...sel, weights: Array.from(sel.weights) }] as const,
    )
    for (let c = 0; c < fromMain.length; c++)
      expect(Float32Array.from(fromMain[c]!)).toEqual(expected[0]![c]!)
    await page.getByRole('button', { name: 'Hear all but selection', exact: true }).click() // stop
    await expect
      .poll(() =>
        page
          .getByRole('button', { name: 'Hear all but selection', exact: true })
          .getAttribute('aria-pressed'),
      )
      .toBe('false')
    await page.locator('body').press('Control+d')
    expect(pageErrors).toEqual([])
  })

  it('the History goes to any state; its names say the tool, the source, the time and the band', async () => {
    // editing starts main's editor (the automatic masks on the 12-bit grid): the "before" stem is
    // read with it, after an edit and its undo
    const target = page.getByRole('combobox', { name: 'Target source' })
    const n = await synced()
    await drag(...A)
    await countAfter(0)
    await target.selectOption('1')
    await page.getByRole('button', { name: 'Assign to target' }).click()
    await expect.poll(synced).toBe(n + 1)
    await page.locator('body').press('Control+z')
    await expect.poll(synced).toBe(n + 2)
    await page.locator('body').press('Control+d')
    await readStem('orig')
    const edits: [typeof A, string][] = [
      [A, '0'],
      [B, '1'],
      [A, '2'],
    ]
    for (const [shape, to] of edits) {
      const before = await synced()
      await drag(...shape)
      await countAfter(0)
      await target.selectOption(to)
      await page.getByRole('button', { name: 'Assign to target' }).click()
      await expect.poll(synced).toBe(before + 1)
      await page.locator('body').press('Control+d')
    }
    await readStem('e3')
    const list = page.getByRole('list', { name: 'History' })
    const labels = await list.getByRole('button').allTextContents()
    expect(labels).toHaveLength(3) // the undone edit went when the first of these was made
    for (const [i, l] of labels.entries())
      expect(l.trim()).toMatch(
        new RegExp(
          `^Rectangle → Source ${Number(edits[i]![1]) + 1}, \\d:\\d\\d\\.\\d–\\d:\\d\\d\\.\\d, [\\d.]+( k?Hz)?–[\\d.]+ k?Hz$`,
        ),
      )
    await shot('06-history-three-edits')
    // to just after the first edit: the other two are undone (in main too)
    let before = await synced()
    await list.getByRole('button').first().click()
    await expect.poll(() => list.locator('li.undone').count()).toBe(2)
    expect(await list.getByRole('button').first().getAttribute('aria-current')).toBe('step')
    await expect.poll(synced).toBe(before + 2)
    await shot('07-history-back-to-first')
    // to the original: source 1's stem is the automatic one again, bit for bit
    before = await synced()
    await page.getByRole('button', { name: 'Original', exact: true }).click()
    await expect.poll(() => list.locator('li.undone').count()).toBe(3)
    await expect.poll(synced).toBe(before + 1)
    await readStem('back')
    expect(await samplesDiffering('orig', 'back')).toBe(0)
    expect(await samplesDiffering('orig', 'e3')).toBeGreaterThan(0)
    // and forward to the last again: the same stem as after the edits
    before = await synced()
    await list.getByRole('button').last().click()
    await expect.poll(() => list.locator('li.undone').count()).toBe(0)
    await expect.poll(synced).toBe(before + 3)
    await readStem('forward')
    expect(await samplesDiffering('e3', 'forward')).toBe(0)
    await shot('08-history-forward-again')
    expect(pageErrors).toEqual([])
  })

  it('navigates: frequency zoom (ruler drag, Shift+wheel, double-click), overview, = and 0, and ? lists every shortcut', async () => {
    await page.locator('body').press('Escape') // put the tool down
    await page.locator('body').press('Escape')
    const lo = async () => Number(await spec().getAttribute('data-freq-lo'))
    const hi = async () => Number(await spec().getAttribute('data-freq-hi'))
    const ruler = page.locator('.freq-ruler')
    const rb = (await ruler.boundingBox())!
    // drag from 30 % to 60 % of the ruler's height: axis positions 0.4 .. 0.7 shown
    await page.mouse.move(rb.x + rb.width / 2, rb.y + rb.height * 0.3)
    await page.mouse.down()
    await page.mouse.move(rb.x + rb.width / 2, rb.y + rb.height * 0.6, { steps: 4 })
    await page.mouse.up()
    await expect.poll(lo).toBeCloseTo(0.4, 1)
    expect(await hi()).toBeCloseTo(0.7, 1)
    expect(await page.getByLabel('Frequencies shown').textContent()).toMatch(/Hz – .*Hz/)
    await shot('09-frequency-zoomed')
    await ruler.dblclick()
    await expect.poll(hi).toBe(1)
    expect(await lo()).toBe(0)
    // Shift+wheel over the spectrogram zooms frequency around the pointer
    const sb = (await spec().boundingBox())!
    await page.mouse.move(sb.x + sb.width / 2, sb.y + sb.height * 0.5)
    await page.keyboard.down('Shift')
    await page.mouse.wheel(0, -120)
    await page.keyboard.up('Shift')
    await expect.poll(async () => (await hi()) - (await lo())).toBeLessThan(1)
    await page.getByRole('button', { name: 'All', exact: true }).click()
    await expect.poll(hi).toBe(1)
    // = zooms time in from anywhere; the overview shows the window and moves it
    await page.locator('body').press('=')
    await page.locator('body').press('=')
    await expect
      .poll(async () => Number(await spec().getAttribute('data-px-per-sec')))
      .toBeGreaterThan(0)
    const overview = page.getByRole('slider', { name: 'Overview of the whole file' })
    const before = await overview.getAttribute('aria-valuetext')
    const ob = (await overview.boundingBox())!
    await page.mouse.click(ob.x + ob.width * 0.9, ob.y + ob.height / 2)
    await expect.poll(() => overview.getAttribute('aria-valuetext')).not.toBe(before)
    // near the end: the window ends with the file
    expect(await overview.getAttribute('aria-valuetext')).toMatch(/to 0:15\.0 of 0:15\.0$/)
    await shot('10-zoomed-in-overview')
    await page.locator('body').press('0')
    await expect.poll(() => spec().getAttribute('data-px-per-sec')).toBe('0')
    // ? lists every shortcut; Escape closes it
    await page.locator('body').press('?')
    const dialog = page.getByRole('dialog', { name: 'Keyboard and mouse' })
    await dialog.waitFor({ state: 'visible' })
    const text = (await dialog.textContent()) ?? ''
    for (const k of [
      'B',
      'E',
      'R',
      'L',
      'T',
      'F',
      'W',
      'Shift+drag',
      'Alt+drag',
      'Shift+Space',
      'Ctrl+Z',
      'Shift+wheel',
    ])
      expect(text).toContain(k)
    await shot('11-shortcuts')
    expect(await axe()).toEqual([])
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(pageErrors).toEqual([])
  })

  it('holds at 1024x640: nothing overflows, the file name reads in full; axe-core on the export dialog', async () => {
    await page.setViewportSize({ width: 1024, height: 640 })
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (globalThis as any).document.documentElement.scrollWidth <=
            (globalThis as any).innerWidth,
        ),
      )
      .toBe(true)
    const name = page.getByText('trio.flac', { exact: true }).first()
    await name.waitFor()
    expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true)
    for (const role of ['toolbar', 'main'] as const) {
      const b = await page.getByRole(role).first().boundingBox()
      if (b) expect(b.x + b.width).toBeLessThanOrEqual(1024 + 1)
    }
    await shot('12-1024x640')
    expect(await axe()).toEqual([])
    await page.getByRole('button', { name: /^export/i }).click()
    await page.getByRole('dialog', { name: 'Export stems' }).waitFor()
    await shot('13-export-dialog')
    expect(await axe()).toEqual([])
    await page.keyboard.press('Escape')
    await page.setViewportSize({ width: 1400, height: 860 })
    expect(pageErrors).toEqual([])
  })
})
