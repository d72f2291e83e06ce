/**
 * `npm run test:e2e`: the built renderer in Debian's Chromium (playwright-core) against the test
 * bridge, which serves the IPC contract from the same main-process services as Electron and runs
 * the REAL engine and model (models/unweave-dc when shipped; the plumbing fixture otherwise, said
 * so in the output). Prints the measured targets of issue 4; timings are printed, not asserted.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveSox, soxMixture } from '../bridge/audio-fixtures'
import { startBridge, type Bridge } from '../bridge/server'
import {
  LONG_TASK_OBSERVER,
  buildApp,
  chooseModel,
  chromiumPath,
  editorFlow,
  launchChromium,
  markAfter,
  pageNow,
  resultsDir,
  shooter,
} from './harness'

const ready = !!chromiumPath() && haveSox()
if (!ready) console.log('e2e skipped: needs /usr/bin/chromium (apt-get install chromium) and sox')

const work = mkdtempSync(join(tmpdir(), 'unweave-e2e-'))
const measured: Record<string, string> = {}
let song3min: string | undefined
/** The 3-minute 44.1 kHz stereo song (made once). */
const song = (): string => (song3min ??= soxMixture(work, 'song-3min', 180))

describe.skipIf(!ready)('the editor in Chromium over the test bridge (real engine)', () => {
  let bridge: Bridge
  let context: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  beforeAll(async () => {
    buildApp()
    const model = chooseModel()
    console.log(
      model.real
        ? `model: ${model.path}`
        : `model: ${model.path} (PLUMBING FIXTURE, random weights: models/unweave-dc.onnx is not shipped yet)`,
    )
    measured.model = model.path
    bridge = await startBridge({
      userDataDir: join(work, 'user-data'),
      modelPath: model.path,
      device: 'cpu',
    })
    context = await launchChromium(join(work, 'profile'), [bridge.clientScript, LONG_TASK_OBSERVER])
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
    measured['machine load while measuring (1-min load average / cores)'] =
      `${l1!.toFixed(1)} / ${cpus().length}`
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(
      join(resultsDir, 'e2e-measurements.json'),
      `${JSON.stringify(measured, null, 2)}\n`,
    )
    console.log('\n=== measured (issue 4 targets) ===')
    for (const [k, v] of Object.entries(measured)) console.log(`${k}: ${v}`)
  })

  it('opens a 3-source mixture, separates into 3, switches to 2, solos, exports stems that sum to the input', async () => {
    const mix = soxMixture(work, 'three-sources', 20)
    const out = join(work, 'stems')
    mkdirSync(out)
    const r = await editorFlow(
      page,
      {
        queueOpen: async (p) => void bridge.dialogs.open.push(p),
        queueFolder: async (p) => void bridge.dialogs.folder.push(p),
      },
      { mix, outDir: out, group: 'e2e' },
    )
    expect(r.files).toHaveLength(2)
    expect(r.files.every((f) => f.endsWith('.wav'))).toBe(true)
    console.log(
      `stems: ${r.files.join(', ')}; max |sum - input| = ${r.mixtureError.toExponential(2)}`,
    )
    measured['mixture consistency (max |sum of stems - input|, 32f WAV)'] =
      r.mixtureError.toExponential(2)
    expect(r.mixtureError).toBeLessThan(1e-4)
    expect(pageErrors).toEqual([])
  })

  it('stereo placement: the control is enabled for a stereo file and its result says so', async () => {
    const mix = soxMixture(work, 'stereo-cue', 8)
    bridge.dialogs.open.push(mix)
    await page.getByRole('button', { name: /^open/i }).click()
    const box = page.getByRole('checkbox', { name: 'Stereo placement' })
    await expect.poll(() => box.isEnabled(), { timeout: 60_000 }).toBe(true)
    expect(await box.isChecked()).toBe(false)
    await box.check()
    await page.getByRole('button', { name: 'Separate', exact: true }).click()
    const chip = page.getByRole('status', { name: 'Stereo placement in use' })
    await chip.waitFor({ timeout: 120_000 })
    expect(await chip.getAttribute('title')).toMatch(/weight \d/)
    // Off again: Separate runs the network without the cue, and the chip goes.
    await box.uncheck()
    await page.getByRole('button', { name: 'Separate', exact: true }).click()
    await chip.waitFor({ state: 'detached', timeout: 120_000 })
    expect(pageErrors).toEqual([])
  })

  it('measures a 3-minute 44.1 kHz stereo song: open -> spectrogram, and k change -> overlay', async () => {
    const shot = shooter(page, 'e2e')
    await page.reload()
    bridge.dialogs.open.push(song())
    const t0 = await pageNow(page)
    await page.getByRole('button', { name: /^open/i }).click()
    const shown = await markAfter(page, 'unweave:spectrogram-shown', t0)
    const openMs = shown - t0
    const engine = bridge.service.file?.timingsSec
    console.log(
      `3-min song: open -> spectrogram shown ${openMs.toFixed(0)} ms (target <= 1500; of which decoding ${((engine?.decode ?? 0) * 1000).toFixed(0)} ms)`,
    )
    measured['3-min song: open -> spectrogram shown (target <= 1500 ms)'] =
      `${openMs.toFixed(0)} ms`
    await shot('08-song-3min-opened')

    const sources = page.getByLabel('Sources', { exact: true })
    await sources.selectOption('3')
    // Progress with an ETA, and Cancel leaves the app usable. The engine's answers are held until
    // main sends it the cancel: on a fast machine the separation could end before the click, and
    // the button would be gone. The engine still runs, and gets the cancel, for real.
    const cancelSent = bridge.holdAnswersUntilCancel()
    await page.getByRole('button', { name: 'Separate', exact: true }).click()
    const bar = page.getByRole('progressbar', { name: 'Separation progress' })
    await bar.waitFor({ state: 'visible', timeout: 60_000 })
    await expect.poll(() => bar.getAttribute('value'), { timeout: 60_000 }).not.toBe('0')
    await shot('09a-separating-progress')
    await page.getByRole('button', { name: 'Cancel', exact: true }).click()
    await cancelSent
    await bar.waitFor({ state: 'hidden', timeout: 60_000 })
    expect(await page.getByRole('alert').count()).toBe(0)
    expect(
      await page.getByRole('list', { name: 'Sources list' }).getByRole('listitem').count(),
    ).toBe(0)

    const ts = await pageNow(page)
    await page.getByRole('button', { name: 'Separate', exact: true }).click()
    const strips = page.getByRole('list', { name: 'Sources list' }).getByRole('listitem')
    await expect.poll(() => strips.count(), { timeout: 600_000 }).toBe(3)
    const sepDone = await markAfter(page, 'unweave:overlay-updated', ts, 600_000)
    measured['3-min song: Separate (analyse + cluster k=3) -> overlay'] =
      `${((sepDone - ts) / 1000).toFixed(1)} s`
    console.log(`3-min song: separate into 3 -> overlay ${((sepDone - ts) / 1000).toFixed(1)} s`)

    const tk = await pageNow(page)
    await sources.selectOption('2')
    const overlay = await markAfter(page, 'unweave:overlay-updated', tk, 60_000)
    const kMs = overlay - tk
    console.log(`3-min song: k 3 -> 2, overlay updated in ${kMs.toFixed(0)} ms (target <= 1000)`)
    measured['3-min song: k change -> overlay updated (target <= 1000 ms)'] = `${kMs.toFixed(0)} ms`
    await shot('09b-song-3min-two-sources')
  })

  it('measures long tasks while a 30-minute file loads and scrolls', async () => {
    const long = join(work, 'long-30min.wav')
    execFileSync('sox', [song(), long, 'repeat', '9'])
    await page.reload()
    const t0 = await pageNow(page)
    bridge.dialogs.open.push(long)
    await page.getByRole('button', { name: /^open/i }).click()
    const shown = await markAfter(page, 'unweave:spectrogram-shown', t0, 300_000)
    // Scroll through it: zoom in, then wheel across.
    const zoomIn = page.getByRole('button', { name: 'Zoom in' })
    for (let i = 0; i < 4; i++) await zoomIn.click()
    const spec = page.getByTestId('spectrogram')
    await spec.hover()
    for (let i = 0; i < 15; i++) {
      await page.mouse.wheel(900, 0)
      await page.waitForTimeout(80)
    }
    await page.waitForTimeout(1500)
    await shooter(page, 'e2e')('10-long-30min-scrolled')
    const tasks = (await page.evaluate(
      () =>
        (globalThis as unknown as { __longTasks: { start: number; duration: number }[] | null })
          .__longTasks,
    )) as { start: number; duration: number }[] | null
    const mine = (tasks ?? []).filter((t) => t.start >= t0)
    const over100 = mine.filter((t) => t.duration > 100)
    const max = Math.max(0, ...mine.map((t) => t.duration))
    const summary =
      tasks === null
        ? 'longtask observer unavailable'
        : `${over100.length} over 100 ms (target: none); ${mine.length} long tasks (> 50 ms) in all, longest ${max.toFixed(0)} ms`
    console.log(
      `30-min file: open -> spectrogram shown ${((shown - t0) / 1000).toFixed(2)} s; ${summary}`,
    )
    if (over100.length)
      console.log(
        `  over 100 ms: ${over100.map((t) => `${t.duration.toFixed(0)} ms @ ${(t.start - t0).toFixed(0)}`).join(', ')}`,
      )
    measured['30-min file: open -> spectrogram shown'] = `${((shown - t0) / 1000).toFixed(2)} s`
    measured[
      '30-min file: main-thread long tasks while loading + scrolling (target: none > 100 ms)'
    ] = summary
    expect(pageErrors).toEqual([])
  })
})
