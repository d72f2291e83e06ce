/**
 * Issue 5 in Chromium over the test bridge (real engine): separate a 3-minute song, paint a region
 * onto the other source with the brush, draw a rectangle and assign it, undo and redo; prints the
 * overlay cost per pointer event (target <= 16 ms) and, when main has the editing channel, the time
 * from the end of a stroke until playback re-reads the edited range (target <= 200 ms).
 * Screenshots under test-results/e2e-edit/.
 */
import { mkdtempSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveSox, soxMixture } from '../bridge/audio-fixtures'
import { startBridge, type Bridge } from '../bridge/server'
import {
  buildApp,
  chooseModel,
  chromiumPath,
  launchChromium,
  markAfter,
  pageNow,
  shooter,
} from './harness'

const ready = !!chromiumPath() && haveSox()
const work = mkdtempSync(join(tmpdir(), 'unweave-e2e-edit-'))

/** Durations (ms) of the named measures that started after `after`. */
async function measures(page: Page, name: string, after: number): Promise<number[]> {
  return page.evaluate(
    ([n, a]) =>
      performance
        .getEntriesByName(n as string, 'measure')
        .filter((e) => e.startTime > (a as number))
        .map((e) => e.duration),
    [name, after] as const,
  )
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
  return { n: s.length, max: s[s.length - 1] ?? 0, p95: p(0.95), median: p(0.5) }
}

describe.skipIf(!ready)('mask editing in Chromium over the test bridge (real engine)', () => {
  let bridge: Bridge
  let context: BrowserContext
  let page: Page
  const pageErrors: string[] = []
  const measured: Record<string, string> = {}

  beforeAll(async () => {
    buildApp()
    const model = chooseModel()
    bridge = await startBridge({
      userDataDir: join(work, 'user-data'),
      modelPath: model.path,
      device: 'cpu',
    })
    context = await launchChromium(join(work, 'profile'), [bridge.clientScript])
    page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`)
    })
    await page.goto(bridge.url)
  })

  afterAll(async () => {
    await context?.close()
    await bridge?.close()
    const [l1] = loadavg()
    measured['machine load (1-min load average / cores)'] = `${l1!.toFixed(1)} / ${cpus().length}`
    console.log('\n=== measured (issue 5 targets) ===')
    for (const [k, v] of Object.entries(measured)) console.log(`${k}: ${v}`)
  })

  it('paints onto another source, assigns a rectangle, undoes and redoes (3-minute song)', async () => {
    const shot = shooter(page, 'e2e-edit')
    bridge.dialogs.open.push(soxMixture(work, 'song-3min', 180))
    await page.getByRole('button', { name: /^open/i }).click()
    await markAfter(page, 'unweave:spectrogram-shown', 0)
    await page.getByLabel('Sources', { exact: true }).selectOption('2')
    const ts = await pageNow(page)
    await page.getByRole('button', { name: 'Separate', exact: true }).click()
    await markAfter(page, 'unweave:overlay-updated', ts, 600_000)
    await shot('01-separated')

    const tools = page.getByRole('toolbar', { name: 'Mask tools' })
    const spec = page.getByTestId('spectrogram')
    const box = (await spec.boundingBox())!
    // B picks the brush (the keyboard shortcut), painting onto source 2
    await spec.focus().catch(() => {})
    await page.locator('body').press('b')
    await expect.poll(() => spec.getAttribute('data-tool')).toBe('brush')
    await page.getByRole('combobox', { name: 'Target source' }).selectOption('1')
    await page.getByLabel('Brush size').fill('24')
    const undoDepth = async () =>
      page.getByRole('list', { name: 'History' }).getByRole('listitem').count()

    const t0 = await pageNow(page)
    const y = box.y + box.height * 0.6
    await page.mouse.move(box.x + box.width * 0.2, y)
    await page.mouse.down()
    for (let i = 1; i <= 60; i++)
      await page.mouse.move(box.x + box.width * (0.2 + i * 0.004), y - i)
    await page.mouse.up()
    await expect.poll(undoDepth).toBe(1)
    await page.waitForTimeout(300)
    await shot('02-painted-onto-source-2')
    const perEvent = await measures(page, 'edit:pointer', t0)
    const pointer = stats(perEvent)
    console.log(
      `brush: slowest pointer event is #${perEvent.indexOf(pointer.max) + 1} of ${perEvent.length}; first three ${perEvent
        .slice(0, 3)
        .map((x) => x.toFixed(1))
        .join(', ')} ms`,
    )
    const slices = stats(await measures(page, 'overlay:slice', t0))
    expect(pointer.n).toBeGreaterThan(30)
    console.log(
      `brush on a 3-min song: edit per pointer event median ${pointer.median.toFixed(2)} ms, p95 ${pointer.p95.toFixed(2)} ms, max ${pointer.max.toFixed(2)} ms over ${pointer.n} events; overlay repaint per frame median ${slices.median.toFixed(2)} ms, max ${slices.max.toFixed(2)} ms (target: edit + repaint <= 16 ms)`,
    )
    measured['overlay update per pointer event: edit (median / p95 / max)'] =
      `${pointer.median.toFixed(2)} / ${pointer.p95.toFixed(2)} / ${pointer.max.toFixed(2)} ms`
    measured['overlay update per pointer event: repaint of the touched columns (median / max)'] =
      `${slices.median.toFixed(2)} / ${slices.max.toFixed(2)} ms`
    measured['overlay update per pointer event: edit p95 + repaint max (target <= 16 ms)'] =
      `${(pointer.p95 + slices.max).toFixed(2)} ms`
    const prep = await measures(page, 'edit:prepare', 0)
    if (prep.length)
      measured['editing starts: automatic masks -> editable (once)'] = `${prep[0]!.toFixed(0)} ms`
    const synced = await measures(page, 'edit:main-synced', t0)
    measured['stroke end -> main has the edit, playback re-reads (target <= 200 ms)'] =
      synced.length
        ? `${synced[0]!.toFixed(0)} ms`
        : 'not measured: main has no editMasks channel yet (requested in .coord/requests.md)'

    // Rectangle: drag, then assign to source 1
    await tools.getByRole('button', { name: 'Rectangle' }).click()
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.3)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 })
    await page.mouse.up()
    await expect
      .poll(() => page.getByRole('status', { name: 'Selection' }).textContent())
      .toMatch(/bins selected/)
    await page.getByRole('combobox', { name: 'Target source' }).selectOption('0')
    await page.getByRole('button', { name: 'Assign to target' }).click()
    await expect.poll(undoDepth).toBe(2)
    await page.waitForTimeout(300)
    await shot('03-rectangle-assigned')

    // Undo both with the platform shortcut, redo one
    await page.locator('body').press('Control+z')
    await page.locator('body').press('Control+z')
    await expect
      .poll(() => page.locator('ol[aria-labelledby="history-heading"] li.undone').count())
      .toBe(2)
    await page.waitForTimeout(300)
    await shot('04-undone')
    await page.locator('body').press('Control+Shift+z')
    await expect
      .poll(() => page.locator('ol[aria-labelledby="history-heading"] li.undone').count())
      .toBe(1)
    await page.waitForTimeout(300)
    await shot('05-redone')
    expect(pageErrors).toEqual([])
  })
})
