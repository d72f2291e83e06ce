/**
 * The same editor flow in the real Electron app through Playwright's `_electron`. The Electron
 * binary cannot be downloaded on the build machines, so this is skipped there with the reason
 * printed; on a machine where `npm install` fetched it, it runs against out/main/index.js.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron, type ElectronApplication } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveSox, soxMixture } from '../bridge/audio-fixtures'
import { repoRoot } from '../bridge/build'
import { buildApp, chooseModel, editorFlow, electronBinary } from './harness'

const binary = electronBinary()
const reason = !binary
  ? 'the Electron binary is absent (node_modules/electron/dist was never downloaded; it cannot be on this network)'
  : !haveSox()
    ? 'sox is missing'
    : ''
if (reason) console.log(`Electron e2e skipped: ${reason}.`)

describe.skipIf(!!reason)('the editor in Electron (Playwright _electron)', () => {
  const work = mkdtempSync(join(tmpdir(), 'unweave-electron-'))
  let app: ElectronApplication

  beforeAll(async () => {
    buildApp()
    const model = chooseModel()
    app = await _electron.launch({
      executablePath: binary!,
      args: [join(repoRoot, 'out/main/index.js')],
      cwd: repoRoot,
      env: {
        ...process.env,
        UNWEAVE_MODEL: model.path,
        UNWEAVE_USER_DATA: join(work, 'profile'),
      } as Record<string, string>,
    })
  })
  afterAll(async () => {
    await app?.close()
  })

  it('runs the editor flow and quits cleanly', async () => {
    const page = await app.firstWindow()
    // The window is locked down as issue 4 asks: no Node, nothing raw on window.api.
    const surface = await page.evaluate(() => {
      const g = globalThis as {
        require?: unknown
        process?: unknown
        api?: Record<string, unknown>
      }
      return {
        require: typeof g.require,
        process: typeof g.process,
        ipcRenderer: g.api ? 'ipcRenderer' in g.api : null,
      }
    })
    expect(surface).toEqual({ require: 'undefined', process: 'undefined', ipcRenderer: false })

    const answer = (kind: 'open' | 'folder') => async (path: string) => {
      await app.evaluate(
        ({ dialog }, [p]) => {
          const original = dialog.showOpenDialog.bind(dialog)
          dialog.showOpenDialog = (async () => {
            dialog.showOpenDialog = original
            return { canceled: false, filePaths: [p] }
          }) as typeof dialog.showOpenDialog
        },
        [path, kind] as const,
      )
    }
    const mix = soxMixture(work, 'three-sources', 20)
    const out = join(work, 'stems')
    mkdirSync(out)
    const r = await editorFlow(
      page,
      { queueOpen: answer('open'), queueFolder: answer('folder') },
      {
        mix,
        outDir: out,
        group: 'electron',
      },
    )
    expect(r.files).toHaveLength(2)
    expect(r.mixtureError).toBeLessThan(1e-4)
  })
})
