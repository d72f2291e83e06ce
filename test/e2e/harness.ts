/**
 * Shared pieces of the end-to-end tests: building the app, choosing the model, making audio,
 * launching Debian's Chromium with playwright-core, reading performance marks, and the editor
 * flow itself (run against the test bridge in Chromium and, where the binary exists, in Electron).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { decodeAudioFile, type DecodedAudio } from '../../src/node/audio-decode'
import { repoRoot } from '../bridge/build'
import { startBridge, type Bridge } from '../bridge/server'

/** Where screenshots and measurements go. */
export const resultsDir = join(repoRoot, 'test-results')

/** Builds main, preload and renderer into out/ (the e2e always tests the current sources). */
export function buildApp(): void {
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
}

/** The shipped model when present, else the plumbing fixture (said so in the output). */
export function chooseModel(): { path: string; real: boolean } {
  const shipped = join(repoRoot, 'models', 'unweave-dc.json')
  if (existsSync(shipped) && existsSync(shipped.replace(/\.json$/, '.onnx')))
    return { path: shipped, real: true }
  return { path: join(repoRoot, 'test/fixtures/tiny-random.json'), real: false }
}

/** Debian's Chromium (apt install chromium). */
export function chromiumPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p
  }
  return null
}

/** The Electron binary if it was downloaded, without triggering the download. */
export function electronBinary(): string | null {
  const dir = join(repoRoot, 'node_modules', 'electron')
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const rel = readFileSync(pathFile, 'utf8').trim()
  const full = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel)
    : join(dir, 'dist', rel)
  return existsSync(full) ? full : null
}

/** Records long tasks from the first moment of every page (an init script). */
export const LONG_TASK_OBSERVER = `
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { window.__longTasks = null; }
`

/** Launches Chromium headless with a fresh profile and the given init scripts. */
export async function launchChromium(
  profileDir: string,
  initScripts: string[],
): Promise<BrowserContext> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error('Chromium not found: apt-get install -y chromium')
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  })
  for (const content of initScripts) await context.addInitScript({ content })
  return context
}

/**
 * The built app in Chromium over a bridge on the chosen model (user data and profile under `work`);
 * page errors and console errors are collected in `pageErrors`.
 */
export async function startEditor(work: string): Promise<{
  bridge: Bridge
  context: BrowserContext
  page: Page
  pageErrors: string[]
}> {
  buildApp()
  const bridge = await startBridge({
    userDataDir: join(work, 'user-data'),
    modelPath: chooseModel().path,
    device: 'cpu',
  })
  const context = await launchChromium(join(work, 'profile'), [bridge.clientScript])
  const page = context.pages()[0] ?? (await context.newPage())
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`)
  })
  await page.goto(bridge.url)
  return { bridge, context, page, pageErrors }
}

/** Opens `path` through main's Open dialog and separates it into `sources`; waits for the overlay. */
export async function openAndSeparate(
  bridge: Bridge,
  page: Page,
  path: string,
  sources: number,
): Promise<void> {
  bridge.dialogs.open.push(path)
  await page.getByRole('button', { name: /^open/i }).click()
  await markAfter(page, 'unweave:spectrogram-shown', 0)
  await page.getByLabel('Sources', { exact: true }).selectOption(String(sources))
  await page.getByRole('button', { name: 'Separate', exact: true }).click()
  await markAfter(page, 'unweave:overlay-updated', 0, 300_000)
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** axe-core on the page now: the serious and critical violations, as "id: targets" lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  // evaluated over the DevTools protocol: the app's Content-Security-Policy allows no inline script
  await page.evaluate(readFileSync(AXE, 'utf8'))
  return page.evaluate(async () => {
    /* eslint-disable @typescript-eslint/no-explicit-any -- axe's results, untyped in the page */
    const r = await (globalThis as any).axe.run((globalThis as any).document, {
      resultTypes: ['violations'],
    })
    return (r.violations as any[])
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(' | ')}`)
    /* eslint-enable @typescript-eslint/no-explicit-any */
  })
}

/** Start time of the first `name` mark after `after` (ms, page clock); waits for it. */
export async function markAfter(
  page: Page,
  name: string,
  after: number,
  timeout = 120_000,
): Promise<number> {
  const handle = await page.waitForFunction(
    ([n, a]) => {
      const m = performance
        .getEntriesByName(n as string, 'mark')
        .find((e) => e.startTime > (a as number))
      return m ? m.startTime : false
    },
    [name, after] as const,
    { timeout, polling: 20 },
  )
  return (await handle.jsonValue()) as number
}

/** The page's clock now. */
export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now())
}

/** How the test answers the app's native dialogs. */
export interface DialogDriver {
  queueOpen(path: string): Promise<void>
  queueFolder(path: string): Promise<void>
}

/** Max |sum of stems - input| over all channels and samples. */
export function mixtureError(stems: DecodedAudio[], input: DecodedAudio): number {
  let max = 0
  for (let c = 0; c < input.channels.length; c++) {
    const x = input.channels[c]!
    for (let i = 0; i < x.length; i++) {
      let s = 0
      for (const st of stems) s += st.channels[c]![i]!
      const d = Math.abs(s - x[i]!)
      if (d > max) max = d
    }
  }
  return max
}

/** Screenshot helper: test-results/<group>/<name>.png. */
export function shooter(page: Page, group: string): (name: string) => Promise<void> {
  const dir = join(resultsDir, group)
  mkdirSync(dir, { recursive: true })
  return async (name) => {
    await page.screenshot({ path: join(dir, `${name}.png`) })
  }
}

/**
 * The editor flow of issue 4: open a real file, separate into 3 sources, switch to 2, solo one,
 * export the stems (32-bit float WAV) and check them on disk; then export again and see the
 * overwrite question. Screenshots of each step under test-results/<group>/.
 */
export async function editorFlow(
  page: Page,
  dialogs: DialogDriver,
  opts: { mix: string; outDir: string; group: string },
): Promise<{ files: string[]; mixtureError: number }> {
  const shot = shooter(page, opts.group)
  const input = await decodeAudioFile(opts.mix)

  await dialogs.queueOpen(opts.mix)
  const t0 = await pageNow(page)
  await page.getByRole('button', { name: /^open/i }).click()
  await markAfter(page, 'unweave:spectrogram-shown', t0)
  await shot('01-opened')

  const sources = page.getByLabel('Sources', { exact: true })
  await sources.selectOption('3')
  const t1 = await pageNow(page)
  await page.getByRole('button', { name: 'Separate', exact: true }).click()
  const strips = page.getByRole('list', { name: 'Sources list' }).getByRole('listitem')
  await expect.poll(() => strips.count(), { timeout: 300_000 }).toBe(3)
  await markAfter(page, 'unweave:overlay-updated', t1, 300_000)
  await page.getByLabel('Suggested sources').waitFor({ state: 'visible' })
  await shot('02-three-sources')

  const t2 = await pageNow(page)
  await sources.selectOption('2')
  await expect.poll(() => strips.count(), { timeout: 60_000 }).toBe(2)
  await markAfter(page, 'unweave:overlay-updated', t2, 60_000)
  await shot('03-two-sources')

  const solo = page.getByRole('button', { name: 'Solo source 1' })
  await solo.click()
  await expect.poll(() => solo.getAttribute('aria-pressed')).toBe('true')
  await shot('04-solo-source-1')

  await dialogs.queueFolder(opts.outDir)
  await page.getByRole('button', { name: /^export/i }).click()
  const dialog = page.getByRole('dialog', { name: 'Export stems' })
  await dialog.waitFor({ state: 'visible' })
  await dialog.getByRole('button', { name: 'Choose folder…' }).click()
  await expect
    .poll(() => dialog.getByLabel('Folder', { exact: true }).inputValue())
    .toBe(opts.outDir)
  await dialog.getByLabel('Format', { exact: true }).selectOption('wav-32f')
  expect(await dialog.getByLabel('File name template').inputValue()).not.toBe('')
  await shot('05-export-dialog')
  await dialog.getByRole('button', { name: 'Export', exact: true }).click()
  await dialog.getByText(/Exported 2 stems/).waitFor({ state: 'visible', timeout: 300_000 })
  await shot('06-exported')

  const files = (await dialog.getByRole('listitem').allTextContents()).map((n) =>
    join(opts.outDir, n.trim()),
  )
  const stems = await Promise.all(files.map((f) => decodeAudioFile(f)))
  for (const s of stems) {
    if (s.sampleRate !== input.sampleRate)
      throw new Error(`stem rate ${s.sampleRate} != ${input.sampleRate}`)
    if (s.channels.length !== input.channels.length) throw new Error('stem channel count differs')
    if (s.channels[0]!.length !== input.channels[0]!.length) {
      throw new Error(`stem length ${s.channels[0]!.length} != ${input.channels[0]!.length}`)
    }
  }
  const err = mixtureError(stems, input)

  // Never silently: exporting again asks before replacing.
  await dialog.getByRole('button', { name: 'Done' }).click()
  await page.getByRole('button', { name: /^export/i }).click()
  await dialog.getByRole('button', { name: 'Export', exact: true }).click()
  const confirm = page.getByRole('alertdialog')
  await confirm.waitFor({ state: 'visible' })
  await shot('07-overwrite-question')
  await confirm.getByRole('button', { name: 'Replace' }).click()
  await dialog.getByText(/Exported 2 stems/).waitFor({ state: 'visible', timeout: 300_000 })
  await dialog.getByRole('button', { name: 'Done' }).click()
  return { files, mixtureError: err }
}
