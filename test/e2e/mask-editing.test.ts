/**
 * Issue 5 in Chromium over the test bridge (real engine): separate a 3-minute song, paint a region
 * onto the other source with the brush, draw a rectangle and assign it, undo and redo; prints the
 * overlay cost per pointer event (target <= 16 ms) and, when main has the editing channel, the time
 * from the end of a stroke until playback re-reads the edited range (target <= 200 ms).
 * Screenshots under test-results/e2e-edit/.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- page-side code reads untyped window fields */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync } from 'node:fs'
import { strFromU8, unzipSync } from 'fflate'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveSox, soxMixture } from '../bridge/audio-fixtures'
import { repoRoot } from '../bridge/build'
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
  /** The song, the project saved by the second test and its number of edits. */
  let songPath = ''
  let savedProject = ''
  let savedEdits = 0
  const watch = (p: Page): void => {
    p.on('pageerror', (e) => pageErrors.push(String(e)))
    p.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`)
    })
  }

  beforeAll(async () => {
    buildApp()
    // the CLI too: the project export is compared with `unweave separate --project`
    execFileSync(process.execPath, [join(repoRoot, 'scripts/build-cli.mjs')], { stdio: 'ignore' })
    const model = chooseModel()
    bridge = await startBridge({
      userDataDir: join(work, 'user-data'),
      modelPath: model.path,
      device: 'cpu',
    })
    context = await launchChromium(join(work, 'profile'), [bridge.clientScript])
    page = context.pages()[0] ?? (await context.newPage())
    watch(page)
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
    songPath = soxMixture(work, 'song-3min', 180)
    bridge.dialogs.open.push(songPath)
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
    measured[
      'first stroke (24-px brush at fit zoom, ~50 s of audio) end -> main synced, playback re-reads (target <= 200 ms)'
    ] = synced.length
      ? `${synced[0]!.toFixed(0)} ms`
      : 'not measured: main has no editMasks channel'

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

  it('with main editing: the soloed stem changes in the edited frames only; undo/redo; save, reopen, export = CLI', async () => {
    const hasMain = await page.evaluate(
      () =>
        typeof (globalThis as unknown as { api: Record<string, unknown> }).api.editMasks ===
        'function',
    )
    if (!hasMain) {
      console.log('skipped: main has no editMasks channel yet (the renderer edits locally only)')
      return
    }
    const shot = shooter(page, 'e2e-edit')
    const spec = page.getByTestId('spectrogram')
    const box = (await spec.boundingBox())!
    const sepId = (await spec.getAttribute('data-separation-id'))!
    expect(sepId).not.toBe('')
    const duration = 180
    const sr = 44100
    // a short stroke around 90-94 s; read 80-105 s of source 2's stem before and after
    const from = 80 * sr
    const to = 105 * sr
    const read = (key: string) =>
      page.evaluate(
        async ([id, f, t, k]) => {
          const api = (
            globalThis as unknown as { api: Record<string, (a: unknown) => Promise<any>> }
          ).api
          const r = await api.getStemAudio({
            separationId: id,
            sources: [1],
            range: { from: f, to: t },
          })
          if (r.type !== 'ok') throw new Error(r.message)
          ;(globalThis as any)[k as string] = r.value.stems[0].channels
          return r.value.fromSample as number
        },
        [sepId, from, to, key] as const,
      )
    const diff = (a: string, b: string) =>
      page.evaluate(
        ([ka, kb]) => {
          const x = (globalThis as any)[ka as string] as Float32Array[]
          const y = (globalThis as any)[kb as string] as Float32Array[]
          let first = -1
          let last = -1
          let n = 0
          for (let c = 0; c < x.length; c++)
            for (let i = 0; i < x[c].length; i++)
              if (x[c][i] !== y[c][i]) {
                n++
                if (first < 0 || i < first) first = i
                if (i > last) last = i
              }
          return { n, first, last }
        },
        [a, b] as const,
      )
    const xA = box.x + (box.width * 90) / duration
    const xB = box.x + (box.width * 94) / duration
    const y = box.y + box.height * 0.7
    // Listen while painting: no tool (a click seeks), playhead at 90 s, play, solo source 2 (key 2)
    for (let i = 0; i < 3 && (await spec.getAttribute('data-tool')); i++)
      await page.locator('body').press('Escape')
    await expect.poll(() => spec.getAttribute('data-tool')).toBeFalsy()
    await page.mouse.click(xA, y)
    await page.getByRole('button', { name: 'Play' }).click()
    await expect
      .poll(() => page.getByRole('button', { name: 'Play' }).getAttribute('aria-pressed'))
      .toBe('true')
    await page.locator('body').press('2')
    await page
      .getByRole('toolbar', { name: 'Mask tools' })
      .getByRole('button', { name: 'Brush' })
      .click()
    await page.getByRole('combobox', { name: 'Target source' }).selectOption('1')
    await page.getByLabel('Brush size').fill('6')
    await read('before')
    const t0 = await pageNow(page)
    await page.mouse.move(xA, y)
    await page.mouse.down()
    for (let i = 1; i <= 10; i++) await page.mouse.move(xA + ((xB - xA) * i) / 10, y)
    await page.mouse.up()
    await expect.poll(async () => (await measures(page, 'edit:main-synced', t0)).length).toBe(1)
    const synced = (await measures(page, 'edit:main-synced', t0))[0]!
    console.log(
      `stroke end -> main has the edit, playback re-reads: ${synced.toFixed(0)} ms (target <= 200)`,
    )
    // ... and the soloed source sounds edited: the first stems scheduled after the edit's restart
    const audible = async () =>
      page.evaluate((after) => {
        const end = performance
          .getEntriesByName('edit:main-synced', 'measure')
          .find((e) => e.startTime > after)
        const mark = (
          performance.getEntriesByName('playback:stems', 'mark') as unknown as {
            startTime: number
            detail: unknown
          }[]
        )
          .filter((m) => end && m.startTime > end.startTime)
          .find((m) => (m.detail as { afterEdit: boolean }).afterEdit)
        if (!end || !mark) return null
        const d = mark.detail as { audibleAt: number; fileSec: number }
        return { ms: d.audibleAt - end.startTime, fileSec: d.fileSec }
      }, t0)
    await expect.poll(audible, { timeout: 10_000 }).not.toBeNull()
    const heard = (await audible())!
    console.log(
      `stroke end -> the soloed source plays the edited mask (scheduled at ${heard.fileSec.toFixed(2)} s of the song): ${heard.ms.toFixed(0)} ms (target <= 200)`,
    )
    expect(heard.fileSec).toBeGreaterThan(89)
    expect(heard.fileSec).toBeLessThan(100)
    await page.getByRole('button', { name: 'Play' }).click() // pause
    await expect
      .poll(() => page.getByRole('button', { name: 'Play' }).getAttribute('aria-pressed'))
      .toBe('false')
    await read('after')
    await shot('06-main-edit')
    const d = await diff('before', 'after')
    const pad = 2 * sr // STFT support of the edited frames, generously
    console.log(
      `soloed stem: ${d.n} samples changed, ${(from + d.first) / sr} s .. ${(from + d.last) / sr} s (stroke 90-94 s)`,
    )
    expect(d.n).toBeGreaterThan(0)
    expect(from + d.first).toBeGreaterThanOrEqual(90 * sr - pad)
    expect(from + d.last).toBeLessThanOrEqual(94 * sr + pad)

    // undo: bit-identical to before; redo: to after
    const t1 = await pageNow(page)
    await page.locator('body').press('Control+z')
    await expect.poll(async () => (await measures(page, 'edit:main-synced', t1)).length).toBe(1)
    await read('undone')
    expect((await diff('before', 'undone')).n).toBe(0)
    const t2 = await pageNow(page)
    await page.locator('body').press('Control+Shift+z')
    await expect.poll(async () => (await measures(page, 'edit:main-synced', t2)).length).toBe(1)
    await read('redone')
    expect((await diff('after', 'redone')).n).toBe(0)
    await shot('07-undo-redo')

    // save, reopen, export from the reopened project, and the CLI's export of the same file
    const projectPath = join(work, 'edited.unweave')
    const outApp = join(work, 'stems-app')
    const outCli = join(work, 'stems-cli')
    mkdirSync(outApp)
    mkdirSync(outCli)
    // Save project (the Save dialog answered by the bridge), then Load project… from the UI
    const dialogs = bridge.dialogs as unknown as Record<string, (string | null)[] | undefined>
    dialogs.save?.push(projectPath)
    await page.getByRole('button', { name: 'Save project', exact: true }).click()
    const status = page.getByRole('status', { name: 'Project status' })
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/edited\.unweave/)
    await shot('08-project-saved')
    const historyItems = page.getByRole('list', { name: 'History' }).getByRole('listitem')
    const itemsBefore = await historyItems.count()
    savedProject = projectPath
    savedEdits = itemsBefore
    dialogs.project?.push(projectPath)
    const tl = await pageNow(page)
    await page.getByRole('button', { name: 'Load project…' }).click()
    const reopenedAt = await markAfter(page, 'unweave:overlay-updated', tl, 120_000)
    measured[
      `Load project… (3-min song, ${itemsBefore} edits) -> edited overlay shown (whole app: audio, masks, history replay)`
    ] = `${(reopenedAt - tl).toFixed(0)} ms`
    await expect.poll(() => spec.getAttribute('data-separation-id')).not.toBe(sepId)
    await expect.poll(() => historyItems.count()).toBe(itemsBefore)
    await shot('09-project-reopened')
    const reopenedId = (await spec.getAttribute('data-separation-id'))!
    // the folder reaches main through main's own folder dialog (main decides where files go)
    dialogs.folder?.push(outApp)
    const exported = await page.evaluate(
      async ([id, folder]) => {
        const api = (globalThis as unknown as { api: Record<string, (a: unknown) => Promise<any>> })
          .api
        const chosen = await api.chooseExportFolder({})
        if (chosen.type !== 'ok' || chosen.value !== folder) throw new Error('no folder chosen')
        const r = await api.exportStems({
          separationId: id,
          sources: [0, 1],
          folder,
          format: { container: 'wav', bits: '32f' },
          template: '{name}.source-{index}',
          overwrite: 'never',
          taskId: 'e2e-export-project',
        })
        if (r.type !== 'ok') throw new Error(r.message)
        return { files: r.value.files.map((f: { path: string }) => f.path) }
      },
      [reopenedId, outApp] as const,
    )
    expect(exported.files).toHaveLength(2)
    const cli = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'bin/unweave.js'),
        'separate',
        '--project',
        projectPath,
        '--out',
        outCli,
        '--bits',
        '32f',
      ],
      { encoding: 'utf8' },
    )
    expect(cli.status, cli.stderr).toBe(0)
    const names = readdirSync(outApp).sort()
    expect(readdirSync(outCli).sort()).toEqual(names)
    for (const n of names)
      expect(readFileSync(join(outApp, n)).equals(readFileSync(join(outCli, n))), n).toBe(true)
    console.log(`project export: ${names.join(', ')} byte-identical to unweave separate --project`)
    measured['4-s stroke (6-px brush) end -> main synced, playback re-reads (target <= 200 ms)'] =
      `${synced.toFixed(0)} ms`
    measured[
      '4-s stroke end -> the soloed source, playing, is scheduled with the edited mask (target <= 200 ms)'
    ] = `${heard.ms.toFixed(0)} ms`
    measured['edited project: app export vs unweave separate --project'] = 'byte-identical'

    // Re-cluster with my edits: a new separation (constrained k-means in main), the edits kept
    const tr = await pageNow(page)
    const beforeRecluster = await spec.getAttribute('data-separation-id')
    await page.getByRole('button', { name: 'Re-cluster with my edits' }).click()
    await markAfter(page, 'unweave:overlay-updated', tr, 120_000)
    await expect.poll(() => spec.getAttribute('data-separation-id')).not.toBe(beforeRecluster)
    await expect.poll(() => historyItems.count()).toBe(itemsBefore)
    const reMs = (await pageNow(page)) - tr
    // a reopened project has no analysis yet: main runs the network first
    console.log(
      `re-cluster with my edits (reopened project: analyse + constrained k-means) -> overlay ${reMs.toFixed(0)} ms`,
    )
    measured['re-cluster with my edits on a reopened project (incl. analysis)'] =
      `${(reMs / 1000).toFixed(1)} s`
    await shot('10-reclustered-with-edits')
    expect(pageErrors).toEqual([])
  })

  it('after a crash the autosave is offered and recovers the edits; a moved recording is found with "Locate the audio…"', async () => {
    if (!savedProject) {
      console.log('skipped: needs the project saved by the previous test')
      return
    }
    const dialogs = bridge.dialogs as unknown as Record<string, (string | null)[] | undefined>
    const history = (p: Page) => p.getByRole('list', { name: 'History' }).getByRole('listitem')
    const spec = page.getByTestId('spectrogram')
    const box = (await spec.boundingBox())!
    // one more stroke: unsaved changes (the brush may still be in hand: picking it again puts it down)
    if ((await spec.getAttribute('data-tool')) !== 'brush')
      await page
        .getByRole('toolbar', { name: 'Mask tools' })
        .getByRole('button', { name: 'Brush' })
        .click()
    await expect.poll(() => spec.getAttribute('data-tool')).toBe('brush')
    const before = await history(page).count()
    const y = box.y + box.height * 0.5
    await page.mouse.move(box.x + (box.width * 30) / 180, y)
    await page.mouse.down()
    for (let i = 1; i <= 8; i++) await page.mouse.move(box.x + (box.width * (30 + i / 2)) / 180, y)
    await page.mouse.up()
    await expect.poll(() => history(page).count()).toBe(before + 1)
    // the autosave tick (every 30 s while there are unsaved changes) writes the recovery file; wait
    // for one that holds the stroke (a tick that began during the stroke saved the edits before it)
    const autosaved = join(work, 'user-data', 'recovery', 'autosave.unweave')
    const autosavedEdits = (): number => {
      if (!existsSync(autosaved)) return -1
      const files = unzipSync(readFileSync(autosaved), {
        filter: (f) => f.name === 'manifest.json',
      })
      const h = JSON.parse(strFromU8(files['manifest.json']!)).history ?? {}
      return (h.undo?.length ?? 0) + (h.redo?.length ?? 0)
    }
    await expect.poll(autosavedEdits, { timeout: 75_000, interval: 1000 }).toBe(before + 1)
    // a crash: the window goes without saving; a new one starts on the same user data
    await page.close({ runBeforeUnload: false })
    page = await context.newPage()
    watch(page)
    await page.goto(bridge.url)
    const shot = shooter(page, 'e2e-edit')
    const offer = page.getByRole('alertdialog', { name: 'Recover unsaved project?' })
    await offer.waitFor({ state: 'visible', timeout: 30_000 })
    await shot('11-recovery-offered')
    const tr = await pageNow(page)
    await offer.getByRole('button', { name: 'Recover' }).click()
    await markAfter(page, 'unweave:overlay-updated', tr, 120_000)
    await expect.poll(() => history(page).count()).toBe(before + 1)
    await shot('12-recovered')
    console.log(`recovered after a crash: ${before + 1} edits, as autosaved`)

    // the recording moves: opening the saved project says so, and locating it opens the project
    const moved = join(work, 'moved', 'song-3min.wav')
    mkdirSync(join(work, 'moved'))
    renameSync(songPath, moved)
    dialogs.project?.push(savedProject)
    await page.getByRole('button', { name: 'Load project…' }).click()
    // the recovered edits are not saved: Load project asks first (issue 16)
    const ask = page.getByRole('alertdialog', { name: 'Save your edits?' })
    await ask.waitFor({ state: 'visible', timeout: 30_000 })
    await shot('12b-unsaved-asked')
    await ask.getByRole('button', { name: 'Discard' }).click()
    const missing = page.getByRole('alertdialog', { name: 'Audio file not found' })
    await missing.waitFor({ state: 'visible', timeout: 30_000 })
    await shot('13-audio-missing')
    dialogs.open?.push(moved)
    const tl = await pageNow(page)
    await missing.getByRole('button', { name: 'Locate the audio…' }).click()
    await markAfter(page, 'unweave:overlay-updated', tl, 120_000)
    await missing.waitFor({ state: 'hidden', timeout: 30_000 })
    await expect.poll(() => history(page).count()).toBe(savedEdits)
    await shot('14-audio-located')
    measured['crash recovery and "locate the audio" in the UI'] = 'recovered; located'
    expect(pageErrors).toEqual([])
  })
})
