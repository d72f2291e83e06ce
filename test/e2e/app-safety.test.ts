/**
 * Issue 16's app cases in Chromium over the test bridge (real engine, the bundled example):
 * quitting with unsaved edits asks the Open / Load project question (Save / Discard / Cancel), with
 * main's close guard driven as Electron's window 'close' event drives it; the energy meters equal
 * the exported stems' shares before and after an edit and after a reload; the export folder is
 * read-only; an edit reaches the autosave within its bound and the recovery prompt says what it
 * holds; the model's card is shown with its own numbers; a corrupt file opened over an edited
 * recording is refused with an error and the recording still plays, edits and exports; Save project
 * after opening another recording asks main's save dialog and leaves the first project's file as it
 * was; a reloaded project shows the suggestion it was saved with; Ctrl+O, Space and a tool key do
 * nothing under the shortcuts list and the export dialog. axe-core on the new states. Screenshots
 * under test-results/e2e-safety/. Nothing here is timed.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- page-side code reads untyped window fields */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { strFromU8, unzipSync } from 'fflate'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../bridge/build'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { AUTOSAVE } from '../../src/shared/ipc'
import type { Bridge } from '../bridge/server'
import {
  axeViolations,
  chooseModel,
  chromiumPath,
  markAfter,
  openAndSeparate,
  pageNow,
  shooter,
  startEditor,
} from './harness'

const ready = !!chromiumPath()
const work = mkdtempSync(join(tmpdir(), 'unweave-e2e-safety-'))
const EXAMPLE = join(repoRoot, 'examples/trio.flac')

describe.skipIf(!ready)(
  'nothing lost: the app cases of issue 16, in Chromium (real engine)',
  () => {
    let bridge: Bridge
    let context: BrowserContext
    let page: Page
    let pageErrors: string[] = []
    const shot = (name: string) => shooter(page, 'e2e-safety')(name)
    const spec = () => page.getByTestId('spectrogram')
    const history = () => page.getByRole('list', { name: 'History' }).getByRole('listitem')
    const ask = () => page.getByRole('alertdialog', { name: 'Save your edits?' })

    const axe = () => axeViolations(page)

    /** One brush stroke across [x0, x1] (fractions of the spectrogram's width) at height y. */
    async function stroke(x0: number, x1: number, y = 0.5): Promise<void> {
      if ((await spec().getAttribute('data-tool')) !== 'brush')
        await page.locator('body').press('b')
      await expect.poll(() => spec().getAttribute('data-tool')).toBe('brush')
      const before = await history().count()
      const box = (await spec().boundingBox())!
      await page.mouse.move(box.x + box.width * x0, box.y + box.height * y)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width * x1, box.y + box.height * y, { steps: 8 })
      await page.mouse.up()
      await expect.poll(() => history().count()).toBe(before + 1)
    }

    beforeAll(async () => {
      ;({ bridge, context, page, pageErrors } = await startEditor(work))
      await openAndSeparate(bridge, page, EXAMPLE, 3)
    })

    afterAll(async () => {
      await context?.close()
      await bridge?.close()
    })

    it('quit with unsaved edits asks Save / Discard / Cancel; Cancel and a save that fails keep the window', async () => {
      const guard = bridge.service.closeGuard
      const banner = page.getByTestId('error-banner')
      // nothing edited: the window goes without a question
      expect(guard.request()).toBe(true)
      await stroke(0.2, 0.3)
      await expect.poll(() => guard.unsaved, { timeout: 30_000 }).toBe(true)

      // Cancel: the window stays, the edits too
      expect(guard.request()).toBe(false)
      await ask().waitFor({ state: 'visible', timeout: 30_000 })
      await expect.poll(() => ask().textContent()).toMatch(/before quitting/)
      await shot('01-quit-asked')
      expect(await axe()).toEqual([])
      await ask().getByRole('button', { name: 'Cancel' }).click()
      await ask().waitFor({ state: 'hidden' })
      await expect.poll(() => guard.asking, { timeout: 30_000 }).toBe(false)
      expect(bridge.closes).toEqual([])
      expect(guard.unsaved).toBe(true)

      // Save, but the save dialog is cancelled (an empty queue): the window stays
      expect(guard.request()).toBe(false)
      await ask().getByRole('button', { name: 'Save' }).click()
      await expect.poll(() => guard.asking, { timeout: 30_000 }).toBe(false)
      expect(bridge.closes).toEqual([])
      expect(guard.unsaved).toBe(true)

      // Save into a folder that does not exist: the error is shown, the window stays
      bridge.dialogs.save.push(join(work, 'no-such-folder', 'trio.unweave'))
      expect(guard.request()).toBe(false)
      await ask().getByRole('button', { name: 'Save' }).click()
      await banner.waitFor({ state: 'visible' })
      await expect.poll(() => guard.asking, { timeout: 30_000 }).toBe(false)
      expect(bridge.closes).toEqual([])
      await shot('02-quit-save-failed')
      await page.getByRole('button', { name: 'Dismiss error' }).click()

      // Save that works: written, then the window goes
      const saved = join(work, 'trio.unweave')
      bridge.dialogs.save.push(saved)
      expect(guard.request()).toBe(false)
      await ask().getByRole('button', { name: 'Save' }).click()
      await expect.poll(() => bridge.closes, { timeout: 30_000 }).toEqual([false])
      expect(existsSync(saved)).toBe(true)
      await expect.poll(() => guard.unsaved, { timeout: 30_000 }).toBe(false)

      // a new window (as after a reload); another edit, then the app quits: Discard lets it quit
      guard.pageLoaded()
      await stroke(0.4, 0.5)
      await expect.poll(() => guard.unsaved, { timeout: 30_000 }).toBe(true)
      guard.quitRequested()
      expect(guard.request()).toBe(false)
      await ask().getByRole('button', { name: 'Discard' }).click()
      await expect.poll(() => bridge.closes, { timeout: 30_000 }).toEqual([false, true])
      expect(pageErrors).toEqual([])
    })

    /** The energy meters' values (whole percent), once none is being computed. */
    async function meters(): Promise<number[]> {
      const m = page.getByRole('meter', { name: /^Energy share of source/ })
      await expect
        .poll(async () => (await m.evaluateAll((els) => els.map((e) => e.ariaBusy))).join())
        .not.toMatch(/true/)
      return m.evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-valuenow'))))
    }

    /** Each stem's share of the stems' energy, exported now (32-bit float WAV) and read from disk. */
    async function exportedShares(tag: string): Promise<number[]> {
      const folder = join(work, `stems-${tag}`)
      mkdirSync(folder)
      bridge.dialogs.folder.push(folder)
      const files = await page.evaluate(
        async ([f, t]) => {
          const api = (globalThis as Record<string, any>).api
          const id = (globalThis as any).document
            .querySelector('[data-testid=spectrogram]')!
            .getAttribute('data-separation-id')
          const chosen = await api.chooseExportFolder({})
          if (chosen.type !== 'ok' || chosen.value !== f) throw new Error('no folder')
          const r = await api.exportStems({
            separationId: id,
            sources: [0, 1, 2],
            folder: f,
            format: { container: 'wav', bits: '32f' },
            template: `${t}-{index}`,
            overwrite: 'never',
            taskId: `energy-${t}`,
          })
          if (r.type !== 'ok') throw new Error(r.message)
          return r.value.files.map((x: { path: string }) => x.path) as string[]
        },
        [folder, tag] as const,
      )
      const energy = await Promise.all(
        files.map(async (path) => {
          let e = 0
          for (const ch of (await decodeAudioFile(path)).channels) for (const x of ch) e += x * x
          return e
        }),
      )
      const total = energy.reduce((a, b) => a + b, 0)
      return energy.map((e) => (100 * e) / total)
    }

    /** The meters say the exported stems' shares, to the percent they show. */
    async function metersMatchExport(tag: string): Promise<number[]> {
      const shown = await meters()
      const exported = await exportedShares(tag)
      console.log(
        `energy shares (${tag}): shown ${shown.join(' / ')} %, exported stems ${exported.map((x) => x.toFixed(2)).join(' / ')} %`,
      )
      expect(shown).toHaveLength(3)
      for (let i = 0; i < 3; i++)
        expect(Math.abs(shown[i]! - exported[i]!)).toBeLessThanOrEqual(0.5001)
      return shown
    }

    it("the energy meters are the exported stems' shares: before and after an edit, and after reload", async () => {
      const before = await metersMatchExport('before')
      // a big rectangle assigned to source 3
      await page.locator('body').press('r')
      await expect.poll(() => spec().getAttribute('data-tool')).toBe('rect')
      const box = (await spec().boundingBox())!
      await page.mouse.move(box.x + box.width * 0.05, box.y + box.height * 0.3)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.95, { steps: 5 })
      await page.mouse.up()
      await page.getByLabel('Target source').selectOption({ label: 'Source 3' })
      const edits = await history().count()
      await page.getByRole('button', { name: 'Assign to target' }).click()
      await expect.poll(() => history().count()).toBe(edits + 1)
      await expect.poll(async () => (await meters())[2]).toBeGreaterThan(before[2]! + 1)
      const edited = await metersMatchExport('edited')
      await shot('03-energy-after-edit')
      // saved, then loaded again: the same meters, still the export's
      await page.getByRole('button', { name: 'Save project', exact: true }).click()
      await expect.poll(() => bridge.service.closeGuard.unsaved, { timeout: 30_000 }).toBe(false)
      bridge.dialogs.project.push(join(work, 'trio.unweave'))
      const t = await page.evaluate(() => performance.now())
      await page.getByRole('button', { name: 'Load project…' }).click()
      await markAfter(page, 'unweave:overlay-updated', t, 120_000)
      await expect.poll(() => history().count()).toBe(edits + 1)
      expect(await metersMatchExport('reloaded')).toEqual(edited)
      expect(pageErrors).toEqual([])
    })

    it("the export dialog's folder is main's choice: read-only, changed only through Choose…", async () => {
      await page.getByRole('button', { name: /^export/i }).click()
      const dialog = page.getByRole('dialog', { name: 'Export stems' })
      const folder = dialog.getByLabel('Folder', { exact: true })
      await folder.waitFor()
      expect(await folder.isEditable()).toBe(false)
      const before = await folder.inputValue()
      await folder.click()
      await page.keyboard.type('/somewhere/else')
      expect(await folder.inputValue()).toBe(before)
      const chosen = join(work, 'chosen')
      mkdirSync(chosen)
      bridge.dialogs.folder.push(chosen)
      await dialog.getByRole('button', { name: 'Choose folder…' }).click()
      await expect.poll(() => folder.inputValue()).toBe(chosen)
      await shot('03b-export-folder-read-only')
      expect(await axe()).toEqual([])
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })
    })

    it('an edit is in the autosave seconds later; after a crash the prompt says what it holds', async () => {
      const autosaved = join(work, 'user-data', 'recovery', 'autosave.unweave')
      /** Edits a project file holds (-1: no file). */
      const held = (path = autosaved): number => {
        if (!existsSync(path)) return -1
        const files = unzipSync(readFileSync(path), {
          filter: (f) => f.name === 'manifest.json',
        })
        const h = JSON.parse(strFromU8(files['manifest.json']!)).history ?? {}
        return (h.undo?.length ?? 0) as number
      }
      // the project loaded last (saved by the previous test) and no autosave since its save
      const saved = held(join(work, 'trio.unweave'))
      expect(saved).toBeGreaterThan(0)
      expect(held()).toBe(-1)
      await stroke(0.6, 0.7)
      const label = (await history().last().textContent())!.trim()
      // within AUTOSAVE.idleSec plus the write (polled, not timed)
      await expect.poll(() => held(), { timeout: 30_000 }).toBe(saved + 1)
      // a crash: the window goes without saving; a new one offers the autosave and says what it holds
      await page.close({ runBeforeUnload: false })
      page = await context.newPage()
      page.on('pageerror', (e) => pageErrors.push(String(e)))
      await page.goto(bridge.url)
      const offer = page.getByRole('alertdialog', { name: 'Recover unsaved project?' })
      await offer.waitFor({ state: 'visible', timeout: 30_000 })
      const text = (await offer.textContent()) ?? ''
      console.log(
        `recovery prompt: ${text.replace(/\s+/g, ' ').trim()} (last History entry: ${label})`,
      )
      expect(text).toMatch(/autosaved at \d\d:\d\d:\d\d/)
      expect(text).toMatch(/\d+ changes, the last/)
      expect(text).toContain(label.replace(/^\d+\.\s*/, '').slice(0, 12))
      expect(await page.getByTestId('recovery-bound').textContent()).toMatch(
        new RegExp(`${AUTOSAVE.idleSec} s after a change \\(${AUTOSAVE.maxSec} s at most`),
      )
      await shot('04-recovery-says-what-it-holds')
      expect(await axe()).toEqual([])
      await offer.getByRole('button', { name: 'Discard' }).click()
      await expect.poll(() => existsSync(autosaved)).toBe(false)
      expect(pageErrors).toEqual([])
    })

    it("says what the model can and cannot do, with the numbers of the model's own file", async () => {
      const card = JSON.parse(readFileSync(chooseModel().path, 'utf8')) as {
        scores?: { split: string; sisdriModel: number }[]
      }
      const note = page.getByTestId('model-note')
      if (!card.scores?.length) {
        console.log('skipped: the model file has no scores (plumbing fixture)')
        return
      }
      await note.locator('summary').click()
      const items = note.getByRole('list', { name: 'Model card' }).getByRole('listitem')
      await expect.poll(() => items.count()).toBe(card.scores.length)
      const texts = await items.allTextContents()
      card.scores.forEach((s, i) => {
        const n = `${Math.abs(s.sisdriModel).toFixed(1)} dB`
        expect(texts[i]).toContain(n)
        if (s.sisdriModel < 1) expect(texts[i]).toMatch(/not separated/)
      })
      console.log(`model note: ${texts.join(' | ')}`)
      await shot('05-model-note')
      expect(await axe()).toEqual([])
    })

    const banner = () => page.getByTestId('error-banner')
    const play = () => page.getByRole('button', { name: 'Play' })
    const chip = () => page.getByLabel('Suggested sources')
    const projectA = join(work, 'a.unweave')
    let chipA = ''

    it('a corrupt file opened over an edited recording: an error, and the recording still plays, edits and exports', async () => {
      // the recording again (the window after the crash above has none), separated, one edit
      await openAndSeparate(bridge, page, EXAMPLE, 3)
      await stroke(0.2, 0.3)
      const edits = await history().count()
      const separationId = await spec().getAttribute('data-separation-id')
      expect(separationId).toBeTruthy()
      const corrupt = join(work, 'corrupt.wav')
      writeFileSync(corrupt, Buffer.from('RIFF\x08\x00\x00\x00WAVEfmt ', 'latin1'))
      expect(readFileSync(corrupt).length).toBe(16)

      bridge.dialogs.open.push(corrupt)
      await page.getByRole('button', { name: /^open/i }).click()
      // the edit is not saved: Open asks first; Save writes the project where main's dialog says
      const ask = page.getByRole('alertdialog', { name: 'Save your edits?' })
      await ask.waitFor({ state: 'visible' })
      bridge.dialogs.save.push(projectA)
      await ask.getByRole('button', { name: 'Save' }).click()
      await banner().waitFor({ state: 'visible', timeout: 60_000 })
      const message = (await banner().textContent()) ?? ''
      console.log(`corrupt file: ${message.replace(/\s+/g, ' ').trim()}`)
      expect(bridge.dialogs.open).toEqual([])
      expect(bridge.dialogs.save).toEqual([])
      expect(existsSync(projectA)).toBe(true)
      await shot('06-corrupt-refused')
      await page.getByRole('button', { name: 'Dismiss error' }).click()
      await banner().waitFor({ state: 'hidden' })

      // the recording, its separation and its edits are still the ones on screen
      await page.getByTitle(EXAMPLE, { exact: true }).waitFor({ state: 'visible' })
      expect(await spec().getAttribute('data-separation-id')).toBe(separationId)
      expect(await history().count()).toBe(edits)

      // Play: the position moves, no error
      const clock = page.getByRole('timer', { name: 'Playback position' }).locator('.now')
      const at = await clock.textContent()
      await play().click()
      await expect.poll(() => play().getAttribute('aria-pressed')).toBe('true')
      await expect.poll(() => clock.textContent()).not.toBe(at)
      await play().click()
      await expect.poll(() => play().getAttribute('aria-pressed')).toBe('false')
      expect(await banner().count()).toBe(0)

      // another edit, then export through the dialog: main still has the separation
      await stroke(0.4, 0.5)
      const out = join(work, 'stems-after-corrupt')
      mkdirSync(out)
      bridge.dialogs.folder.push(out)
      await page.getByRole('button', { name: /^export/i }).click()
      const dialog = page.getByRole('dialog', { name: 'Export stems' })
      await dialog.getByRole('button', { name: 'Choose folder…' }).click()
      await expect.poll(() => dialog.getByLabel('Folder', { exact: true }).inputValue()).toBe(out)
      await dialog.getByRole('button', { name: 'Export', exact: true }).click()
      await dialog.getByText(/Exported 3 stems/).waitFor({ state: 'visible', timeout: 300_000 })
      const files = (await dialog.getByRole('listitem').allTextContents()).map((n) =>
        join(out, n.trim()),
      )
      expect(files).toHaveLength(3)
      for (const f of files) expect(existsSync(f)).toBe(true)
      await shot('07-exported-after-corrupt')
      await dialog.getByRole('button', { name: 'Done' }).click()
      await dialog.waitFor({ state: 'hidden' })
      expect(await banner().count()).toBe(0)
      expect(pageErrors).toEqual([])
    })

    it("Save project after opening another recording asks where, and leaves the first project's file as it was", async () => {
      chipA = ((await chip().textContent()) ?? '').replace(/\s+/g, ' ').trim()
      // saved by the question of the previous test; saved again here (no dialog: main knows where)
      expect(existsSync(projectA)).toBe(true)
      await page.getByRole('button', { name: 'Save project', exact: true }).click()
      await expect.poll(() => bridge.service.closeGuard.unsaved).toBe(false)
      expect(bridge.dialogs.save).toEqual([])
      const bytesA = readFileSync(projectA)

      const other = join(work, 'other.flac')
      copyFileSync(EXAMPLE, other)
      await openAndSeparate(bridge, page, other, 2)
      await page.getByTitle(other, { exact: true }).waitFor({ state: 'visible' })

      const projectB = join(work, 'b.unweave')
      bridge.dialogs.save.push(projectB)
      await page.getByRole('button', { name: 'Save project', exact: true }).click()
      // main asked its save dialog (the queued answer was taken) and wrote where it was told
      await expect.poll(() => bridge.dialogs.save).toEqual([])
      await expect.poll(() => existsSync(projectB)).toBe(true)
      expect(readFileSync(projectA).equals(bytesA)).toBe(true)
      expect(pageErrors).toEqual([])
    })

    it('a reloaded project shows the suggestion and confidence it was saved with', async () => {
      expect(chipA).toMatch(/^Suggested \d+ \(confidence \d+%\)$/)
      // a fresh window (nothing unsaved: B was saved): no recording, no suggestion until the load
      await page.reload()
      await page.getByText('No file open').waitFor({ state: 'visible' })
      expect(await chip().count()).toBe(0)
      bridge.dialogs.project.push(projectA)
      const t = await pageNow(page)
      await page.getByRole('button', { name: 'Load project…' }).click()
      await markAfter(page, 'unweave:overlay-updated', t, 120_000)
      await page.getByTitle(EXAMPLE, { exact: true }).waitFor({ state: 'visible' })
      await expect
        .poll(async () => ((await chip().textContent()) ?? '').replace(/\s+/g, ' ').trim())
        .toBe(chipA)
      console.log(`suggestion before saving and after loading: ${chipA}`)
      expect(chipA).not.toMatch(/confidence 0%/)
      await shot('08-reloaded-suggestion')
      expect(pageErrors).toEqual([])
    })

    it('shortcuts do nothing under the shortcuts list or the export dialog', async () => {
      const tool = await spec().getAttribute('data-tool')
      const toolKey = tool === 'rect' ? 'b' : 'r'
      expect(await play().getAttribute('aria-pressed')).toBe('false')
      // a queued answer to main's Open dialog: taken only if main is asked
      bridge.dialogs.open.push(null)

      await page.locator('body').press('?')
      const list = page.getByRole('dialog', { name: 'Keyboard and mouse' })
      await list.waitFor({ state: 'visible' })
      // focus on the list itself, not on its Close button (Space would press it)
      await list.getByRole('heading', { name: 'Keyboard and mouse' }).click()
      for (const k of ['Control+o', ' ', toolKey]) await page.keyboard.press(k)
      await shot('09-keys-under-shortcuts-list')
      await page.keyboard.press('?')
      await list.waitFor({ state: 'hidden' })

      const chosen = join(work, 'chosen-2')
      mkdirSync(chosen)
      bridge.dialogs.folder.push(chosen)
      await page.getByRole('button', { name: /^export/i }).click()
      const dialog = page.getByRole('dialog', { name: 'Export stems' })
      await dialog.waitFor({ state: 'visible' })
      await page.keyboard.press('Control+o')
      // a round trip to main after the keys: the folder dialog's answer comes back
      await dialog.getByRole('button', { name: 'Choose folder…' }).click()
      await expect
        .poll(() => dialog.getByLabel('Folder', { exact: true }).inputValue())
        .toBe(chosen)
      expect(bridge.dialogs.open).toEqual([null])
      expect(await play().getAttribute('aria-pressed')).toBe('false')
      expect(await spec().getAttribute('data-tool')).toBe(tool)
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })

      // with nothing open, the same keys act
      await page.locator('body').press(toolKey)
      await expect.poll(() => spec().getAttribute('data-tool')).not.toBe(tool)
      await page.locator('body').press('Control+o')
      await expect.poll(() => bridge.dialogs.open).toEqual([])
      expect(pageErrors).toEqual([])
    })
  },
)
